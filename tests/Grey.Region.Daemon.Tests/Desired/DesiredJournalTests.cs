using Grey.Federation.Clock;
using Grey.Federation.Messages;
using Grey.Region.Daemon.Desired;

namespace Grey.Region.Daemon.Tests.Desired;

public sealed class DesiredJournalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "grey-desired-journal-" + Guid.NewGuid().ToString("N"));

    public DesiredJournalTests() => Directory.CreateDirectory(_dir);

    private string FilePath => Path.Combine(_dir, DesiredJournal.FileName);

    [Fact]
    public void Open_AfterAppends_ReturnsEveryChangeInOrder()
    {
        DesiredChange[] written = [Change("site-a", 1, "on"), Change("site-b", 1, null), Change("site-a", 2, "off")];
        using (DesiredJournal journal = DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> none))
        {
            Assert.Empty(none);
            foreach (DesiredChange c in written)
            {
                journal.Append(c);
            }
        }

        using DesiredJournal reopened = DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> read);

        Assert.Equal(written.Select(c => Convert.ToHexString(c.Encode())), read.Select(c => Convert.ToHexString(c.Encode())));
        Assert.Equal(0, reopened.TornBytesCut);
        Assert.Equal(3, reopened.Records);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20)]
    public void Open_TornLastRecord_CutAndEarlierKept(int cut)
    {
        WriteTwo();
        long length = new FileInfo(FilePath).Length;
        using (var f = new FileStream(FilePath, FileMode.Open))
        {
            f.SetLength(length - cut);
        }

        using (DesiredJournal journal = DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> read))
        {
            Assert.Equal([1UL], read.Select(c => c.Sequence));
            Assert.True(journal.TornBytesCut > 0);

            // Numbering goes on from what survived: the torn change was never answered.
            journal.Append(Change("site-a", 2, "again"));
        }

        DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> after).Dispose();
        Assert.Equal([1UL, 2UL], after.Select(c => c.Sequence));
        Assert.Equal("again"u8.ToArray(), after[1].Value.ToArray());
    }

    [Fact]
    public void Open_ZerosAfterLastRecord_CutAsTorn()
    {
        WriteTwo();
        File.AppendAllBytes(FilePath, new byte[100]);

        using DesiredJournal journal = DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> read);

        Assert.Equal(2, read.Count);
        Assert.Equal(100, journal.TornBytesCut);
    }

    [Fact]
    public void Open_DamageInTheMiddle_RefusedNamingFileAndOffset()
    {
        WriteTwo();
        byte[] bytes = File.ReadAllBytes(FilePath);
        bytes[DesiredJournal.HeaderBytes + 3] ^= 0xFF;
        File.WriteAllBytes(FilePath, bytes);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => DesiredJournal.Open(_dir, "r0", out _));

        Assert.Contains(FilePath, e.Message, StringComparison.Ordinal);
        Assert.Contains("offset 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OtherRegionsJournal_Refused()
    {
        WriteTwo();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => DesiredJournal.Open(_dir, "r1", out _));
        Assert.Contains("region r0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SequenceGap_RefusedNamingOffset()
    {
        using (DesiredJournal journal = DesiredJournal.Open(_dir, "r0", out _))
        {
            journal.Append(Change("site-a", 1, "a"));
            journal.Append(Change("site-a", 3, "c"));
        }

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => DesiredJournal.Open(_dir, "r0", out _));
        Assert.Contains("expected 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RandomBytes_OpensOrRefusesCleanly()
    {
        const int Seed = 20261126;
        var rng = new Random(Seed);
        WriteTwo();
        byte[] good = File.ReadAllBytes(FilePath);
        for (int i = 0; i < 300; i++)
        {
            byte[] bytes = rng.Next(3) == 0 ? RandomBytes(rng, rng.Next(1, 200)) : Mutate(rng, good);
            File.WriteAllBytes(FilePath, bytes);
            try
            {
                DesiredJournal.Open(_dir, "r0", out IReadOnlyList<DesiredChange> read).Dispose();
                Assert.True(read.Count <= 2, $"seed {Seed} case {i}: {read.Count} changes from mangled bytes");
            }
            catch (InvalidDataException)
            {
                // A clear refusal is the other acceptable outcome.
            }
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DesiredChange Change(string site, ulong sequence, string? value) =>
        new("r0", site, sequence, "desired/fan", value is null ? null : System.Text.Encoding.UTF8.GetBytes(value), new HlcTimestamp(1_764_000_000_000 + (long)sequence, 0));

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] Mutate(Random rng, byte[] good)
    {
        byte[] b = good[..rng.Next(1, good.Length + 1)];
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            b[rng.Next(b.Length)] ^= (byte)rng.Next(1, 256);
        }

        return b;
    }

    private void WriteTwo()
    {
        using DesiredJournal journal = DesiredJournal.Open(_dir, "r0", out _);
        journal.Append(Change("site-a", 1, "on"));
        journal.Append(Change("site-a", 2, "off"));
    }
}

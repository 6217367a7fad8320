using Grey.Region.Storage;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Storage;

public sealed class StoreFormatTests
{
    [Fact]
    public void Crc_CheckValue_IsCrc32C() => Assert.Equal(0xE3069283u, StoreFormat.Crc("123456789"u8));

    [Fact]
    public void ReadRecord_RoundTrip_ReturnsTheRecord()
    {
        var d = new LoggedDelta(7, "site-a", [1, 2, 3], [9, 8, 7, 6]);
        byte[] file = [.. StoreFormat.SegmentHeader(7), .. StoreFormat.EncodeDeltaRecord(d)];

        Assert.Null(StoreFormat.CheckSegmentHeader(file, 7));
        Assert.Equal(StoreFormat.ReadStatus.Record, StoreFormat.ReadRecord(file, StoreFormat.SegmentHeaderBytes, out LoggedDelta? r, out int next, out _));
        Assert.Equal(file.Length, next);
        Assert.Equal((7UL, "site-a"), (r!.Sequence, r.SignerSite));
        Assert.Equal(d.Certificate, r.Certificate);
        Assert.Equal(d.Wire, r.Wire);
        Assert.Equal(StoreFormat.ReadStatus.End, StoreFormat.ReadRecord(file, next, out _, out _, out _));
    }

    [Fact]
    public void ReadRecord_ZeroFilledTail_IsTorn()
    {
        byte[] file = [.. StoreFormat.SegmentHeader(1), .. new byte[64]];
        Assert.Equal(StoreFormat.ReadStatus.Torn, StoreFormat.ReadRecord(file, StoreFormat.SegmentHeaderBytes, out _, out _, out _));
    }

    /// <summary>Seeded mutations of a log segment and a checkpoint: opening either works or refuses with <see cref="StoreCorruptException"/>; nothing else escapes.</summary>
    [Fact]
    public void Open_MutatedFiles_WorksOrRefusesCleanly()
    {
        int seed = Environment.GetEnvironmentVariable("GREY_FUZZ_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 6303;
        Console.WriteLine($"store fuzz seed {seed}");
        var rng = new Random(seed);
        byte[] segment = [.. StoreFormat.SegmentHeader(1),
            .. StoreFormat.EncodeDeltaRecord(new LoggedDelta(1, "site-a", [1, 2], [3, 4, 5])),
            .. StoreFormat.EncodeDeltaRecord(new LoggedDelta(2, "site-a", [1, 2], [6, 7]))];
        byte[] checkpoint = StoreFormat.EncodeCheckpoint(3, [0xA0]);
        int opened = 0;
        int refused = 0;
        for (int i = 0; i < 2000; i++)
        {
            bool onCheckpoint = i % 4 == 0;
            byte[] m = (byte[])(onCheckpoint ? checkpoint : segment).Clone();
            for (int f = rng.Next(1, 3); f > 0; f--)
            {
                m[rng.Next(m.Length)] ^= (byte)rng.Next(1, 256);
            }

            if (rng.Next(3) == 0)
            {
                m = m[..rng.Next(m.Length)];
            }

            var fs = new CrashingFileSystem();
            using (IRegionFile file = fs.OpenAppend(onCheckpoint ? StoreFormat.CheckpointName(3) : StoreFormat.SegmentName(1)))
            {
                file.Append(m);
            }

            var replayed = new List<ulong>();
            try
            {
                using RegionStore store = RegionStore.Open(fs, _ => { }, d => replayed.Add(d.Sequence));
                opened++;
                Assert.True(replayed.SequenceEqual(Enumerable.Range(1, replayed.Count).Select(x => (ulong)x)), $"seed {seed}: replay out of order");
            }
            catch (StoreCorruptException)
            {
                refused++;
            }
        }

        Assert.True(opened > 0 && refused > 0, $"seed {seed}: {opened} opened, {refused} refused");
    }
}

using System.Text;
using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class WalCodecTests(ITestOutputHelper output)
{
    [Fact]
    public void Crc32C_KnownVector_Matches()
    {
        // The standard check value of CRC-32C (Castagnoli) for "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void TryRead_EveryRecordType_RoundTrips()
    {
        var buffer = new byte[256];
        var entry = new Entry(5, 9, EntryKind.ConfChange, new byte[] { 1, 2, 3 });
        var n = WalRecordCodec.WriteEntry(buffer, entry);
        Assert.Equal(WalRecordCodec.EntrySize(entry), n);
        Assert.Equal(WalDecodeStatus.Ok, WalRecordCodec.TryRead(buffer.AsSpan(0, n), 1024, out var r, out var size, out _));
        Assert.Equal(n, size);
        Assert.Equal((5UL, 9UL, EntryKind.ConfChange), (r.Entry.Term, r.Entry.Index, r.Entry.Kind));
        Assert.Equal(new byte[] { 1, 2, 3 }, r.Entry.Data.ToArray());

        n = WalRecordCodec.WriteHardState(buffer, new HardState(3, 2, 1));
        Assert.Equal(WalDecodeStatus.Ok, WalRecordCodec.TryRead(buffer.AsSpan(0, n), 1024, out r, out _, out _));
        Assert.Equal(new HardState(3, 2, 1), r.HardState);

        n = WalRecordCodec.WriteMarker(buffer, WalRecordType.SnapshotReset, 77, 6);
        Assert.Equal(WalDecodeStatus.Ok, WalRecordCodec.TryRead(buffer.AsSpan(0, n), 1024, out r, out _, out _));
        Assert.Equal((WalRecordType.SnapshotReset, 77UL, 6UL), (r.Type, r.MarkerIndex, r.MarkerTerm));
        Assert.Throws<ArgumentOutOfRangeException>(() => WalRecordCodec.WriteMarker(buffer, WalRecordType.Entry, 1, 1));
    }

    [Fact]
    public void TryRead_ZeroFilledOrHugeLength_IsNotOk()
    {
        Assert.NotEqual(WalDecodeStatus.Ok, WalRecordCodec.TryRead(new byte[64], 1024, out _, out _, out _));
        var huge = new byte[16];
        huge[4] = 0xFF;
        huge[5] = 0xFF;
        huge[6] = 0xFF;
        huge[7] = 0x7F;
        Assert.Equal(WalDecodeStatus.Invalid, WalRecordCodec.TryRead(huge, 1024, out _, out _, out var error));
        Assert.Contains("maximum record size", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SegmentHeader_RoundTripsAndNames()
    {
        var header = new SegmentHeader(3, 1000, 123456);
        var bytes = new byte[SegmentHeader.Size];
        header.Write(bytes);
        Assert.Equal(WalDecodeStatus.Ok, SegmentHeader.TryRead(bytes, out var read, out _));
        Assert.Equal(header, read);
        Assert.True(SegmentHeader.TryParseName(header.FileName, out var seq, out var first));
        Assert.Equal((3UL, 1000UL), (seq, first));
        Assert.False(SegmentHeader.TryParseName("0000000000000003-00000000000003e8.wal.bak", out _, out _));
        Assert.False(SegmentHeader.TryParseName("zz00000000000003-00000000000003e8.wal", out _, out _));
        bytes[4] = 2;
        Assert.Equal(WalDecodeStatus.Invalid, SegmentHeader.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void Decoders_RandomAndMutatedBytes_NeverThrow()
    {
        const int seed = 90210;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var valid = new byte[512];
        var at = WalRecordCodec.WriteEntry(valid, new Entry(1, 1, EntryKind.Data, new byte[40]));
        at += WalRecordCodec.WriteHardState(valid.AsSpan(at), new HardState(1, 1, 1));
        valid = valid[..at];
        for (var i = 0; i < 50000; i++)
        {
            var input = i % 2 == 0 ? valid.ToArray() : new byte[rng.Next(0, 100)];
            if (i % 2 == 0)
            {
                input[rng.Next(input.Length)] ^= (byte)(1 << rng.Next(8));
            }
            else
            {
                rng.NextBytes(input);
            }

            var status = WalRecordCodec.TryRead(input, 256, out _, out var size, out var error);
            Assert.True(status == WalDecodeStatus.Ok ? size <= input.Length : error is not null, $"seed {seed}, case {i}");
            SegmentHeader.TryRead(input, out _, out _);
        }
    }

    [Fact]
    public async Task Open_GarbageSegmentFiles_ThrowsCorruptionOrRecovers()
    {
        const int seed = 777;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            var fs = new SimulatedFileSystem();
            fs.CreateDirectory(WalTestKit.Dir);
            var files = rng.Next(1, 4);
            for (var f = 0; f < files; f++)
            {
                var bytes = new byte[rng.Next(0, 300)];
                rng.NextBytes(bytes);
                if (rng.Next(2) == 0 && bytes.Length >= SegmentHeader.Size)
                {
                    new SegmentHeader((ulong)f + 1, 1, 0).Write(bytes);
                }

                fs.WriteAllBytes(Path.Combine(WalTestKit.Dir, SegmentHeader.FormatName((ulong)f + 1, 1)), bytes);
            }

            WriteAheadLog? wal = null;
            try
            {
                wal = WalTestKit.Open(fs, out _);
            }
            catch (WalCorruptionException ex)
            {
                Assert.Contains(WalTestKit.Dir, ex.Message, StringComparison.Ordinal);
            }

            if (wal is not null)
            {
                await wal.DisposeAsync();
            }
        }
    }
}

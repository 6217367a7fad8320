using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class WalRecordCodecTests(ITestOutputHelper output)
{
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
    public void TryRead_RandomAndMutatedBytes_NeverThrows()
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
}

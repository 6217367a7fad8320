using Grey.Region.Ingest;
using Grey.Region.Quarantine;

namespace Grey.Region.Tests.Quarantine;

public sealed class DeltaQuarantineTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_BeyondByteBound_EvictsOldestUntilItFits()
    {
        var q = new DeltaQuarantine(maxItems: 100, maxBytes: 10);
        q.Add(RejectReason.Malformed, "a", "s", At, new byte[4]);
        q.Add(RejectReason.Malformed, "b", "s", At, new byte[4]);
        q.Add(RejectReason.SignerUnknown, "c", "s", At, new byte[5]);

        Assert.Equal(["b", "c"], q.List().Select(i => i.Detail));
        Assert.Equal(9, q.Bytes);
        Assert.Equal(1, q.Evicted);
        Assert.Equal(3, q.Added);
    }

    [Fact]
    public void Add_ItemLargerThanBound_KeptTruncatedAlone()
    {
        var q = new DeltaQuarantine(maxItems: 100, maxBytes: 10);
        q.Add(RejectReason.Malformed, "a", "s", At, new byte[3]);
        QuarantineItem big = q.Add(RejectReason.TooLarge, "big", "s", At, Enumerable.Range(0, 25).Select(i => (byte)i).ToArray());

        Assert.True(big.Truncated);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), big.Bytes);
        Assert.Equal(1, q.Count);
        Assert.Equal(10, q.Bytes);
    }

    [Fact]
    public void Constructor_NoRoom_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeltaQuarantine(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeltaQuarantine(1, 0));
    }
}

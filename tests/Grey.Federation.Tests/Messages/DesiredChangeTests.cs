using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class DesiredChangeTests
{
    private static readonly DesiredChange Delete = new("r1", "site-a", 2, "desired/x", null, new HlcTimestamp(9, 1));

    [Fact]
    public void Decode_PutAndDelete_RoundTripWithSameDigest()
    {
        foreach (DesiredChange c in new[] { Samples.Change, Delete })
        {
            DecodeResult<DesiredChange> r = DesiredChange.Decode(c.Encode());
            Assert.True(r.IsSuccess, r.Error?.ToString());
            Assert.Equal(c.Digest.ToArray(), r.Value.Digest.ToArray());
            Assert.Equal(c.Kind, r.Value.Kind);
        }
    }

    [Fact]
    public void ToOperation_Delete_DeleteCarryingReference()
    {
        Operation op = Delete.ToOperation(new HlcTimestamp(10, 0), "n1");
        Assert.Equal(OperationKind.Delete, op.Kind);
        Assert.True(Delete.Matches(op));
        Assert.False(Samples.Change.Matches(op));
    }

    [Fact]
    public void Constructor_KeyOutsideDesired_Throws() =>
        Assert.Throws<ArgumentException>(() => new DesiredChange("r1", "site-a", 1, "temp", [1], HlcTimestamp.Zero));

    [Fact]
    public void Decode_AckBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType, DesiredChange.Decode(Samples.Ack().Encode()).Error!.Code);

    [Fact]
    public void Decode_MutatedChanges_OnlyDecodeErrors()
    {
        const int seed = 101;
        Fuzz.Run(seed, 10_000, [Samples.Change.Encode(), Delete.Encode()], b => DesiredChange.Decode(b).IsSuccess);
    }
}

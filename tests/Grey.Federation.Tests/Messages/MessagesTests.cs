using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class MessagesTests
{
    [Fact]
    public void RegionAck_RoundTrip_SameBytes()
    {
        byte[] bytes = Samples.Ack().Encode();
        DecodeResult<RegionAck> r = RegionAck.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal(4UL, r.Value.MergedIndex);
        Assert.Equal(bytes, r.Value.Encode());
    }

    [Fact]
    public void DesiredChange_PutAndDelete_RoundTripAndDigestStable()
    {
        var del = new DesiredChange("r1", "site-a", 2, "desired/x", null, new HlcTimestamp(9, 1));
        foreach (DesiredChange c in new[] { Samples.Change, del })
        {
            DecodeResult<DesiredChange> r = DesiredChange.Decode(c.Encode());
            Assert.True(r.IsSuccess, r.Error?.ToString());
            Assert.Equal(c.Digest.ToArray(), r.Value.Digest.ToArray());
            Assert.Equal(c.Kind, r.Value.Kind);
        }
    }

    [Fact]
    public void DesiredChange_KeyOutsideDesired_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DesiredChange("r1", "site-a", 1, "temp", [1], HlcTimestamp.Zero));
    }

    [Fact]
    public void Decode_AckAsDesiredChange_WrongMessageType()
    {
        Assert.Equal(DecodeErrorCode.WrongMessageType, DesiredChange.Decode(Samples.Ack().Encode()).Error!.Code);
        Assert.Equal(DecodeErrorCode.WrongMessageType, RegionAck.Decode(Samples.Change.Encode()).Error!.Code);
    }

    [Fact]
    public void Decode_MutatedMessages_OnlyDecodeErrors()
    {
        const int seed = 99;
        byte[][] corpus = [Samples.Ack().Encode(), Samples.Change.Encode(), new DesiredChange("r1", "site-a", 2, "desired/x", null, new HlcTimestamp(9, 1)).Encode()];
        Fuzz.Run(seed, 20_000, corpus, b => RegionAck.Decode(b).IsSuccess | DesiredChange.Decode(b).IsSuccess);
    }
}

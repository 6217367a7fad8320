using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class RegionAckTests
{
    [Fact]
    public void Decode_Encoded_SameBytes()
    {
        byte[] bytes = Samples.Ack().Encode();
        DecodeResult<RegionAck> r = RegionAck.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal(4UL, r.Value.MergedIndex);
        Assert.Equal(bytes, r.Value.Encode());
    }

    [Fact]
    public void Decode_DesiredChangeBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType, RegionAck.Decode(Samples.Change.Encode()).Error!.Code);

    [Fact]
    public void Constructor_ShortChainHash_Throws() =>
        Assert.Throws<ArgumentException>(() => new RegionAck("r0", "site-a", 1, 1, new byte[31]));

    [Fact]
    public void Decode_MutatedAcks_OnlyDecodeErrors()
    {
        const int seed = 99;
        Fuzz.Run(seed, 10_000, [Samples.Ack().Encode()], b => RegionAck.Decode(b).IsSuccess);
    }
}

using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class SiteNakTests
{
    private static readonly SiteNak Sample = new("eu-1", "plant-7", 0xDEADBEEFUL, 42);

    [Fact]
    public void Decode_Encoded_SameValueAndBytes()
    {
        byte[] bytes = Sample.Encode();
        DecodeResult<SiteNak> r = SiteNak.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal(Sample, r.Value);
        Assert.Equal(bytes, r.Value.Encode());
    }

    [Fact]
    public void Decode_AckBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType, SiteNak.Decode(Samples.Ack().Encode()).Error!.Code);

    [Fact]
    public void Decode_ReportBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType,
            SiteNak.Decode(new SiteReport("plant-7", 1, 2, 1, 1, 10, 5, 0).Encode()).Error!.Code);

    [Fact]
    public void Decode_Oversized_TooLarge() =>
        Assert.Equal(DecodeErrorCode.TooLarge, SiteNak.Decode(new byte[SiteNak.MaxEncodedBytes + 1]).Error!.Code);

    [Fact]
    public void Constructor_IndexZeroOrBadId_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SiteNak("eu-1", "plant-7", 1, 0));
        Assert.Throws<ArgumentException>(() => new SiteNak("EU", "plant-7", 1, 1));
    }

    [Fact]
    public void Decode_MutatedNaks_OnlyDecodeErrors()
    {
        const int seed = 606;
        Fuzz.Run(seed, 10_000, [Sample.Encode()], b => SiteNak.Decode(b).IsSuccess);
    }
}

using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class SiteReportTests
{
    private static readonly SiteReport Sample = new("plant-7", 0xABCDUL, 120, 100, 20, 5120, 1500, 3);

    [Fact]
    public void Decode_Encoded_SameValueAndBytes()
    {
        byte[] bytes = Sample.Encode();
        DecodeResult<SiteReport> r = SiteReport.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal(Sample, r.Value);
        Assert.Equal(bytes, r.Value.Encode());
    }

    [Fact]
    public void Decode_AcknowledgedAboveCommitted_Malformed()
    {
        byte[] bytes = (Sample with { AcknowledgedIndex = 121 }).Encode();
        DecodeResult<SiteReport> r = SiteReport.Decode(bytes);
        Assert.False(r.IsSuccess);
        Assert.Equal(DecodeErrorCode.Malformed, r.Error!.Code);
    }

    [Fact]
    public void Decode_NakBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType, SiteReport.Decode(new SiteNak("eu-1", "plant-7", 1, 1).Encode()).Error!.Code);

    [Fact]
    public void Encode_InvalidSite_Throws() =>
        Assert.Throws<ArgumentException>(() => (Sample with { Site = "Plant 7" }).Encode());

    [Fact]
    public void Decode_MutatedReports_OnlyDecodeErrors()
    {
        const int seed = 707;
        Fuzz.Run(seed, 10_000, [Sample.Encode()], b => SiteReport.Decode(b).IsSuccess);
    }
}

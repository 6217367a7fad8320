using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Tpm;

public sealed class TpmsAttestTests
{
    private static readonly byte[] SwtpmQuote = TestData.Bytes("swtpm-ecc/quote.msg");

    [Fact]
    public void Parse_RealSwtpmQuote_FieldsAsTpm2ToolsPrinted()
    {
        TpmsAttest a = TpmsAttest.Parse(SwtpmQuote);
        Assert.Equal(TpmsAttest.TpmGenerated, a.Magic);
        Assert.Equal(TpmsAttest.StAttestQuote, a.Type);
        Assert.Equal(Convert.FromHexString(TestData.Text("swtpm-ecc/nonce.hex")), a.ExtraData);
        Assert.Equal(34, a.QualifiedSigner.Length);
        Assert.Equal(0x1186UL, a.ClockInfo.Clock);
        Assert.True(a.ClockInfo.Safe);
        Assert.Equal(0x2019102300163636UL, a.FirmwareVersion);
        Assert.Equal("sha256:0,1,16", a.PcrSelect.ToString());
        Assert.Equal("3e6b796058822b50d3e3cb0ff0af869377bf51f7d4eca99e861041231ac976ec", Convert.ToHexStringLower(a.PcrDigest));
    }

    [Fact]
    public void ToBytes_RealSwtpmQuote_RoundTripsByteForByte()
    {
        Assert.Equal(SwtpmQuote, TpmsAttest.Parse(SwtpmQuote).ToBytes());
    }

    [Fact]
    public void TryParse_EveryTruncation_RefusedWithMessage()
    {
        for (int n = 0; n < SwtpmQuote.Length; n++)
        {
            Assert.False(TpmsAttest.TryParse(SwtpmQuote.AsSpan(0, n), out _, out string error));
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Fact]
    public void TryParse_TrailingByte_Refused()
    {
        Assert.False(TpmsAttest.TryParse([.. SwtpmQuote, 0], out _, out string error));
        Assert.Contains("trailing", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SafeNotYesNo_Refused()
    {
        byte[] bad = (byte[])SwtpmQuote.Clone();
        int safeOffset = 6 + 2 + 34 + 2 + 17 + 8 + 4 + 4;
        Assert.Equal(1, bad[safeOffset]);
        bad[safeOffset] = 2;
        Assert.False(TpmsAttest.TryParse(bad, out _, out string error));
        Assert.Contains("safe", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownBankInSelection_Refused()
    {
        byte[] bad = (byte[])SwtpmQuote.Clone();
        int hashOffset = 6 + 2 + 34 + 2 + 17 + 17 + 8 + 4;
        Assert.Equal(0x0b, bad[hashOffset + 1]);
        bad[hashOffset + 1] = 0x99;
        Assert.False(TpmsAttest.TryParse(bad, out _, out string error));
        Assert.Contains("unknown algorithm", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HasQuoteHeader_OtherType_False()
    {
        byte[] bad = (byte[])SwtpmQuote.Clone();
        bad[5] = 0x17;
        Assert.True(TpmsAttest.HasQuoteHeader(SwtpmQuote));
        Assert.False(TpmsAttest.HasQuoteHeader(bad));
    }
}

using Grey.Attestation.Pcr;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Pcr;

public sealed class Tpm2ToolsPcrFileTests
{
    [Fact]
    public void Parse_RealTpm2QuoteOutput_LayoutAsDocumented()
    {
        byte[] bytes = TestData.Bytes("swtpm-ecc/quote.pcrs");
        Assert.Equal(Tpm2ToolsPcrFile.SelectionSize + 4 + Tpm2ToolsPcrFile.DigestListSize, bytes.Length); // 132 + 4 + 532
        PcrValues v = Tpm2ToolsPcrFile.Parse(bytes);
        Assert.Equal("sha256:0,1,16", v.Selection.ToString());
        Assert.Equal(new byte[32], v[TpmAlgId.Sha256, 0]);
        Assert.Equal("90f4b39548df55ad6187a1d20d731ecee78c545b94afd16f42ef7592d99cd365", Convert.ToHexStringLower(v[TpmAlgId.Sha256, 16]));
        Assert.Equal(TpmsAttest.Parse(TestData.Bytes("swtpm-ecc/quote.msg")).PcrDigest, v.ComputeDigest(TpmAlgId.Sha256));
    }

    [Fact]
    public void Parse_NinePcrs_TwoDigestLists()
    {
        byte[] bytes = TestData.Bytes("swtpm-rsa/quote.pcrs");
        Assert.Equal(132 + 4 + (2 * 532), bytes.Length);
        PcrValues v = Tpm2ToolsPcrFile.Parse(bytes);
        Assert.Equal(9, v.Selection.Count);
        Assert.Equal(TpmsAttest.Parse(TestData.Bytes("swtpm-rsa/quote.msg")).PcrDigest, v.ComputeDigest(TpmAlgId.Sha256));
    }

    [Fact]
    public void Write_ParsedRealFiles_ByteForByte()
    {
        foreach (string f in new[] { "swtpm-ecc/quote.pcrs", "swtpm-rsa/quote.pcrs" })
        {
            byte[] bytes = TestData.Bytes(f);
            Assert.Equal(bytes, Tpm2ToolsPcrFile.Write(Tpm2ToolsPcrFile.Parse(bytes)));
        }
    }

    [Fact]
    public void TryParse_LengthNotMatchingListCount_Refused()
    {
        byte[] bytes = TestData.Bytes("swtpm-ecc/quote.pcrs");
        Assert.False(Tpm2ToolsPcrFile.TryParse(bytes[..^1], out _, out string error));
        Assert.Contains("digest lists", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_MoreDigestsThanSelected_Refused()
    {
        byte[] bytes = TestData.Bytes("swtpm-ecc/quote.pcrs");
        bytes[136] = 4; // list count 3 -> 4
        Assert.False(Tpm2ToolsPcrFile.TryParse(bytes, out _, out string error));
        Assert.Contains("4 digests for 3", error, StringComparison.Ordinal);
    }
}

using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Tpm;

public sealed class TpmtSignatureTests
{
    [Fact]
    public void Parse_SwtpmEcdsa_RAndSRoundTrip()
    {
        byte[] bytes = TestData.Bytes("swtpm-ecc/quote.sig");
        TpmtSignature s = TpmtSignature.Parse(bytes);
        Assert.Equal(TpmAlgId.Ecdsa, s.SigAlg);
        Assert.Equal(TpmAlgId.Sha256, s.Hash);
        Assert.Equal(32, s.R.Length);
        Assert.Equal(bytes, s.ToBytes());
    }

    [Fact]
    public void Parse_SwtpmRsaSsa_256ByteSignature()
    {
        TpmtSignature s = TpmtSignature.Parse(TestData.Bytes("swtpm-rsa/quote.sig"));
        Assert.Equal(TpmAlgId.RsaSsa, s.SigAlg);
        Assert.Equal(256, s.RsaSignature.Length);
    }

    [Fact]
    public void TryParse_RsaPssScheme_Refused()
    {
        byte[] bytes = TestData.Bytes("swtpm-rsa/quote.sig");
        bytes[1] = 0x16;
        Assert.False(TpmtSignature.TryParse(bytes, out _, out string error));
        Assert.Contains("not ECDSA or RSASSA", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SwtpmQuotes_SignaturesVerifyAndFlippedBitFails()
    {
        foreach (string dir in new[] { "swtpm-ecc", "swtpm-rsa" })
        {
            byte[] quote = TestData.Bytes($"{dir}/quote.msg");
            using TpmSignatureVerifier v = TpmPublic.Parse(TestData.Bytes($"{dir}/ak.pub")).CreateVerifier();
            TpmtSignature sig = TpmtSignature.Parse(TestData.Bytes($"{dir}/quote.sig"));
            Assert.True(v.Verify(quote, sig), dir);
            quote[^1] ^= 1;
            Assert.False(v.Verify(quote, sig), dir);
        }
    }
}

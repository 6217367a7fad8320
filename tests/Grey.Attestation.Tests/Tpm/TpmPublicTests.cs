using System.Security.Cryptography;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Tpm;

public sealed class TpmPublicTests
{
    [Fact]
    public void Parse_SwtpmEccAk_AttributesSchemeAndNameMatchTpm2Tools()
    {
        TpmPublic ak = TpmPublic.Parse(TestData.Bytes("swtpm-ecc/ak.pub"));
        Assert.Equal(TpmAlgId.Ecc, ak.Type);
        Assert.Equal(TpmEccCurve.NistP256, ak.Curve);
        Assert.Equal(0x00050072u, (uint)ak.Attributes);
        Assert.Equal(TpmAlgId.Ecdsa, ak.Scheme);
        Assert.Equal(TpmAlgId.Sha256, ak.SchemeHash);
        Assert.Equal(TestData.Bytes("swtpm-ecc/ak.name"), ak.Name);
        Assert.Equal(TestData.Bytes("swtpm-ecc/ak.pub"), ak.ToBytes());
    }

    [Fact]
    public void Parse_SwtpmRsaAk_RsaSsa2048()
    {
        TpmPublic ak = TpmPublic.Parse(TestData.Bytes("swtpm-rsa/ak.pub"));
        Assert.Equal(TpmAlgId.Rsa, ak.Type);
        Assert.Equal(2048, ak.RsaKeyBits);
        Assert.Equal(TpmAlgId.RsaSsa, ak.Scheme);
        Assert.True((ak.Attributes & TpmObjectAttributes.AttestationKeyRequired) == TpmObjectAttributes.AttestationKeyRequired);
    }

    [Fact]
    public void Parse_SwtpmEks_StorageKeysWithAes()
    {
        TpmPublic rsa = TpmPublic.Parse(TestData.Bytes("swtpm-ca/rsaek.pub"));
        Assert.Equal(TpmAlgId.Aes, rsa.SymmetricAlg);
        Assert.Equal(128, rsa.SymmetricKeyBits);
        Assert.Equal(32, rsa.AuthPolicy.Length);
        TpmPublic ecc = TpmPublic.Parse(TestData.Bytes("swtpm-ca/eccek.pub"));
        Assert.Equal(TpmEccCurve.NistP384, ecc.Curve);
        Assert.Equal(TpmAlgId.Sha384, ecc.NameAlg);
        Assert.Equal(256, ecc.SymmetricKeyBits);
        Assert.True(ecc.Attributes.HasFlag(TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt));
    }

    [Fact]
    public void TryParse_InnerSizeWrong_Refused()
    {
        byte[] bytes = TestData.Bytes("swtpm-ecc/ak.pub");
        bytes[1]--;
        Assert.False(TpmPublic.TryParse(bytes, out _, out _));
    }

    [Fact]
    public void TryParse_CoordinateOfWrongSize_Refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ECParameters p = ec.ExportParameters(false);
        byte[] area = TpmPublic.ForEcc(p, TpmObjectAttributes.AttestationKeyRequired, TpmAlgId.Ecdsa, TpmAlgId.Sha256).PublicArea;
        area[area.Length - 68 + 1] = 0x21; // x size low byte 0x20 -> 0x21 (shifts every later field)
        Assert.ThrowsAny<TpmFormatException>(() => TpmPublic.ParseArea(area));
    }

    [Fact]
    public void TryFromPem_SameKeyAsTpm2bPublic_VerifiesTheSameQuote()
    {
        TpmPublic ak = TpmPublic.Parse(TestData.Bytes("swtpm-ecc/ak.pub"));
        using var ec = ECDsa.Create(ak.ToEcParameters());
        string pem = ec.ExportSubjectPublicKeyInfoPem();
        Assert.True(TpmPublic.TryFromPem(pem, out TpmPublic? fromPem, out string error), error);
        Assert.False(fromPem!.HasTpmAttributes);
        using TpmSignatureVerifier verifier = fromPem.CreateVerifier();
        Assert.True(verifier.Verify(TestData.Bytes("swtpm-ecc/quote.msg"), TpmtSignature.Parse(TestData.Bytes("swtpm-ecc/quote.sig"))));
    }
}

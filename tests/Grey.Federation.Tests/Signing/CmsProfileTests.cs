using System.Formats.Asn1;
using Grey.Federation.Signing;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Signing;

public sealed class CmsProfileTests
{
    [Fact]
    public void TryParse_SignerOutput_AcceptedWithKeyId()
    {
        var signer = new MessageSigner(TestKeys.SiteA);
        byte[] sd = signer.SignDetached([1, 2, 3]);
        Assert.True(CmsProfile.TryParse(sd, out byte[] keyId, out _, out string error), error);
        Assert.Equal(signer.KeyId.ToArray(), keyId);
    }

    [Fact]
    public void TryParse_HighSTwinOfValidSignature_Refused()
    {
        var signer = new MessageSigner(TestKeys.SiteA);
        byte[] sd = signer.SignDetached([1, 2, 3]);
        Assert.True(CmsProfile.TryParse(sd, out byte[] keyId, out byte[] sig, out _));
        byte[] high = Mirror(sig);
        byte[] twin = CmsProfile.Encode(keyId, high);
        Assert.False(CmsProfile.TryParse(twin, out _, out _, out string error));
        Assert.Contains("low-S", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WithSignedAttributesOrCertificates_Refused()
    {
        // SignedCms output with its defaults (certificate included) is outside the profile.
        var cms = new System.Security.Cryptography.Pkcs.SignedCms(new System.Security.Cryptography.Pkcs.ContentInfo([1]), detached: true);
        cms.ComputeSignature(new System.Security.Cryptography.Pkcs.CmsSigner(TestKeys.SiteA));
        Assert.False(CmsProfile.TryParse(cms.Encode(), out _, out _, out _));
    }

    [Fact]
    public void TryParse_Garbage_RefusedNotThrown()
    {
        Assert.False(CmsProfile.TryParse([0x30, 0x80, 0x00, 0x00], out _, out _, out _));
        Assert.False(CmsProfile.TryParse([], out _, out _, out _));
        Assert.False(CmsProfile.TryParse(new byte[2000], out _, out _, out _));
    }

    private static byte[] Mirror(byte[] sig)
    {
        var n = System.Numerics.BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var r = new AsnReader(sig, AsnEncodingRules.DER).ReadSequence();
        var rr = r.ReadInteger();
        var s = r.ReadInteger();
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(rr);
            w.WriteInteger(n - s);
        }

        return w.Encode();
    }
}

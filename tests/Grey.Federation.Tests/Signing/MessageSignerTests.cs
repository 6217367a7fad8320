using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Signing;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Signing;

/// <summary>
/// The signer and verifier compute the profile's ECDSA signature directly instead of through SignedCms. Both ways must
/// stay interchangeable: what the signer produces verifies with SignedCms, and what SignedCms produces verifies with
/// the verifier; a changed byte of content fails both.
/// </summary>
public sealed class MessageSignerTests
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];

    [Fact]
    public void SignDetached_Direct_VerifiesWithSignedCms()
    {
        var signer = new MessageSigner(TestKeys.SiteA);
        byte[] signedData = signer.SignDetached(Content);
        var cms = new SignedCms(new ContentInfo(Content), detached: true);
        cms.Decode(signedData);
        cms.CheckSignature(new X509Certificate2Collection(TestKeys.PublicOnly(TestKeys.SiteA)), verifySignatureOnly: true);

        byte[] changed = [.. Content];
        changed[4321] ^= 1;
        var tampered = new SignedCms(new ContentInfo(changed), detached: true);
        tampered.Decode(signedData);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() =>
            tampered.CheckSignature(new X509Certificate2Collection(TestKeys.PublicOnly(TestKeys.SiteA)), verifySignatureOnly: true));
    }

    [Fact]
    public void Verify_SignedWithSignedCms_ValidAndTamperedInvalid()
    {
        var signer = new MessageSigner(TestKeys.SiteA);
        byte[] signedData = signer.SignDetachedWithSignedCms(Content);
        X509Certificate2 cert = TestKeys.PublicOnly(TestKeys.SiteA);
        Assert.Equal(SignatureStatus.Valid, SignatureVerifier.Verify(Content, signedData, _ => cert).Status);

        byte[] changed = [.. Content];
        changed[0] ^= 0x80;
        Assert.Equal(SignatureStatus.SignatureInvalid, SignatureVerifier.Verify(changed, signedData, _ => cert).Status);
    }
}

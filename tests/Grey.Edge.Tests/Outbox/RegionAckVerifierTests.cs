using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Outbox;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

public class RegionAckVerifierTests(ITestOutputHelper output)
{
    private static readonly byte[] Chain = SHA256.HashData("chain"u8);
    private static readonly RegionAck Ack = new("eu-1", "site-a", 7, 42, Chain);

    private static (X509Certificate2 Ca, X509Certificate2 Leaf) Pki() => TestRegion.CreateCa("region ca", "region eu-1");

    private static FakeTimeProvider At(int year) => new(new DateTimeOffset(year, 6, 1, 0, 0, 0, TimeSpan.Zero));

    private static X509Certificate2 PublicOnly(X509Certificate2 c) => X509CertificateLoader.LoadCertificate(c.RawData);

    [Fact]
    public void Verify_SignedByARegionCertificateOfThePinnedCa_Trusted()
    {
        var (ca, leaf) = Pki();
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(leaf)], At(2027));
        var result = verifier.Verify(new MessageSigner(leaf).SignEnvelope(Ack.Encode()));
        Assert.True(result.IsTrusted, result.Error);
        Assert.Equal(42UL, result.Ack!.MergedIndex);
        Assert.Equal(Chain, result.Ack.ChainHash.ToArray());
    }

    [Fact]
    public void Verify_RegionCertificateOfAnotherCa_Refused()
    {
        var (ca, _) = Pki();
        var (_, evil) = TestRegion.CreateCa("evil ca", "region eu-1");
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(evil)], At(2027));
        var result = verifier.Verify(new MessageSigner(evil).SignEnvelope(Ack.Encode()));
        output.WriteLine(result.Error);
        Assert.False(result.IsTrusted);
        Assert.Contains("signer certificate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignerNotARegionCertificate_Refused()
    {
        var (ca, leaf) = Pki();
        var stranger = TestRegion.SelfSigned("stranger");
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(leaf)], At(2027));
        var result = verifier.Verify(new MessageSigner(stranger).SignEnvelope(Ack.Encode()));
        Assert.False(result.IsTrusted);
        Assert.Contains("SignerUnknown", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RegionCertificateExpired_Refused()
    {
        var (ca, leaf) = Pki();
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(leaf)], At(2032));
        var result = verifier.Verify(new MessageSigner(leaf).SignEnvelope(Ack.Encode()));
        output.WriteLine(result.Error);
        Assert.False(result.IsTrusted);
    }

    [Fact]
    public void Verify_TamperedContent_Refused()
    {
        var (ca, leaf) = Pki();
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(leaf)], At(2027));
        var signer = new MessageSigner(leaf);
        var signature = signer.SignDetached(Ack.Encode());
        var lying = SignedEnvelope.Encode(new RegionAck("eu-1", "site-a", 7, 4200, Chain).Encode(), signature);
        var result = verifier.Verify(lying);
        Assert.False(result.IsTrusted);
        Assert.Contains("SignatureInvalid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RandomBytesAndMutations_NeverThrowNeverTrusted()
    {
        const int seed = 4242;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var (ca, leaf) = Pki();
        var verifier = new RegionAckVerifier(ca, () => [PublicOnly(leaf)], At(2027));
        var genuine = new MessageSigner(leaf).SignEnvelope(Ack.Encode());
        var trusted = 0;
        for (var i = 0; i < 500; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])genuine.Clone();
                input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
            }

            if (verifier.Verify(input).IsTrusted)
            {
                trusted++;
            }
        }

        Assert.Equal(0, trusted);
        Assert.False(verifier.Verify(new byte[RegionAckVerifier.MaxAckBytes + 1]).IsTrusted);
    }
}

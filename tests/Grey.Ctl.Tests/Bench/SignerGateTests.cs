using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Ctl.Bench;
using Grey.Edge.Outbox;
using Grey.Federation.Signing;

namespace Grey.Ctl.Tests.Bench;

public sealed class SignerGateTests
{
    [Fact]
    public void Current_ClosedGate_NoSignerOpenGate_TheInnerOne()
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=bench", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
        var inner = new FixedSigner(new MessageSigner(certificate));
        var gate = new BenchGate();
        var signer = new SignerGate(inner, gate);

        Assert.Same(inner.Current, signer.Current);
        gate.Close();
        Assert.Null(signer.Current);
        gate.Open();
        Assert.Same(inner.Current, signer.Current);
    }

    private sealed class FixedSigner(MessageSigner signer) : IDeltaSignerProvider
    {
        public MessageSigner? Current => signer;
    }
}

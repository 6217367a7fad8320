using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Grey.Federation.Encoding;
using Grey.Federation.Signing;

namespace Grey.Benchmarks.Federation;

/// <summary>
/// CMS SignedData signing and verification per delta of Batch puts (divide by Batch for the cost per
/// operation). Sign = encode the envelope around a fresh ECDSA P-256 signature of the delta bytes;
/// Verify = decode the envelope, check the profile, verify the signature.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class FederationSigningBenchmarks
{
    private MessageSigner _signer = null!;
    private X509Certificate2 _public = null!;
    private byte[] _content = [];
    private byte[] _wire = [];

    [Params(1, 16, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        X509Certificate2 cert = FederationBenchData.Certificate();
        _signer = new MessageSigner(cert);
        _public = X509CertificateLoader.LoadCertificate(cert.RawData);
        _content = FederationBenchData.Delta(Batch).Encode();
        _wire = _signer.SignEnvelope(_content);
    }

    [Benchmark]
    public int Sign() => _signer.SignEnvelope(_content).Length;

    [Benchmark]
    public bool Verify()
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(_wire);
        return env.IsSuccess && env.Value.Verify(_ => _public).IsValid;
    }
}

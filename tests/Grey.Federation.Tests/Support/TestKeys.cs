using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Merge;
using Grey.Federation.Signing;

namespace Grey.Federation.Tests.Support;

/// <summary>Signing keys for tests: the committed test key (testdata/signer-*.pem) and fresh ones.</summary>
internal static class TestKeys
{
    private static readonly Lazy<X509Certificate2> Committed = new(() =>
        X509Certificate2.CreateFromPem(File.ReadAllText(TestData.Path("signer-cert.pem")), File.ReadAllText(TestData.Path("signer-key.pem"))));

    private static readonly Lazy<X509Certificate2> Other = new(() => CreateCertificate("node-9.site-b"));

    /// <summary>The committed test signer (node-1 of site-a); the protocol vectors are signed with it.</summary>
    public static X509Certificate2 SiteA => Committed.Value;

    /// <summary>A second signer, made fresh for this test run.</summary>
    public static X509Certificate2 SiteB => Other.Value;

    public static X509Certificate2 PublicOnly(X509Certificate2 cert) => X509CertificateLoader.LoadCertificate(cert.RawData);

    public static X509Certificate2 CreateCertificate(string name, ECCurve? curve = null)
    {
        using var key = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    public static Func<ReadOnlyMemory<byte>, X509Certificate2?> Lookup(params X509Certificate2[] certs) => ski =>
        certs.FirstOrDefault(c => c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.Span.SequenceEqual(ski.Span));

    public static ISignerDirectory Directory(params (string Site, X509Certificate2 Cert)[] signers) => new Dir(signers);

    public static MessageSigner Signer(X509Certificate2 cert) => new(cert);

    private sealed class Dir((string Site, X509Certificate2 Cert)[] signers) : ISignerDirectory
    {
        public KnownSigner? Find(ReadOnlySpan<byte> keyId)
        {
            foreach (var (site, cert) in signers)
            {
                if (cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes.Span.SequenceEqual(keyId))
                {
                    return new KnownSigner(site, PublicOnly(cert));
                }
            }

            return null;
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Grey.Edge.Outbox;
using Grey.Federation.Signing;
using Grey.Region;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Region.Storage;
using Microsoft.Extensions.Time.Testing;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Edge.Tests.Outbox.Support;

/// <summary>
/// A real cloud region for outbox tests: a region CA and a region signing certificate issued by it, the real
/// <see cref="RegionCore"/> (verify, merge, durable store on a temp directory, signed acks), a node registry
/// fed by real attestation (software TPMs enrolled through credential activation, delta-signing keys bound in
/// PCR 16, signed attestation results), and a revocation notice issuer. Thread-safe: the uplinks of several
/// nodes deliver to it at once, so every call into the core is serialised.
/// </summary>
internal sealed class TestRegion : IAsyncDisposable
{
    public const string RegionId = "eu-1";
    private static readonly byte[] EdgeBinary = "grey-edge binary, version 1"u8.ToArray();
    private static readonly PcrSelection Selection = new([new PcrBankSelection(TpmAlgId.Sha256, [0, 10, 16])]);
    private readonly Lock gate = new();
    private readonly List<SoftwareTpm> tpms = [];
    private readonly ECDsa resultKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa revocationKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly SoftwareManufacturer manufacturer;
    private readonly Registrar registrar;
    private readonly AttestationVerifier verifier;
    private readonly string directory;
    private readonly X509Certificate2 regionCertificate;
    private RegionCore core;

    public TestRegion(int seed = 1)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        manufacturer = SoftwareManufacturer.Create(Time);
        registrar = new Registrar(new RegistrarOptions([manufacturer.Root]), Time, new SeededRandomSource(seed));
        Revocations = new RevocationNoticeIssuer("registrar-1", revocationKey, Time);
        var policy = new AttestationPolicy
        {
            RequiredSelection = Selection,
            RequireEventLog = true,
            KeyBindingPcr = 16,
            AllowedBinaryHashes = [Convert.ToHexStringLower(SHA256.HashData(EdgeBinary))],
        };
        verifier = new AttestationVerifier(registrar, policy, Time, new SeededRandomSource(seed + 1), signer: new AttestationResultSigner("verifier-1", resultKey, Time));
        (Ca, regionCertificate) = CreateCa("grey region ca", "region eu-1");
        Registry = new NodeRegistry(PublicOnly(resultKey), Time, new RevocationNoticeValidator("registrar-1", PublicOnly(revocationKey), Time));
        directory = Path.Combine(Path.GetTempPath(), "grey-outbox-region-" + Guid.NewGuid().ToString("N"));
        core = RegionCore.Open(RegionId, regionCertificate, Registry, new PhysicalRegionFileSystem(directory), Time);
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The region CA the edge pins.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The region's signing certificate without its private key (what the edge learns at enrollment).</summary>
    public X509Certificate2 PublicRegionCertificate => X509CertificateLoader.LoadCertificate(regionCertificate.RawData);

    public NodeRegistry Registry { get; }

    public RevocationNoticeIssuer Revocations { get; }

    public RegionCore Core => core;

    /// <summary>A verifier of acks as the edge builds it: pinned CA, the region's certificate, the real clock of the test.</summary>
    public RegionAckVerifier AckVerifier() => new(Ca, () => [PublicRegionCertificate], Time);

    /// <summary>A revocation verifier as the edge would hold it (the registrar's public key pinned at enrollment).</summary>
    public IRevocationVerifier RevocationVerifier() => new NoticeVerifier(new RevocationNoticeValidator("registrar-1", PublicOnly(revocationKey), Time));

    /// <summary>Enrols and attests node <paramref name="nodeName"/> of <paramref name="site"/> (real software TPM) and returns its delta signer.</summary>
    public async Task<MessageSigner> AdmitAsync(string nodeName, string site)
    {
        var tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), manufacturer, Time);
        tpms.Add(tpm);
        var started = registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest(nodeName));
        Assert.True(started.Accepted, started.Detail);
        var done = registrar.CompleteEnrollment(nodeName, await tpm.ActivateCredentialAsync(started.Challenge!));
        Assert.True(done.Accepted, done.Detail);
        var cert = SelfSigned($"{nodeName}.{site}");
        await tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", EdgeBinary);
        await tpm.BindDeltaSigningKeyAsync(cert);
        var nonce = verifier.IssueNonce(nodeName);
        var evidence = (await tpm.QuoteAsync(nonce, Selection)) with { DeltaSigningCertificate = cert.RawData };
        var outcome = verifier.Verify(nodeName, evidence);
        Assert.True(outcome.Accepted, outcome.ToString());
        lock (gate)
        {
            Assert.Null(Registry.Enroll(nodeName, site, X509CertificateLoader.LoadCertificate(cert.RawData)));
            Assert.Equal(ResultCheck.Accepted, Registry.ApplyAttestationResult(nodeName, outcome.SignedResult!));
        }

        return new MessageSigner(cert);
    }

    /// <summary>Issues a revocation notice for <paramref name="nodeName"/>, applies it at the region, and returns its wire bytes.</summary>
    public byte[] Revoke(string nodeName)
    {
        AttestationEnvelope notice = Revocations.Issue(nodeName, NodeState.Revoked);
        lock (gate)
        {
            Registry.ApplyRevocationNotice(notice);
        }

        return notice.ToBytes();
    }

    /// <summary>Ingests one delivered delta and flushes (group commit of one); returns the ingest result and the acks owed.</summary>
    public (IngestResult Result, IReadOnlyList<SignedAck> Acks) Deliver(ReadOnlyMemory<byte> wire, string subjectSite)
    {
        lock (gate)
        {
            var result = core.IngestDelta(wire, subjectSite);
            var acks = core.Flush();
            return (result, acks);
        }
    }

    public T Read<T>(Func<RegionCore, T> read)
    {
        lock (gate)
        {
            return read(core);
        }
    }

    /// <summary>Closes and reopens the core from its store (a region restart).</summary>
    public void Restart()
    {
        lock (gate)
        {
            core.Dispose();
            core = RegionCore.Open(RegionId, regionCertificate, Registry, new PhysicalRegionFileSystem(directory), Time);
        }
    }

    /// <summary>Signs <paramref name="ack"/> with the region's real key (to build acks that verify but lie).</summary>
    public byte[] SignWithRegionKey(Grey.Federation.Messages.RegionAck ack) => new MessageSigner(regionCertificate).SignEnvelope(ack.Encode());

    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    /// <summary>A CA (self-signed, basic constraints CA) and a leaf signing certificate it issued (with its private key and a subject key identifier).</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Leaf) CreateCa(string caName, string leafName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=" + caName, caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var ca = caReq.CreateSelfSigned(notBefore, notAfter);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=" + leafName, leafKey, HashAlgorithmName.SHA256);
        leafReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafReq.PublicKey, false));
        using var issued = leafReq.Create(ca, notBefore.AddDays(1), notAfter.AddDays(-1), [1, 2, 3, 4, 5, 6, 7, 8]);
        var leaf = issued.CopyWithPrivateKey(leafKey);
        return (X509CertificateLoader.LoadCertificate(ca.RawData), leaf);
    }

    public async ValueTask DisposeAsync()
    {
        core.Dispose();
        foreach (var t in tpms)
        {
            await t.DisposeAsync();
        }

        manufacturer.Dispose();
        resultKey.Dispose();
        revocationKey.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static ECDsa PublicOnly(ECDsa key)
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return pub;
    }

    private sealed class NoticeVerifier(RevocationNoticeValidator validator) : IRevocationVerifier
    {
        public RevocationCheck Verify(ReadOnlyMemory<byte> notice)
        {
            if (!AttestationEnvelope.TryParse(notice.Span, out var envelope, out var error))
            {
                return new RevocationCheck(null, error);
            }

            var check = validator.Accept(envelope!, out var parsed);
            return check == NoticeCheck.Accepted ? new RevocationCheck(parsed!.NodeId, null) : new RevocationCheck(null, check.ToString());
        }
    }
}

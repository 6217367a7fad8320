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
using Grey.Region.Registry;
using Microsoft.Extensions.Time.Testing;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Region.Tests.Support;

/// <summary>
/// Real attestation for region tests: a registrar, a verifier signing results, software TPM nodes enrolled
/// through credential activation, each with a delta-signing certificate bound in PCR 16 and a signed
/// attestation result; a revocation notice issuer; and region signing certificates.
/// </summary>
internal sealed class RegionFleet : IAsyncDisposable
{
    public static readonly byte[] EdgeBinary = "grey-edge binary, version 1"u8.ToArray();
    public static readonly PcrSelection Selection = new([new PcrBankSelection(TpmAlgId.Sha256, [0, 10, 16])]);
    private readonly List<SoftwareTpm> _tpms = [];

    public RegionFleet(int seed = 1)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        Manufacturer = SoftwareManufacturer.Create(Time);
        Registrar = new Registrar(new RegistrarOptions([Manufacturer.Root]), Time, new SeededRandomSource(seed));
        ResultKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RevocationKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Revocations = new RevocationNoticeIssuer("registrar-1", RevocationKey, Time);
        var policy = new AttestationPolicy
        {
            RequiredSelection = Selection,
            RequireEventLog = true,
            KeyBindingPcr = 16,
            AllowedBinaryHashes = [Convert.ToHexStringLower(SHA256.HashData(EdgeBinary))],
        };
        Verifier = new AttestationVerifier(Registrar, policy, Time, new SeededRandomSource(seed + 1),
            signer: new AttestationResultSigner("verifier-1", ResultKey, Time));
    }

    public FakeTimeProvider Time { get; }

    public SoftwareManufacturer Manufacturer { get; }

    public Registrar Registrar { get; }

    public ECDsa ResultKey { get; }

    public ECDsa RevocationKey { get; }

    public RevocationNoticeIssuer Revocations { get; }

    public AttestationVerifier Verifier { get; }

    /// <summary>A registry trusting this fleet's verifier and revocation issuer.</summary>
    public NodeRegistry NewRegistry() =>
        new(PublicOnly(ResultKey), Time, new RevocationNoticeValidator("registrar-1", PublicOnly(RevocationKey), Time));

    /// <summary>Starts a software TPM, enrols it with the registrar, measures its start and binds a fresh delta-signing key.</summary>
    public async Task<EdgeNode> EnrollAsync(string nodeId, string site)
    {
        SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256]), Manufacturer, Time);
        _tpms.Add(tpm);
        RegistrationResult started = Registrar.StartEnrollment((await tpm.GetIdentityAsync()).ToEnrollmentRequest(nodeId));
        Assert.True(started.Accepted, started.Detail);
        RegistrationResult done = Registrar.CompleteEnrollment(nodeId, await tpm.ActivateCredentialAsync(started.Challenge!));
        Assert.True(done.Accepted, done.Detail);
        X509Certificate2 cert = CreateCertificate($"{nodeId}.{site}");
        await tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", EdgeBinary);
        await tpm.BindDeltaSigningKeyAsync(cert);
        return new EdgeNode(nodeId, site, tpm, cert);
    }

    /// <summary>A fresh quote of the node, verified; returns the signed attestation result.</summary>
    public async Task<AttestationEnvelope> AttestAsync(EdgeNode node)
    {
        byte[] nonce = Verifier.IssueNonce(node.Id);
        QuoteEvidence evidence = (await node.Tpm.QuoteAsync(nonce, Selection)) with { DeltaSigningCertificate = node.Certificate.RawData };
        VerificationOutcome outcome = Verifier.Verify(node.Id, evidence);
        Assert.True(outcome.Accepted, outcome.ToString());
        return outcome.SignedResult!;
    }

    /// <summary>Enrols the node in <paramref name="registry"/> and applies a fresh passing attestation result.</summary>
    public async Task AdmitAsync(NodeRegistry registry, EdgeNode node)
    {
        Assert.Null(registry.Enroll(node.Id, node.Site, X509CertificateLoader.LoadCertificate(node.Certificate.RawData)));
        Assert.Equal(ResultCheck.Accepted, registry.ApplyAttestationResult(node.Id, await AttestAsync(node)));
    }

    public static X509Certificate2 CreateCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    public static ECDsa PublicOnly(ECDsa key)
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return pub;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SoftwareTpm t in _tpms)
        {
            await t.DisposeAsync();
        }

        Manufacturer.Dispose();
        ResultKey.Dispose();
        RevocationKey.Dispose();
    }
}

internal sealed record EdgeNode(string Id, string Site, SoftwareTpm Tpm, X509Certificate2 Certificate);

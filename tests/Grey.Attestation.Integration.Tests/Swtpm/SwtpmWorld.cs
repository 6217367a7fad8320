using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Integration.Tests.Swtpm;

/// <summary>
/// A fresh registrar (pinned to the swtpm local CA root) and verifier per test, with the swtpm freshly
/// booted and its two AKs enrolled through real TPM2_ActivateCredential. Node "ecc-node" (ECC AK) measures
/// its start through tpm2_pcrextend; "rsa-node" (RSA AK) shares the TPM and is measured only on request.
/// </summary>
internal sealed class SwtpmWorld : IDisposable
{
    public static readonly byte[] EdgeBinary = "grey-edge binary, version 1"u8.ToArray();
    public static readonly byte[] EdgeConfig = "raft.election=150ms"u8.ToArray();
    public static readonly PcrSelection Selection = new([
        new PcrBankSelection(TpmAlgId.Sha256, [0, 10, 16]),
        new PcrBankSelection(TpmAlgId.Sha384, [10, 16]),
    ]);

    private SwtpmWorld(SwtpmFixture tpm, AttestationPolicy policy)
    {
        Tpm = tpm;
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        Registrar = new Registrar(new RegistrarOptions([tpm.Root], KnownIntermediates: [tpm.Issuer]), Time, CryptoRandomSource.Instance);
        ResultKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Verifier = new AttestationVerifier(Registrar, policy, Time, CryptoRandomSource.Instance, signer: new AttestationResultSigner("verifier-1", ResultKey, Time));
        EccCert = CreateDeltaCertificate("ecc-node");
        RsaCert = CreateDeltaCertificate("rsa-node");
    }

    public static AttestationPolicy DefaultPolicy { get; } = new()
    {
        RequiredSelection = Selection,
        RequireEventLog = true,
        KeyBindingPcr = 16,
        AllowedBinaryHashes = [Convert.ToHexStringLower(SHA256.HashData(EdgeBinary))],
        EventRules = [new EventRule(EventTypes.GreyConfig, "edge.conf", [SHA256.HashData(EdgeConfig)])],
    };

    public SwtpmFixture Tpm { get; }

    public FakeTimeProvider Time { get; }

    public Registrar Registrar { get; }

    public AttestationVerifier Verifier { get; }

    public ECDsa ResultKey { get; }

    public X509Certificate2 EccCert { get; }

    public X509Certificate2 RsaCert { get; }

    public static async Task<SwtpmWorld> CreateAsync(SwtpmFixture tpm, AttestationPolicy? policy = null)
    {
        var world = new SwtpmWorld(tpm, policy ?? DefaultPolicy);
        await world.BootAsync(orderly: true);
        await world.EnrollAsync("ecc-node", tpm.EccAk);
        await world.EnrollAsync("rsa-node", tpm.RsaAk);
        return world;
    }

    /// <summary>Power-cycles the TPM and measures the ECC node's start again (binary, config, key binding).</summary>
    public async Task BootAsync(bool orderly)
    {
        await Tpm.PowerCycleAsync(orderly);
        Tpm.EccAk.ClearEventLog();
        Tpm.RsaAk.ClearEventLog();
        await MeasureStartAsync(Tpm.EccAk, EccCert);
    }

    public static async Task MeasureStartAsync(IAttester attester, X509Certificate2 cert)
    {
        await attester.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", EdgeBinary);
        await attester.MeasureFileAsync(10, EventTypes.GreyConfig, "edge.conf", EdgeConfig);
        await attester.BindDeltaSigningKeyAsync(cert);
    }

    public async Task EnrollAsync(string nodeId, IAttester attester)
    {
        RegistrationResult started = Registrar.StartEnrollment((await attester.GetIdentityAsync()).ToEnrollmentRequest(nodeId));
        Assert.True(started.Accepted, started.Detail);
        byte[] secret = await attester.ActivateCredentialAsync(started.Challenge!);
        RegistrationResult done = Registrar.CompleteEnrollment(nodeId, secret);
        Assert.True(done.Accepted, done.Detail);
    }

    public async Task<QuoteEvidence> QuoteAsync(string nodeId = "ecc-node", PcrSelection? selection = null)
    {
        byte[] nonce = Verifier.IssueNonce(nodeId);
        return await QuoteWithNonceAsync(nonce, nodeId, selection);
    }

    public async Task<QuoteEvidence> QuoteWithNonceAsync(byte[] nonce, string nodeId = "ecc-node", PcrSelection? selection = null)
    {
        Tpm2ToolsAttester attester = nodeId == "rsa-node" ? Tpm.RsaAk : Tpm.EccAk;
        X509Certificate2 cert = nodeId == "rsa-node" ? RsaCert : EccCert;
        QuoteEvidence evidence = await attester.QuoteAsync(nonce, selection ?? Selection);
        return evidence with { DeltaSigningCertificate = cert.RawData };
    }

    public ReasonCode Verify(QuoteEvidence evidence, string nodeId = "ecc-node") => Verifier.Verify(nodeId, evidence).Code;

    public static X509Certificate2 CreateDeltaCertificate(string id)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={id} delta signing", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    public void Dispose() => ResultKey.Dispose();
}

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

namespace Grey.Attestation.Tests.TestSupport;

/// <summary>A registrar, a verifier and software TPM nodes enrolled through real credential activation.</summary>
internal sealed class SoftwareFleet : IAsyncDisposable
{
    public static readonly byte[] EdgeBinary = "grey-edge binary, version 1"u8.ToArray();
    public static readonly byte[] EdgeConfig = "raft.election=150ms"u8.ToArray();
    public static readonly PcrSelection Selection = new([
        new PcrBankSelection(TpmAlgId.Sha256, [0, 10, 16]),
        new PcrBankSelection(TpmAlgId.Sha384, [10, 16]),
    ]);

    private readonly List<Node> _nodes = [];

    public SoftwareFleet(AttestationPolicy? policy = null, int seed = 1)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        Random = new SeededRandomSource(seed);
        Manufacturer = SoftwareManufacturer.Create(Time);
        Registrar = new Registrar(new RegistrarOptions([Manufacturer.Root]), Time, Random);
        ResultKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Policy = policy ?? DefaultPolicy;
        Verifier = new AttestationVerifier(Registrar, Policy, Time, Random, signer: new AttestationResultSigner("verifier-1", ResultKey, Time));
    }

    public static AttestationPolicy DefaultPolicy { get; } = new()
    {
        RequiredSelection = Selection,
        RequireEventLog = true,
        KeyBindingPcr = 16,
        AllowedBinaryHashes = [Convert.ToHexStringLower(SHA256.HashData(EdgeBinary))],
        EventRules = [new EventRule(EventTypes.GreyConfig, "edge.conf", [SHA256.HashData(EdgeConfig)])],
    };

    public FakeTimeProvider Time { get; }

    public IRandomSource Random { get; }

    public SoftwareManufacturer Manufacturer { get; }

    public Registrar Registrar { get; }

    public ECDsa ResultKey { get; }

    public AttestationPolicy Policy { get; }

    public AttestationVerifier Verifier { get; }

    /// <summary>Starts a software TPM, measures the node's start, and enrols it (asserting each step).</summary>
    public async Task<Node> EnrollAsync(string id, SoftwareTpmOptions? options = null)
    {
        Node node = await StartAsync(id, options);
        RegistrationResult started = Registrar.StartEnrollment((await node.Tpm.GetIdentityAsync()).ToEnrollmentRequest(id));
        Assert.True(started.Accepted, started.Detail);
        byte[] secret = await node.Tpm.ActivateCredentialAsync(started.Challenge!);
        RegistrationResult done = Registrar.CompleteEnrollment(id, secret);
        Assert.True(done.Accepted, done.Detail);
        return node;
    }

    /// <summary>Starts and measures a node without enrolling it.</summary>
    public async Task<Node> StartAsync(string id, SoftwareTpmOptions? options = null)
    {
        // ECC keys by default: RSA key generation costs up to a second each on a busy machine.
        SoftwareTpm tpm = SoftwareTpm.Start(options ?? new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), Manufacturer, Time);
        var node = new Node(id, tpm, CreateDeltaCertificate(id));
        await MeasureStartAsync(node);
        _nodes.Add(node);
        return node;
    }

    public static async Task MeasureStartAsync(Node node)
    {
        await node.Tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", EdgeBinary);
        await node.Tpm.MeasureFileAsync(10, EventTypes.GreyConfig, "edge.conf", EdgeConfig);
        await node.Tpm.BindDeltaSigningKeyAsync(node.DeltaCertificate);
    }

    /// <summary>A fresh nonce from the verifier, and the node's quote over it, with its delta certificate.</summary>
    public async Task<QuoteEvidence> QuoteAsync(Node node, PcrSelection? selection = null)
    {
        byte[] nonce = Verifier.IssueNonce(node.Id);
        return await QuoteWithNonceAsync(node, nonce, selection);
    }

    public static async Task<QuoteEvidence> QuoteWithNonceAsync(Node node, byte[] nonce, PcrSelection? selection = null)
    {
        QuoteEvidence evidence = await node.Tpm.QuoteAsync(nonce, selection ?? Selection);
        return evidence with { DeltaSigningCertificate = node.DeltaCertificate.RawData };
    }

    public static X509Certificate2 CreateDeltaCertificate(string id)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={id} delta signing", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        DateTimeOffset start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return req.CreateSelfSigned(start, start.AddYears(5));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Node n in _nodes)
        {
            await n.Tpm.DisposeAsync();
        }

        Manufacturer.Dispose();
        ResultKey.Dispose();
    }

    internal sealed record Node(string Id, SoftwareTpm Tpm, X509Certificate2 DeltaCertificate);
}

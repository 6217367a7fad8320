using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// Options of the region's <see cref="EnrollmentService"/>, immutable, with documented defaults;
/// <see cref="Validate"/> reports every problem at once.
/// </summary>
/// <param name="Region">The region id (issuer of attestation results and revocation notices).</param>
/// <param name="StateDirectory">Where enrolled identities, the region signing key and the revocation sequence persist.</param>
public sealed record EnrollmentServiceOptions(string Region, string StateDirectory)
{
    /// <summary>The PCR selection of <see cref="DefaultPolicy"/>: SHA-256 PCR 16, which binds the delta-signing key.</summary>
    public static readonly PcrSelection DefaultSelection = PcrSelection.Of(TpmAlgId.Sha256, KeyBinding.DefaultPcr);

    /// <summary>
    /// The policy used when none is given: the quote covers SHA-256 PCR 16, an event log is required, and PCR 16
    /// binds the delta-signing key. Reference values for binaries and configuration come from a policy file.
    /// </summary>
    public static readonly AttestationPolicy DefaultPolicy = new()
    {
        RequiredSelection = DefaultSelection, RequireEventLog = true, KeyBindingPcr = KeyBinding.DefaultPcr,
    };

    /// <summary>
    /// Development mode (<c>--dev</c>, INSECURE): the built-in development region CA is the enrollment CA
    /// unless <see cref="Authority"/> is given, the development manufacturer root is pinned for EK certificates,
    /// and nodes whose EK chains to it enroll without a token.
    /// </summary>
    public bool Development { get; init; }

    /// <summary>The enrollment CA. Required unless <see cref="Development"/>. The service does not dispose it.</summary>
    public RegionCertificateAuthority? Authority { get; init; }

    /// <summary>Pinned EK manufacturer roots (for example swtpm's local CA, or a TPM vendor's root).</summary>
    public IReadOnlyList<X509Certificate2> ManufacturerRoots { get; init; } = [];

    /// <summary>Manufacturer intermediates the region holds itself (never trusted as roots).</summary>
    public IReadOnlyList<X509Certificate2> KnownIntermediates { get; init; } = [];

    /// <summary>Enrollment tokens accepted for a first enrollment (compared in constant time, never logged).</summary>
    public IReadOnlySet<string> EnrollmentTokens { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// EKs allowed to enroll without a token: lower-case hex SHA-256 of the EK certificate DER
    /// (<c>openssl x509 -in ek.pem -outform der | sha256sum</c>), see <see cref="EnrollmentService.EkFingerprint"/>.
    /// </summary>
    public IReadOnlySet<string> AllowedEkFingerprints { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The attestation policy. Default <see cref="DefaultPolicy"/>; it must bind the key (<c>KeyBindingPcr</c>).</summary>
    public AttestationPolicy Policy { get; init; } = DefaultPolicy;

    /// <summary>Lifetime of a delta-signing certificate. Default 24 hours: a node renews it by enrolling again.</summary>
    public TimeSpan DeltaCertificateLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Lifetime of a signed attestation result. Default 5 minutes: nodes re-attest at half of it.</summary>
    public TimeSpan ResultLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a credential-activation session may be answered. Default 2 minutes (the registrar's challenge lifetime).</summary>
    public TimeSpan SessionTimeToLive { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Most enrollment sessions pending at once; more are refused as busy. Default 1024.</summary>
    public int MaxPendingSessions { get; init; } = 1024;

    /// <summary>Most enrolled nodes. Default 100,000 (the registrar's and the node registry's bound).</summary>
    public int MaxNodes { get; init; } = 100_000;

    /// <summary>Lifetime of the region signing certificate the service issues itself. Default 365 days.</summary>
    public TimeSpan RegionSigningCertificateLifetime { get; init; } = TimeSpan.FromDays(365);

    /// <summary>The service issues a new region signing certificate at start when the current one ends within this. Default 30 days.</summary>
    public TimeSpan RegionSigningRenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Nonce options of the verifier (size 32 bytes, 60 s time to live, 100,000 tracked by default).</summary>
    public NonceOptions Nonces { get; init; } = new();

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!FederationId.IsValid(Region))
        {
            errors.Add($"Region '{Region}' is not a region id");
        }

        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            errors.Add("StateDirectory is required");
        }

        if (!Development && Authority is null)
        {
            errors.Add("an enrollment CA (Authority) is required outside development mode");
        }

        if (!Development && ManufacturerRoots.Count == 0)
        {
            errors.Add("at least one EK manufacturer root is required outside development mode");
        }

        if (Policy.KeyBindingPcr is null || Policy.RequiredSelection is null)
        {
            errors.Add("the policy must name a PCR selection and a key-binding PCR: the attestation result binds the delta-signing key");
        }

        if (DeltaCertificateLifetime < TimeSpan.FromMinutes(5) || ResultLifetime < TimeSpan.FromSeconds(10))
        {
            errors.Add("DeltaCertificateLifetime must be at least 5 minutes and ResultLifetime at least 10 seconds");
        }

        if (SessionTimeToLive <= TimeSpan.Zero || MaxPendingSessions < 1 || MaxNodes < 1)
        {
            errors.Add("SessionTimeToLive, MaxPendingSessions and MaxNodes must be positive");
        }

        if (RegionSigningCertificateLifetime <= RegionSigningRenewBefore || RegionSigningRenewBefore < TimeSpan.Zero)
        {
            errors.Add("RegionSigningCertificateLifetime must exceed RegionSigningRenewBefore (which must not be negative)");
        }

        if (EnrollmentTokens.Any(t => string.IsNullOrEmpty(t) || System.Text.Encoding.UTF8.GetByteCount(t) > EnrollmentLimits.MaxTokenBytes))
        {
            errors.Add($"enrollment tokens must be 1..{EnrollmentLimits.MaxTokenBytes} UTF-8 bytes");
        }

        if (AllowedEkFingerprints.Any(f => f.Length != 64 || !f.All(Uri.IsHexDigit)))
        {
            errors.Add("EK fingerprints must be 64 hex digits (SHA-256 of the EK certificate DER)");
        }

        try
        {
            Nonces.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add("Nonces: " + e.Message);
        }

        return errors;
    }
}

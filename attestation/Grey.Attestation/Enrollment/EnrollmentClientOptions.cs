using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// Options of the edge's <see cref="EnrollmentClient"/>, immutable, with documented defaults;
/// <see cref="Validate"/> reports every problem at once.
/// </summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="Site">This node's site.</param>
/// <param name="DataDirectory">The node's <c>--data</c>; the client keeps its files under <c>enrollment/</c> there.</param>
public sealed record EnrollmentClientOptions(string NodeId, string Site, string DataDirectory)
{
    /// <summary>The token for a first enrollment (<c>--enroll-token</c>); never logged. Null: rely on the EK allow-list or development mode.</summary>
    public string? EnrollmentToken { get; init; }

    /// <summary>
    /// A region CA certificate file (PEM or DER) to pin instead of trusting the first CA the region presents.
    /// When set, a region presenting another CA is refused, also on the first enrollment.
    /// </summary>
    public string? RegionCaFile { get; init; }

    /// <summary>The site epoch, reported at enrollment when known.</summary>
    public ulong? SiteEpoch { get; init; }

    /// <summary>How long one request may wait for the region's reply. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Enroll again (renew the delta-signing certificate) once it has less than this left. Default 6 hours.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The PCR the delta-signing key is bound in when the region's nonce does not name one. Default 16.</summary>
    public int KeyBindingPcr { get; init; } = Verification.KeyBinding.DefaultPcr;

    /// <summary>Returns every problem at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Registration.NodeIds.IsValid(NodeId))
        {
            errors.Add($"NodeId '{NodeId}' is not a node id");
        }

        if (!FederationId.IsValid(Site))
        {
            errors.Add($"Site '{Site}' is not a site id");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("DataDirectory is required");
        }

        if (EnrollmentToken is not null && (EnrollmentToken.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(EnrollmentToken) > EnrollmentLimits.MaxTokenBytes))
        {
            errors.Add($"EnrollmentToken must be 1..{EnrollmentLimits.MaxTokenBytes} UTF-8 bytes");
        }

        if (RegionCaFile is not null && !File.Exists(RegionCaFile))
        {
            errors.Add($"RegionCaFile '{RegionCaFile}' does not exist");
        }

        if (RequestTimeout <= TimeSpan.Zero || RenewBefore < TimeSpan.Zero)
        {
            errors.Add("RequestTimeout must be positive and RenewBefore not negative");
        }

        if (KeyBindingPcr is < 0 or > 23)
        {
            errors.Add("KeyBindingPcr must be 0..23");
        }

        return errors;
    }
}

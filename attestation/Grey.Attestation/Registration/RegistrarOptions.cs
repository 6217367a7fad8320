using System.Security.Cryptography.X509Certificates;

namespace Grey.Attestation.Registration;

/// <summary>Options of the <see cref="Registrar"/>, validated at construction (all errors at once).</summary>
/// <param name="ManufacturerRoots">The pinned EK manufacturer roots; at least one.</param>
/// <param name="ChallengeTimeToLive">How long a credential challenge may be answered. Default 2 minutes.</param>
/// <param name="MaxNodes">The most nodes enrolled. Default 100,000.</param>
/// <param name="MaxPendingChallenges">The most outstanding challenges. Default 10,000.</param>
/// <param name="KnownIntermediates">Manufacturer intermediate CAs the registrar holds itself (a TPM stores only
/// its EK certificate; firmware rarely ships the issuer). They help build chains; they are never trusted as roots.</param>
public sealed record RegistrarOptions(
    IReadOnlyList<X509Certificate2> ManufacturerRoots,
    TimeSpan? ChallengeTimeToLive = null,
    int MaxNodes = 100_000,
    int MaxPendingChallenges = 10_000,
    IReadOnlyList<X509Certificate2>? KnownIntermediates = null)
{
    public TimeSpan ChallengeTtl => ChallengeTimeToLive ?? TimeSpan.FromMinutes(2);

    public void Validate()
    {
        var errors = new List<string>();
        if (ManufacturerRoots.Count == 0)
        {
            errors.Add("ManufacturerRoots must hold at least one pinned root");
        }

        if (ChallengeTtl <= TimeSpan.Zero)
        {
            errors.Add("ChallengeTimeToLive must be positive");
        }

        if (MaxNodes < 1 || MaxPendingChallenges < 1)
        {
            errors.Add("MaxNodes and MaxPendingChallenges must be positive");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
    }
}

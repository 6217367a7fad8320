using System.Collections.Immutable;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>A rule on one named event: events of <see cref="EventType"/> whose data is <see cref="Name"/> must have one of the digests.</summary>
public sealed record EventRule(uint EventType, string Name, ImmutableArray<byte[]> AllowedSha256);

/// <summary>
/// The reference values a quote is judged against (see docs/ATTESTATION.md for the file format).
/// Immutable; <see cref="Default"/> checks only structure, signature, nonce and PCR digest, with SHA-256 as
/// the weakest hash accepted.
/// </summary>
public sealed record AttestationPolicy
{
    public static AttestationPolicy Default { get; } = new();

    /// <summary>The exact PCR selection a quote must carry; null accepts any selection.</summary>
    public PcrSelection? RequiredSelection { get; init; }

    /// <summary>The weakest hash accepted anywhere (signature, PCR banks, attestation key name); SHA-1 is never accepted.</summary>
    public TpmAlgId MinimumHash { get; init; } = TpmAlgId.Sha256;

    /// <summary>When true a quote without an event log is refused.</summary>
    public bool RequireEventLog { get; init; }

    /// <summary>Allowed values per PCR; a PCR absent here may hold any value (its events are still replayed).</summary>
    public ImmutableDictionary<(TpmAlgId Hash, int Index), ImmutableArray<byte[]>> AllowedPcrValues { get; init; } =
        ImmutableDictionary<(TpmAlgId, int), ImmutableArray<byte[]>>.Empty;

    /// <summary>Allowed digests per named event.</summary>
    public ImmutableArray<EventRule> EventRules { get; init; } = [];

    /// <summary>
    /// Allowed SHA-256 hashes of measured binaries (GREY_BINARY and EV_EFI_BOOT_SERVICES_APPLICATION events);
    /// null accepts any binary.
    /// </summary>
    public ImmutableHashSet<string>? AllowedBinaryHashes { get; init; }

    /// <summary>The PCR that binds the delta-signing key (Keylime uses 16); null disables key binding.</summary>
    public int? KeyBindingPcr { get; init; }

    /// <summary>The event type of a UEFI application load, treated as a binary measurement.</summary>
    public const uint EvEfiBootServicesApplication = 0x80000003;

    internal static bool IsBinaryEvent(uint type) => type is EventTypes.GreyBinary or EvEfiBootServicesApplication;

    /// <summary>Strength order of hashes, for "no downgrade" checks.</summary>
    internal static int Strength(TpmAlgId hash) => hash switch
    {
        TpmAlgId.Sha1 => 1,
        TpmAlgId.Sha256 => 2,
        TpmAlgId.Sha384 => 3,
        TpmAlgId.Sha512 => 4,
        _ => 0,
    };
}

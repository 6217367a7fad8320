using System.Text.Json.Serialization;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>The <c>uplink</c> section of GET /v1/status (present only with <c>--region</c>).</summary>
internal sealed record UplinkStatus(
    string Region,
    string Transport,
    bool Connected,
    string Servers,
    bool Enrolled,
    bool Attested,
    string? AttestationExpires,
    bool Shipping,
    bool HasSigner,
    long BacklogEntries,
    long BacklogBytes,
    double OldestUnackedAgeSeconds,
    ulong AckedIndex,
    ulong JournalTailIndex,
    int InFlightDeltas,
    long DeltasShipped,
    long Resends,
    bool Revoked,
    string? LastError,
    ulong DesiredAppliedSequence = 0);

/// <summary>Source-generated JSON for the uplink section (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UplinkStatus))]
internal sealed partial class UplinkJson : JsonSerializerContext;

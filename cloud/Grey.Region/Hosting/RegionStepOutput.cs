using Grey.Region.Ingest;

namespace Grey.Region.Hosting;

/// <summary>
/// What one turn of the ingest loop produced, to be sent in this order: NAKs, acknowledgements (all made durable
/// before they were signed), then the broker settlements, then the region delta. <see cref="Settle"/> is empty
/// when the turn failed; the batch is in <see cref="Release"/> then, so the broker redelivers it to the reopened region.
/// </summary>
public sealed record RegionStepOutput(
    IReadOnlyList<IngestResult> Results,
    IReadOnlyList<(string Site, byte[] Nak)> Naks,
    IReadOnlyList<SignedAck> Acks,
    IReadOnlyList<InboundDelta> Settle,
    byte[]? RegionDelta,
    bool Failed)
{
    /// <summary>Deltas to give back to the broker for redelivery (the batch of a failed turn).</summary>
    public IReadOnlyList<InboundDelta> Release { get; init; } = [];

    /// <summary>
    /// Revoked signers whose notice is due again (a delta they signed was rejected this turn), each with the site the
    /// rejected delta named; sent after the NAKs, through <see cref="RegionHost.RevocationNotices"/>.
    /// </summary>
    public IReadOnlyList<(string Site, string Node)> Revocations { get; init; } = [];
}

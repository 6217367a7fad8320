using Grey.Region.Ingest;

namespace Grey.Region.Hosting;

/// <summary>
/// What one turn of the ingest loop produced, to be sent in this order: NAKs, acknowledgements (all made durable
/// before they were signed), then the broker settlements, then the region delta. <see cref="Settle"/> is empty
/// when the turn failed, so the broker redelivers the batch to the reopened region.
/// </summary>
public sealed record RegionStepOutput(
    IReadOnlyList<IngestResult> Results,
    IReadOnlyList<(string Site, byte[] Nak)> Naks,
    IReadOnlyList<SignedAck> Acks,
    IReadOnlyList<InboundDelta> Settle,
    byte[]? RegionDelta,
    bool Failed);

namespace Grey.Region.Ingest;

/// <summary>
/// A signed acknowledgement ready for <c>grey.ack.&lt;site&gt;</c>: the federation's signed message (region ack,
/// type 3) signed with the region's key, for the highest merged index of a site epoch, made durable first.
/// </summary>
public sealed record SignedAck(string Site, ulong Epoch, ulong MergedIndex, byte[] Wire);

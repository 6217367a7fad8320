namespace Grey.Region.Hosting;

/// <summary>What an <see cref="InboundSignal"/> carries.</summary>
public enum InboundSignalKind
{
    /// <summary>A site's status report (<c>grey.status.&lt;region&gt;.&lt;site&gt;</c>); <see cref="InboundSignal.Source"/> is the site.</summary>
    SiteReport = 0,

    /// <summary>A peer region's whole-state region delta (<c>grey.region.&lt;region&gt;</c>); <see cref="InboundSignal.Source"/> is that region.</summary>
    RegionDelta = 1,
}

/// <summary>
/// A message that needs no broker acknowledgement (core NATS, fire and forget): a lost one is repaired by the next
/// (status reports come every few seconds, region deltas carry the whole state).
/// </summary>
public sealed record InboundSignal(InboundSignalKind Kind, string Source, ReadOnlyMemory<byte> Payload);

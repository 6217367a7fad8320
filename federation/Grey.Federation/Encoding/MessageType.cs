namespace Grey.Federation.Encoding;

/// <summary>
/// The type code in field 1 of every message. It is inside the signed bytes, so a signature made for one
/// type of message can never be passed off as another.
/// </summary>
public enum MessageType
{
    /// <summary>A site delta: data entries over a log index range.</summary>
    SiteDelta = 1,

    /// <summary>A checkpoint delta: a site's whole state at an index.</summary>
    CheckpointDelta = 2,

    /// <summary>A region's acknowledgement of merged progress.</summary>
    RegionAck = 3,

    /// <summary>A region's desired-state change for a site.</summary>
    DesiredChange = 4,

    /// <summary>A region delta: merged state one region shares with another.</summary>
    RegionDelta = 5,

    /// <summary>A region's request that a site resend from an index (unsigned).</summary>
    SiteNak = 6,

    /// <summary>A site's report of its committed progress and backlog (unsigned; used for lag only).</summary>
    SiteReport = 7,
}

namespace Grey.Ctl.Fleet;

/// <summary>
/// Deliberate breakage for the fleet's own tests: each must make the report fail, which shows the verification can.
/// </summary>
internal enum RealFleetSabotage
{
    /// <summary>No sabotage.</summary>
    None,

    /// <summary>
    /// Deltas dropped: after the writing window one site's uplink is cut for good and the site takes more writes, so
    /// its deltas never reach the region (the report must count them lost).
    /// </summary>
    DropDeltas,

    /// <summary>
    /// A "tampered" delta the region accepts: the tamper chaos publishes an unchanged copy and counts it as tampered
    /// (the region sees a duplicate, not a bad signature; the report must show it not rejected).
    /// </summary>
    AcceptedTamper,
}

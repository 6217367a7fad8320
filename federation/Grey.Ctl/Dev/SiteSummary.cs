using System.Globalization;

namespace Grey.Ctl.Dev;

/// <summary>
/// One site in the live and final summaries of <c>greyctl dev</c>: what the region merged, its lag behind the
/// committed index the site reported, how many of its nodes pass attestation, and the writes the site acknowledged.
/// </summary>
internal sealed record SiteSummary(string Site, ulong MergedIndex, ulong? Lag, int NodesPassing, int NodesEnrolled, int NodesExpected, long AcknowledgedWrites)
{
    /// <summary>
    /// Caught up: the region knows a committed index and is not behind it, and it merged at least every acknowledged
    /// write (each write is one data entry of the site's log, so the merged index can only be larger).
    /// </summary>
    public bool CaughtUp => Lag == 0 && MergedIndex >= (ulong)AcknowledgedWrites;

    /// <summary>One line: <c>site S: merged N lag L writes W attestation P/E passing</c>.</summary>
    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"site {Site}: merged {MergedIndex} lag {(Lag is { } l ? l.ToString(CultureInfo.InvariantCulture) : "?")} writes {AcknowledgedWrites} attestation {NodesPassing}/{NodesExpected} passing");
}

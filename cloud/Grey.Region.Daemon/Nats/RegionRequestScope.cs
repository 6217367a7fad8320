namespace Grey.Region.Daemon.Nats;

/// <summary>
/// Which region an enrollment or attestation request is meant for. The request subjects (<c>grey.enroll.&lt;site&gt;</c>,
/// <c>grey.attest.&lt;site&gt;</c>, MQTT <c>grey/enroll/&lt;site&gt;</c>, <c>grey/attest/&lt;site&gt;</c>) name no region,
/// so with several regions on one broker every region receives every site's requests, and a region that is not the
/// site's home would answer first with a refusal. The edge names its home region in <see cref="Header"/> (a NATS
/// header, an MQTT 5 user property) and a region answers only requests naming itself. A request without the header
/// comes from an edge not yet upgraded and is answered as before: right with one region per broker, and the reason
/// such edges must be upgraded before a second region joins their broker.
/// </summary>
internal static class RegionRequestScope
{
    /// <summary>The NATS header and MQTT 5 user property naming the requesting site's home region.</summary>
    public const string Header = "Grey-Region";

    /// <summary>
    /// True when this <paramref name="region"/> answers a request whose <see cref="Header"/> values are
    /// <paramref name="named"/>: none (an edge without the header), or every one equal to this region. A request
    /// naming another region, an empty name, or two different regions is some other region's to answer.
    /// </summary>
    public static bool Answers(string region, IReadOnlyList<string?> named)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(named);
        foreach (string? name in named)
        {
            if (!string.Equals(name, region, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

namespace Grey.Region.Daemon.Nats;

/// <summary>The NATS subjects and names of the contract (docs/REGION.md, "The daemon").</summary>
internal static class NatsSubjects
{
    /// <summary>The header carrying the site's highest committed data index, in decimal.</summary>
    public const string CommittedHeader = "Grey-Committed";

    /// <summary>The subjects a region's stream captures: every site's deltas for this region.</summary>
    public static string DeltaWildcard(string region) => $"grey.delta.{region}.*";

    /// <summary>The JetStream stream of a region: <c>GREY_DELTA_&lt;REGION&gt;</c> (upper case, '-' → '_').</summary>
    public static string StreamName(string region) => "GREY_DELTA_" + region.ToUpperInvariant().Replace('-', '_');

    /// <summary>The region's durable pull consumer.</summary>
    public static string ConsumerName(string region) => "grey-region-" + region;

    /// <summary>Signed acknowledgements to a site.</summary>
    public static string Ack(string site) => "grey.ack." + site;

    /// <summary>NAKs to a site.</summary>
    public static string Nak(string site) => "grey.nak." + site;

    /// <summary>Revocation notices to a site.</summary>
    public static string Revoke(string site) => "grey.revoke." + site;

    /// <summary>Signed desired-state changes to a site (core NATS; the region resends until applied).</summary>
    public static string Desired(string site) => "grey.desired." + site;

    /// <summary>Status reports of this region's sites.</summary>
    public static string StatusWildcard(string region) => $"grey.status.{region}.*";

    /// <summary>A region's region deltas.</summary>
    public static string RegionDelta(string region) => "grey.region." + region;

    /// <summary>The last token of a subject (the site or region it names).</summary>
    public static string LastToken(string subject)
    {
        int dot = subject.LastIndexOf('.');
        return dot < 0 ? subject : subject[(dot + 1)..];
    }
}

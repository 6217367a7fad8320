namespace Grey.Edge.Uplink.Nats;

/// <summary>The NATS subjects of one site (see docs/UPLINK.md): what the edge publishes and subscribes to.</summary>
internal sealed record NatsSubjects(string Region, string Site)
{
    /// <summary>JetStream subject of the site's deltas (the region's stream <c>GREY_DELTA_&lt;REGION&gt;</c> covers it).</summary>
    public string Delta => $"grey.delta.{Region}.{Site}";

    /// <summary>The site's status reports (core NATS).</summary>
    public string Status => $"grey.status.{Region}.{Site}";

    /// <summary>Signed region acknowledgements (core NATS).</summary>
    public string Ack => $"grey.ack.{Site}";

    /// <summary>NAKs naming the first index the region lacks (core NATS).</summary>
    public string Nak => $"grey.nak.{Site}";

    /// <summary>Signed revocation notices (core NATS).</summary>
    public string Revoke => $"grey.revoke.{Site}";

    /// <summary>Signed desired-state changes of the home region (core NATS: the region resends until applied).</summary>
    public string Desired => $"grey.desired.{Site}";

    /// <summary>Enrollment requests (core request/reply).</summary>
    public string Enroll => $"grey.enroll.{Site}";

    /// <summary>Attestation requests (core request/reply).</summary>
    public string Attest => $"grey.attest.{Site}";

    /// <summary>The inbox prefix: the per-site NATS user may subscribe only below it.</summary>
    public string InboxPrefix => $"_INBOX_{Site}";

    /// <summary>The subject of a request kind.</summary>
    public string Request(UplinkRequestKind kind) => kind switch
    {
        UplinkRequestKind.Enroll => Enroll,
        UplinkRequestKind.Attest => Attest,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown request kind"),
    };
}

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// The MQTT topics of one site (docs/MQTT.md): the NATS subjects of docs/UPLINK.md with <c>/</c> for <c>.</c>.
/// Federation ids cannot hold <c>/</c>, <c>+</c> or <c>#</c>, so no topic built here can reach another site's.
/// </summary>
internal sealed record MqttTopics(string Region, string Site, string ClientId)
{
    /// <summary>QoS 1 topic of the site's signed deltas.</summary>
    public string Delta => $"grey/delta/{Region}/{Site}";

    /// <summary>The site's status reports.</summary>
    public string Status => $"grey/status/{Region}/{Site}";

    /// <summary>Signed region acknowledgements.</summary>
    public string Ack => $"grey/ack/{Site}";

    /// <summary>NAKs naming the first index the region lacks.</summary>
    public string Nak => $"grey/nak/{Site}";

    /// <summary>Signed revocation notices.</summary>
    public string Revoke => $"grey/revoke/{Site}";

    /// <summary>Signed desired-state changes (settled by hand once handled).</summary>
    public string Desired => $"grey/desired/{Site}";

    /// <summary>Enrollment requests (MQTT 5 request/response).</summary>
    public string Enroll => $"grey/enroll/{Site}";

    /// <summary>Attestation requests (MQTT 5 request/response).</summary>
    public string Attest => $"grey/attest/{Site}";

    /// <summary>
    /// This client's response topic: under <c>grey/reply/&lt;site&gt;/</c>, the only reply topics the per-site user
    /// of deploy/mqtt may read, and with the client id so two nodes of a site never see each other's replies.
    /// </summary>
    public string Reply => $"grey/reply/{Site}/{ClientId}";

    /// <summary>The topic of a request kind.</summary>
    public string Request(UplinkRequestKind kind) => kind switch
    {
        UplinkRequestKind.Enroll => Enroll,
        UplinkRequestKind.Attest => Attest,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown request kind"),
    };

    /// <summary>What a message on <paramref name="topic"/> is, or null when it is none of this site's inbound topics.</summary>
    public UplinkInboundKind? InboundKind(string topic)
    {
        if (topic == Ack)
        {
            return UplinkInboundKind.Ack;
        }

        if (topic == Nak)
        {
            return UplinkInboundKind.Nak;
        }

        if (topic == Revoke)
        {
            return UplinkInboundKind.Revoke;
        }

        if (topic == Desired)
        {
            return UplinkInboundKind.Desired;
        }

        return null;
    }
}

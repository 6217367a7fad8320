using Grey.Federation.Identifiers;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>The MQTT topics of the contract (docs/MQTT.md, "Topics"): the NATS subjects with <c>/</c> for <c>.</c>.</summary>
internal static class MqttRegionTopics
{
    /// <summary>The user property carrying the site's highest committed data index, in decimal.</summary>
    public const string CommittedProperty = "Grey-Committed";

    /// <summary>The user property carrying the delta's de-duplication id.</summary>
    public const string MessageIdProperty = "Grey-Msg-Id";

    /// <summary>Every site's deltas for this region.</summary>
    public static string DeltaFilter(string region) => $"grey/delta/{region}/+";

    /// <summary>Every site's status reports for this region.</summary>
    public static string StatusFilter(string region) => $"grey/status/{region}/+";

    /// <summary>Every site's enrollment requests.</summary>
    public const string EnrollFilter = "grey/enroll/+";

    /// <summary>Every site's attestation requests.</summary>
    public const string AttestFilter = "grey/attest/+";

    /// <summary>Signed acknowledgements to a site.</summary>
    public static string Ack(string site) => "grey/ack/" + site;

    /// <summary>NAKs to a site.</summary>
    public static string Nak(string site) => "grey/nak/" + site;

    /// <summary>Revocation notices to a site.</summary>
    public static string Revoke(string site) => "grey/revoke/" + site;

    /// <summary>Signed desired-state changes to a site (QoS 1, not retained; the region resends until applied).</summary>
    public static string Desired(string site) => "grey/desired/" + site;

    /// <summary>A region's region deltas (the MQTT form of <c>grey.region.&lt;region&gt;</c>).</summary>
    public static string RegionDelta(string region) => "grey/region/" + region;

    /// <summary>
    /// Classifies an incoming topic of this region's subscriptions and returns the site (or peer region) it names,
    /// or null for any other topic, or one whose last level is not a federation id.
    /// </summary>
    public static (MqttInboundTopic Kind, string Source)? Parse(string region, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        string[] levels = topic.Split('/');
        (MqttInboundTopic Kind, string Source)? found = levels switch
        {
            ["grey", "delta", var r, var s] when r == region => (MqttInboundTopic.Delta, s),
            ["grey", "status", var r, var s] when r == region => (MqttInboundTopic.Status, s),
            ["grey", "enroll", var s] => (MqttInboundTopic.Enroll, s),
            ["grey", "attest", var s] => (MqttInboundTopic.Attest, s),
            ["grey", "region", var r] when r != region => (MqttInboundTopic.RegionDelta, r),
            _ => null,
        };
        return found is { } f && FederationId.IsValid(f.Source) ? f : null;
    }
}

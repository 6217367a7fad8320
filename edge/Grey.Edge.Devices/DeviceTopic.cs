using Grey.Federation.Identifiers;
using MQTTnet.Protocol;

namespace Grey.Edge.Devices;

/// <summary>
/// The one topic family devices publish on: <c>grey/kv/&lt;key&gt;</c>, where the key follows the edge API's rules
/// (<see cref="KeyNames"/>: 1-256 printable ASCII characters) and may not be under <c>desired/</c>, which only the
/// cloud writes (refused as at the edge API: not authorized).
/// </summary>
internal static class DeviceTopic
{
    /// <summary>The prefix of every device topic.</summary>
    public const string Prefix = "grey/kv/";

    /// <summary>
    /// The key a topic names, or null with the MQTT 5 reason code and text the device gets instead.
    /// </summary>
    public static string? Parse(string? topic, out MqttPubAckReasonCode refusal, out string reason)
    {
        refusal = MqttPubAckReasonCode.Success;
        reason = string.Empty;
        if (topic is null || !topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            refusal = MqttPubAckReasonCode.TopicNameInvalid;
            reason = $"devices publish on {Prefix}<key> only";
            return null;
        }

        var key = topic[Prefix.Length..];
        if (!KeyNames.IsValid(key))
        {
            refusal = MqttPubAckReasonCode.TopicNameInvalid;
            reason = $"the key must be 1-{Grey.Federation.FederationLimits.MaxKeyBytes} printable ASCII characters";
            return null;
        }

        if (KeyNames.IsDesired(key))
        {
            refusal = MqttPubAckReasonCode.NotAuthorized;
            reason = "desired/... keys are written only by the cloud";
            return null;
        }

        return key;
    }
}

using Microsoft.Extensions.Logging;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>The MQTT uplink's log messages (source-generated, stable event ids 6200-6299). None carries a secret.</summary>
internal static partial class MqttUplinkLog
{
    [LoggerMessage(EventId = 6200, Level = LogLevel.Information, Message = "MQTT uplink of site {Site} to region {Region}: link up ({Broker}, session present: {SessionPresent})")]
    public static partial void LinkUp(ILogger logger, string site, string region, string broker, bool sessionPresent);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: link down ({Reason})")]
    public static partial void LinkDown(ILogger logger, string site, string reason);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: cannot connect to {Broker} with {Credentials}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string site, string broker, string credentials, string reason);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: subscription to {Topic} refused ({Code})")]
    public static partial void SubscribeRefused(ILogger logger, string site, string topic, string code);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: circuit opened for {BreakSeconds} s")]
    public static partial void BreakerOpened(ILogger logger, string site, double breakSeconds);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: dropped an inbound message on {Topic} of {Bytes} bytes (limit {Limit})")]
    public static partial void Oversized(ILogger logger, string site, string topic, long bytes, int limit);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Warning, Message = "MQTT uplink of site {Site}: publish of {MessageId} rejected: {Detail}")]
    public static partial void Rejected(ILogger logger, string site, string messageId, string detail);
}

using Microsoft.Extensions.Logging;

namespace Grey.Edge.Uplink.Nats;

/// <summary>The uplink's log messages (source-generated, stable event ids). None carries a credential.</summary>
internal static partial class NatsUplinkLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "NATS uplink of site {Site} to region {Region}: link up ({Server})")]
    public static partial void LinkUp(ILogger logger, string site, string region, string server);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: link down ({Reason})")]
    public static partial void LinkDown(ILogger logger, string site, string reason);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: cannot connect to {Servers} with {Credentials}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string site, string servers, string credentials, string reason);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: server error: {Error}")]
    public static partial void ServerError(ILogger logger, string site, string error);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: circuit opened for {BreakSeconds} s")]
    public static partial void BreakerOpened(ILogger logger, string site, double breakSeconds);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: dropped an inbound {Kind} of {Bytes} bytes (limit {Limit})")]
    public static partial void Oversized(ILogger logger, string site, string kind, int bytes, int limit);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "NATS uplink of site {Site}: publish of {MessageId} rejected: {Detail}")]
    public static partial void Rejected(ILogger logger, string site, string messageId, string detail);
}

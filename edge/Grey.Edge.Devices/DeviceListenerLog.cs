using Microsoft.Extensions.Logging;

namespace Grey.Edge.Devices;

/// <summary>The device listener's log messages (source-generated, stable event ids 6300-6399). None carries a secret.</summary>
internal static partial class DeviceListenerLog
{
    [LoggerMessage(EventId = 6300, Level = LogLevel.Information, Message = "Device MQTT listener on {Endpoint} (TLS: {Tls}, users: {Users}, client certificates: {Certificates})")]
    public static partial void Started(ILogger logger, string endpoint, bool tls, int users, bool certificates);

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning, Message = "Device login refused from {Remote} (user '{User}'): {Reason}")]
    public static partial void LoginRefused(ILogger logger, string remote, string user, string reason);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Information, Message = "Device {Device} publish on '{Topic}' refused: {Code} ({Reason})")]
    public static partial void PublishRefused(ILogger logger, string device, string topic, string code, string reason);

    [LoggerMessage(EventId = 6303, Level = LogLevel.Error, Message = "Device {Device}: the write of '{Key}' failed unexpectedly")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string device, string key);
}

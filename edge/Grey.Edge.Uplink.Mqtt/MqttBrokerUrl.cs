using System.Globalization;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// A broker address: <c>mqtt://HOST:PORT</c> (plain TCP, default port 1883) or <c>mqtts://HOST:PORT</c> (TLS,
/// default port 8883). Credentials never go in the URL: a user-info part is refused so that no password ends up
/// in a process listing or a log line.
/// </summary>
internal readonly record struct MqttBrokerUrl(string Host, int Port, bool Tls)
{
    /// <summary>Parses <paramref name="url"/>; returns null and a reason when it is not a broker URL.</summary>
    public static MqttBrokerUrl? Parse(string? url, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "the broker URL is empty (expected mqtt://HOST:PORT or mqtts://HOST:PORT)";
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts"))
        {
            error = $"'{Redact(url)}' is not an mqtt:// or mqtts:// URL";
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            error = "the broker URL must not carry credentials: use the user and password file options";
            return null;
        }

        if (uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            error = $"'{url}' must be just scheme, host and port";
            return null;
        }

        var tls = uri.Scheme == "mqtts";
        var port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? 8883 : 1883) : uri.Port;
        if (port is < 1 or > 65535)
        {
            error = $"port {port} out of range";
            return null;
        }

        return new MqttBrokerUrl(uri.IdnHost, port, tls);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}");

    // A URL that failed to parse may still hold "user:password@": keep only what follows the '@'.
    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        return at < 0 ? url : "***@" + url[(at + 1)..];
    }
}

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// Where and as whom the region connects: <c>mqtt://HOST:PORT</c> broken into host and port, the client id (the
/// session key: stable across restarts, one per region process), and optional credentials (the password read from
/// a file by the caller, never logged).
/// </summary>
internal sealed record MqttRegionConnection(string Host, int Port, string ClientId, string? UserName = null, string? Password = null)
{
    /// <summary>Parses <c>mqtt://HOST[:PORT]</c> (default port 1883). Returns null with a reason when it is not one.</summary>
    public static (string Host, int Port)? ParseUrl(string url, out string? error)
    {
        error = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "mqtt" || string.IsNullOrEmpty(uri.Host))
        {
            error = "expected mqtt://HOST:PORT";
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            error = "credentials do not belong in the URL (use --mqtt-user and --mqtt-password-file)";
            return null;
        }

        if (uri.AbsolutePath is not ("/" or "") || !string.IsNullOrEmpty(uri.Query))
        {
            error = "expected mqtt://HOST:PORT without a path or query";
            return null;
        }

        return (uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 1883 : uri.Port);
    }
}

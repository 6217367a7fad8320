namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// Splits the <c>--nats</c> list into server URLs without credentials (what NATS.Net and every log line see)
/// and the user/password that was embedded in the first one, if any.
/// </summary>
internal static class NatsServerUrls
{
    /// <summary>Schemes the uplink dials.</summary>
    public static readonly IReadOnlyList<string> Schemes = ["nats", "tls"];

    /// <summary>Lists every problem with the URL list (no credential ever appears in a message).</summary>
    public static IReadOnlyList<string> Check(string urls)
    {
        var errors = new List<string>();
        var items = urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
        {
            errors.Add("at least one NATS URL is needed (nats://HOST:PORT or tls://HOST:PORT)");
        }
        else if (items.Length > NatsUplinkOptions.MaxUrls)
        {
            errors.Add($"{items.Length} NATS URLs; at most {NatsUplinkOptions.MaxUrls}");
        }

        for (var i = 0; i < items.Length; i++)
        {
            if (!Uri.TryCreate(items[i], UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme) || uri.Host.Length == 0 || uri.Port <= 0)
            {
                errors.Add($"NATS URL #{i + 1} '{Redact(items[i])}' must be nats://HOST:PORT or tls://HOST:PORT");
            }
        }

        return errors;
    }

    /// <summary>The URL list with any user-info removed, and the user/password of the first URL that had one.</summary>
    public static (string Urls, string? User, string? Password) Strip(string urls)
    {
        string? user = null;
        string? password = null;
        var clean = new List<string>();
        foreach (var item in urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var uri = new Uri(item, UriKind.Absolute);
            if (uri.UserInfo.Length > 0 && user is null)
            {
                var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
                password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }

            clean.Add($"{uri.Scheme}://{(uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.IdnHost + "]" : uri.Host)}:{uri.Port}");
        }

        return (string.Join(',', clean), user, password);
    }

    /// <summary>Tells whether any URL asks for TLS.</summary>
    public static bool WantsTls(string urls) =>
        urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(u => u.StartsWith("tls://", StringComparison.OrdinalIgnoreCase));

    /// <summary>A URL safe to print: everything before '@' is replaced.</summary>
    public static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return scheme >= 0 && scheme < at ? url[..(scheme + 3)] + "***@" + url[(at + 1)..] : "***@" + url[(at + 1)..];
    }
}

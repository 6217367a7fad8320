using Grey.Federation.Identifiers;

namespace Grey.Edge.Daemon.Config;

/// <summary>
/// The flags that connect a site to its home region (issues 6 and 7): <c>--region</c>, <c>--nats</c>,
/// <c>--nats-creds</c>, <c>--nats-ca</c>, the MQTT uplink's <c>--mqtt</c>, <c>--mqtt-ca</c>, <c>--mqtt-user</c>,
/// <c>--mqtt-password-file</c>, <c>--mqtt-cert</c>, <c>--mqtt-key</c>, and <c>--tpm</c>, <c>--enroll-token</c>,
/// <c>--region-ca</c>. <c>--region</c> needs <c>--nats</c>, <c>--mqtt</c> or both (both: NATS preferred, MQTT
/// the fallback). Without <c>--region</c> none of the others may be given and the daemon runs standalone.
/// Checked here with plain string rules, so that parsing never loads the NATS, MQTT or attestation code.
/// </summary>
internal static class RegionOptions
{
    /// <summary>Most NATS URLs in <c>--nats</c>.</summary>
    public const int MaxNatsUrls = 16;

    /// <summary>Longest enrollment token (bytes of UTF-8): EnrollmentLimits.MaxTokenBytes, repeated so parsing loads no attestation code.</summary>
    public const int MaxTokenBytes = 256;

    /// <summary>Reads and validates the region flags into <paramref name="o"/>, adding every problem to <paramref name="errors"/>.</summary>
    public static DaemonOptions Apply(DaemonOptions o, IReadOnlyDictionary<string, string> v, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(errors);
        var region = v.GetValueOrDefault("region");
        if (region is null)
        {
            foreach (var key in new[] { "nats", "nats-creds", "nats-ca", "mqtt", "mqtt-ca", "mqtt-user", "mqtt-password-file", "mqtt-cert", "mqtt-key", "tpm", "enroll-token", "region-ca" })
            {
                if (v.ContainsKey(key))
                {
                    errors.Add($"--{key} needs --region (without it grey-edge runs standalone)");
                }
            }

            return o;
        }

        if (!FederationId.IsValid(region))
        {
            errors.Add($"--region '{region}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        var nats = v.GetValueOrDefault("nats");
        var mqtt = v.GetValueOrDefault("mqtt");
        if (nats is null && mqtt is null)
        {
            errors.Add("--nats is required with --region (nats://HOST:PORT[,...]) unless --mqtt mqtt://HOST:PORT is given; with both, NATS is preferred");
        }

        if (nats is not null)
        {
            CheckUrls(nats, errors);
        }

        foreach (var key in new[] { "nats-creds", "nats-ca" })
        {
            if (nats is null && v.ContainsKey(key))
            {
                errors.Add($"--{key} needs --nats");
            }
        }

        o = MqttUplinkFlags.Apply(o, mqtt, v, errors);

        var tpm = v.GetValueOrDefault("tpm") ?? "soft";
        if (!IsTpm(tpm))
        {
            errors.Add($"--tpm '{tpm}' must be soft, swtpm:HOST:PORT or device");
        }

        var token = v.GetValueOrDefault("enroll-token");
        if (token is not null && (token.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(token) > MaxTokenBytes))
        {
            // The message never repeats the token.
            errors.Add($"--enroll-token must be 1-{MaxTokenBytes} bytes");
        }

        foreach (var key in new[] { "nats-creds", "nats-ca", "region-ca" })
        {
            // The MQTT files are checked by MqttUplinkFlags.
            if (v.GetValueOrDefault(key) is { } file && !File.Exists(file))
            {
                errors.Add($"--{key} file '{file}' does not exist");
            }
        }

        return o with
        {
            Region = region,
            NatsUrls = nats,
            NatsCredsFile = v.GetValueOrDefault("nats-creds"),
            NatsCaFile = v.GetValueOrDefault("nats-ca"),
            Tpm = tpm,
            EnrollToken = token,
            RegionCaFile = v.GetValueOrDefault("region-ca"),
        };
    }

    /// <summary>soft, device, device:PATH or swtpm:HOST:PORT.</summary>
    public static bool IsTpm(string tpm)
    {
        ArgumentNullException.ThrowIfNull(tpm);
        if (tpm is "soft" or "device" || (tpm.StartsWith("device:/", StringComparison.Ordinal) && tpm.Length > 8))
        {
            return true;
        }

        var parts = tpm.Split(':');
        return parts.Length == 3 && parts[0] == "swtpm" && parts[1].Length > 0
            && ushort.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port > 0;
    }

    private static void CheckUrls(string nats, List<string> errors)
    {
        var items = nats.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
        {
            errors.Add("--nats needs at least one URL");
        }
        else if (items.Length > MaxNatsUrls)
        {
            errors.Add($"--nats lists {items.Length} URLs; at most {MaxNatsUrls}");
        }

        for (var i = 0; i < items.Length; i++)
        {
            if (!Uri.TryCreate(items[i], UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0 || uri.Port <= 0)
            {
                var at = items[i].LastIndexOf('@');
                var shown = at < 0 ? items[i] : "***@" + items[i][(at + 1)..];
                errors.Add($"--nats URL #{i + 1} '{shown}' must be nats://HOST:PORT or tls://HOST:PORT");
            }
        }
    }
}

using Grey.Edge.Uplink.Mqtt;

namespace Grey.Edge.Daemon.Config;

/// <summary>
/// The MQTT uplink's flags (issue 7): <c>--mqtt mqtt://HOST:PORT</c> (<c>mqtts://</c> for TLS), <c>--mqtt-ca FILE</c>,
/// <c>--mqtt-user U --mqtt-password-file F</c>, <c>--mqtt-cert F [--mqtt-key F]</c>. Called by
/// <see cref="RegionOptions"/> once <c>--region</c> is given. Every problem goes to the error list; a password, a
/// key or URL credentials are never repeated in a message (the URL parser redacts user-info).
/// </summary>
internal static class MqttUplinkFlags
{
    /// <summary>Longest MQTT user name (MqttUplinkOptions' own limit).</summary>
    public const int MaxUserLength = 256;

    /// <summary>Every MQTT key besides <c>mqtt</c> itself.</summary>
    public static readonly string[] DependentKeys = ["mqtt-ca", "mqtt-user", "mqtt-password-file", "mqtt-cert", "mqtt-key"];

    /// <summary>Reads and validates the MQTT flags into <paramref name="o"/>; <paramref name="url"/> is <c>--mqtt</c> or null.</summary>
    public static DaemonOptions Apply(DaemonOptions o, string? url, IReadOnlyDictionary<string, string> v, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(errors);
        if (url is null)
        {
            foreach (var dependent in DependentKeys)
            {
                if (v.ContainsKey(dependent))
                {
                    errors.Add($"--{dependent} needs --mqtt");
                }
            }

            return o;
        }

        // MqttBrokerUrl is a plain parser of the MQTT uplink assembly; it loads no MQTTnet code.
        var broker = MqttBrokerUrl.Parse(url, out var urlError);
        if (urlError is not null)
        {
            errors.Add("--mqtt: " + urlError);
        }

        var user = v.GetValueOrDefault("mqtt-user");
        var passwordFile = v.GetValueOrDefault("mqtt-password-file");
        var cert = v.GetValueOrDefault("mqtt-cert");
        var key = v.GetValueOrDefault("mqtt-key");
        var ca = v.GetValueOrDefault("mqtt-ca");
        if (user is not null && (user.Length is 0 or > MaxUserLength || user.Any(char.IsControl)))
        {
            errors.Add($"--mqtt-user must be 1-{MaxUserLength} characters without control characters");
        }

        if ((user is null) != (passwordFile is null))
        {
            errors.Add("--mqtt-user and --mqtt-password-file go together");
        }

        if (key is not null && cert is null)
        {
            errors.Add("--mqtt-key needs --mqtt-cert");
        }

        if (broker is { Tls: false })
        {
            foreach (var (flag, file) in new[] { ("mqtt-cert", cert), ("mqtt-ca", ca) })
            {
                if (file is not null)
                {
                    errors.Add($"--{flag} needs an mqtts:// broker URL");
                }
            }
        }

        foreach (var (flag, file) in new[] { ("mqtt-password-file", passwordFile), ("mqtt-cert", cert), ("mqtt-key", key), ("mqtt-ca", ca) })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"--{flag} file '{file}' does not exist");
            }
        }

        return o with
        {
            MqttUrl = url,
            MqttUser = user,
            MqttPasswordFile = passwordFile,
            MqttCertFile = cert,
            MqttKeyFile = key,
            MqttCaFile = ca,
        };
    }
}

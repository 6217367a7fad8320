using System.Globalization;
using System.Net;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// The MQTT part of <c>grey-region</c>'s configuration: <c>--mqtt mqtt://HOST:PORT</c> (an external broker, with
/// optional <c>--mqtt-user</c> and <c>--mqtt-password-file</c>) or <c>--mqtt-embedded HOST:PORT</c> (a broker
/// hosted in the process, which the region then connects to itself). Never holds the password itself.
/// </summary>
internal sealed record MqttDaemonSettings
{
    /// <summary>The configuration keys (flag names) this reads, none of them a switch.</summary>
    public static readonly IReadOnlyList<string> Keys = ["mqtt", "mqtt-user", "mqtt-password-file", "mqtt-embedded"];

    /// <summary>The usage line.</summary>
    public const string Usage = "[--mqtt mqtt://HOST:PORT [--mqtt-user U --mqtt-password-file F] | --mqtt-embedded HOST:PORT]";

    /// <summary>Longest password file read (its first line is the password).</summary>
    public const int MaxPasswordFileBytes = 4096;

    /// <summary>The broker's host.</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>The broker's port.</summary>
    public int Port { get; init; }

    /// <summary>The MQTT user, or null for an anonymous login.</summary>
    public string? UserName { get; init; }

    /// <summary>The file whose first line is the password (read at start, never logged).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>Where the embedded broker listens, or null for an external broker.</summary>
    public IPEndPoint? Embedded { get; init; }

    /// <summary>
    /// Reads the MQTT keys from the merged configuration. Returns null when none is given (MQTT off); adds every
    /// problem to <paramref name="errors"/> (never echoing a password).
    /// </summary>
    public static MqttDaemonSettings? Parse(IReadOnlyDictionary<string, string> values, Func<string, bool> fileExists, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(fileExists);
        ArgumentNullException.ThrowIfNull(errors);
        values.TryGetValue("mqtt", out string? url);
        values.TryGetValue("mqtt-user", out string? user);
        values.TryGetValue("mqtt-password-file", out string? passwordFile);
        values.TryGetValue("mqtt-embedded", out string? embedded);
        if (url is null && embedded is null)
        {
            if (user is not null || passwordFile is not null)
            {
                errors.Add("--mqtt-user and --mqtt-password-file need --mqtt");
            }

            return null;
        }

        if (url is not null && embedded is not null)
        {
            errors.Add("--mqtt and --mqtt-embedded exclude each other (with --mqtt-embedded the region connects to its own broker)");
            return null;
        }

        if ((user is null) != (passwordFile is null))
        {
            errors.Add("--mqtt-user and --mqtt-password-file go together");
        }

        if (passwordFile is not null && !fileExists(passwordFile))
        {
            errors.Add($"--mqtt-password-file: no file {passwordFile}");
        }

        if (user is not null && (user.Length == 0 || user.Length > 256 || user.Any(char.IsControl)))
        {
            errors.Add("--mqtt-user must be 1-256 characters without control characters");
        }

        if (embedded is not null)
        {
            if (user is not null)
            {
                errors.Add("--mqtt-user does not apply to --mqtt-embedded (the embedded broker has no user list)");
            }

            if (ParseEndPoint(embedded) is not { Port: > 0 } endpoint)
            {
                errors.Add($"--mqtt-embedded '{embedded}' must be HOST:PORT with an IP address or localhost and a port above 0 (e.g. 127.0.0.1:1883)");
                return null;
            }

            // The region connects to its own broker over loopback when it listens on every address.
            IPAddress connect = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : endpoint.Address;
            return new MqttDaemonSettings { Host = connect.ToString(), Port = endpoint.Port, Embedded = endpoint };
        }

        if (MqttRegionConnection.ParseUrl(url!, out string? error) is not { } hostPort)
        {
            errors.Add($"--mqtt: {error}");
            return null;
        }

        return new MqttDaemonSettings { Host = hostPort.Host, Port = hostPort.Port, UserName = user, PasswordFile = passwordFile };
    }

    /// <summary>Reads the password (the first line of the file, at most <see cref="MaxPasswordFileBytes"/>). Throws with a message that never contains it.</summary>
    public string? ReadPassword()
    {
        if (PasswordFile is null)
        {
            return null;
        }

        var info = new FileInfo(PasswordFile);
        if (!info.Exists || info.Length > MaxPasswordFileBytes)
        {
            throw new InvalidDataException($"--mqtt-password-file {PasswordFile} is missing or larger than {MaxPasswordFileBytes} bytes");
        }

        string first = File.ReadAllText(PasswordFile).Split('\n')[0].TrimEnd('\r');
        return first.Length > 0 ? first : throw new InvalidDataException($"--mqtt-password-file {PasswordFile} has an empty first line");
    }

    /// <summary>A redacted description for the start-up log.</summary>
    public override string ToString() =>
        Embedded is { } e
            ? $"mqtt embedded {e}"
            : string.Create(CultureInfo.InvariantCulture, $"mqtt {Host}:{Port}, user {(UserName is null ? "none" : UserName)}, password {(PasswordFile is null ? "none" : "file")}");

    private static IPEndPoint? ParseEndPoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon > 0 && text[..colon] == "localhost" && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 0 and <= 65535)
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPEndPoint.TryParse(text, out IPEndPoint? ep) && colon > 0 ? ep : null;
    }
}

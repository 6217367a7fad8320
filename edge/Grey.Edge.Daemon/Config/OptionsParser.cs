using System.Globalization;
using System.Net;
using Grey.Federation.Identifiers;

namespace Grey.Edge.Daemon.Config;

/// <summary>
/// Reads <see cref="DaemonOptions"/> from a config file (<c>key = value</c> lines, <c>#</c> comments), the
/// environment (<c>GREY_EDGE_</c> + the key in capitals with '_' for '-') and flags (<c>--key value</c>, or
/// <c>--key</c> alone for switches), later sources winning. Every problem is collected and reported at once.
/// Hand-written so that it is trim- and AOT-safe.
/// </summary>
internal static class OptionsParser
{
    /// <summary>Longest config file read: a bound against pointing the daemon at a huge file.</summary>
    public const int MaxConfigFileBytes = 64 * 1024;

    /// <summary>Most members a site may list.</summary>
    public const int MaxPeers = 64;

    /// <summary>Every key, with whether it is a switch (takes no value on the command line).</summary>
    public static readonly IReadOnlyDictionary<string, bool> Keys = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["node-id"] = false,
        ["site"] = false,
        ["data"] = false,
        ["api"] = false,
        ["api-advertise"] = false,
        ["peer-listen"] = false,
        ["peers"] = false,
        ["insecure"] = true,
        ["join"] = true,
        ["peer-cert"] = false,
        ["peer-key"] = false,
        ["peer-ca"] = false,
        ["api-cert"] = false,
        ["api-key"] = false,
        ["tick-ms"] = false,
        ["election-ticks"] = false,
        ["snapshot-entries"] = false,
        ["request-timeout-ms"] = false,
        ["region"] = false,
        ["nats"] = false,
        ["nats-creds"] = false,
        ["nats-ca"] = false,
        ["mqtt"] = false,
        ["mqtt-ca"] = false,
        ["mqtt-user"] = false,
        ["mqtt-password-file"] = false,
        ["mqtt-cert"] = false,
        ["mqtt-key"] = false,
        ["device-mqtt"] = false,
        ["device-users"] = false,
        ["device-cert"] = false,
        ["device-ca"] = false,
        ["tpm"] = false,
        ["enroll-token"] = false,
        ["region-ca"] = false,
        ["config"] = false,
    };

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: grey-edge --node-id ID --site SITE --data DIR --api HOST:PORT\n" +
        "                 [--peer-listen HOST:PORT --peers ID=HOST:PORT,...] [--insecure | --peer-cert F --peer-key F --peer-ca F]\n" +
        "                 [--api-cert F --api-key F] [--api-advertise URL] [--join] [--config FILE]\n" +
        "                 [--tick-ms N] [--election-ticks N] [--snapshot-entries N] [--request-timeout-ms N]\n" +
        "                 [--region ID [--nats URL[,URL] [--nats-creds FILE] [--nats-ca FILE]]\n" +
        "                  [--mqtt mqtt(s)://HOST:PORT [--mqtt-ca FILE] [--mqtt-user U --mqtt-password-file F] [--mqtt-cert F [--mqtt-key F]]]\n" +
        "                  [--tpm soft|swtpm:HOST:PORT|device] [--enroll-token T] [--region-ca FILE]]   (--nats, --mqtt or both)\n" +
        "                 [--device-mqtt HOST:PORT [--device-users FILE] [--device-cert F [--device-ca F]]]\n" +
        "environment: GREY_EDGE_<KEY> (e.g. GREY_EDGE_NODE_ID); config file: key = value lines. Flags win over the environment, which wins over the file.";

    /// <summary>Parses and validates; returns the options, or null with every error.</summary>
    public static DaemonOptions? Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, Func<string, string> readFile, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(readFile);
        errors = [];
        var flags = ParseFlags(args, errors);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Keys.Keys)
        {
            if (environment.TryGetValue("GREY_EDGE_" + key.ToUpperInvariant().Replace('-', '_'), out var v))
            {
                env[key] = v;
            }
        }

        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var configPath = flags.GetValueOrDefault("config") ?? env.GetValueOrDefault("config");
        if (configPath is not null)
        {
            try
            {
                var text = readFile(configPath);
                if (text.Length > MaxConfigFileBytes)
                {
                    errors.Add($"config file {configPath} is larger than {MaxConfigFileBytes} bytes");
                }
                else
                {
                    ParseFile(configPath, text, merged, errors);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"config file {configPath}: {e.Message}");
            }
        }

        foreach (var (k, v) in env)
        {
            merged[k] = v;
        }

        foreach (var (k, v) in flags)
        {
            merged[k] = v;
        }

        var options = Build(merged, errors) with { ConfigFile = configPath };
        return errors.Count == 0 ? options : null;
    }

    private static Dictionary<string, string> ParseFlags(IReadOnlyList<string> args, List<string> errors)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                errors.Add($"unexpected argument '{arg}'");
                continue;
            }

            var name = arg[2..];
            string? inline = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            if (!Keys.TryGetValue(name, out var isSwitch))
            {
                errors.Add($"unknown flag --{name}");
                continue;
            }

            if (isSwitch)
            {
                flags[name] = inline ?? "true";
            }
            else if (inline is not null)
            {
                flags[name] = inline;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags[name] = args[++i];
            }
            else
            {
                errors.Add($"--{name} needs a value");
            }
        }

        return flags;
    }

    private static void ParseFile(string path, string text, Dictionary<string, string> into, List<string> errors)
    {
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add($"{path}:{lineNumber}: expected 'key = value'");
                continue;
            }

            var key = line[..eq].Trim();
            if (!Keys.ContainsKey(key) || key == "config")
            {
                errors.Add($"{path}:{lineNumber}: unknown key '{key}'");
                continue;
            }

            into[key] = line[(eq + 1)..].Trim();
        }
    }

    private static DaemonOptions Build(Dictionary<string, string> v, List<string> errors)
    {
        var o = new DaemonOptions();
        if (!v.TryGetValue("node-id", out var nodeId))
        {
            errors.Add("--node-id is required");
        }
        else if (!ulong.TryParse(nodeId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0)
        {
            errors.Add($"--node-id '{nodeId}' must be a positive integer");
        }
        else
        {
            o = o with { NodeId = id };
        }

        if (!v.TryGetValue("site", out var site))
        {
            errors.Add("--site is required");
        }
        else if (!FederationId.IsValid(site))
        {
            errors.Add($"--site '{site}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }
        else
        {
            o = o with { Site = site };
        }

        if (!v.TryGetValue("data", out var data) || data.Length == 0)
        {
            errors.Add("--data is required");
        }
        else
        {
            o = o with { DataDirectory = data };
        }

        if (!v.TryGetValue("api", out var api))
        {
            errors.Add("--api is required");
        }
        else if (ParseEndPoint(api) is { } apiEndPoint)
        {
            o = o with { Api = apiEndPoint };
        }
        else
        {
            errors.Add($"--api '{api}' must be IP:PORT (e.g. 127.0.0.1:2379)");
        }

        if (v.TryGetValue("peer-listen", out var listen))
        {
            if (ParseEndPoint(listen) is { } listenEndPoint)
            {
                o = o with { PeerListen = listenEndPoint };
            }
            else
            {
                errors.Add($"--peer-listen '{listen}' must be IP:PORT");
            }
        }

        if (v.TryGetValue("peers", out var peers) && peers.Length > 0)
        {
            o = o with { Peers = ParsePeers(peers, errors) };
        }

        o = o with
        {
            Insecure = Switch(v, "insecure", errors),
            Join = Switch(v, "join", errors),
            PeerCertFile = v.GetValueOrDefault("peer-cert"),
            PeerKeyFile = v.GetValueOrDefault("peer-key"),
            PeerCaFile = v.GetValueOrDefault("peer-ca"),
            ApiCertFile = v.GetValueOrDefault("api-cert"),
            ApiKeyFile = v.GetValueOrDefault("api-key"),
            ApiAdvertise = v.GetValueOrDefault("api-advertise"),
            TickMs = Int(v, "tick-ms", o.TickMs, 1, 10_000, errors),
            ElectionTicks = Int(v, "election-ticks", o.ElectionTicks, 2, 1000, errors),
            SnapshotEntries = (ulong)Int(v, "snapshot-entries", (int)o.SnapshotEntries, 1, int.MaxValue, errors),
            RequestTimeoutMs = Int(v, "request-timeout-ms", o.RequestTimeoutMs, 1, 600_000, errors),
        };

        if (o.Peers.Count > 0)
        {
            if (o.NodeId != 0 && !o.Peers.ContainsKey(o.NodeId))
            {
                errors.Add($"--peers must list this node ({o.NodeId}) too, like etcd's initial cluster");
            }

            if (o.PeerListen is null)
            {
                errors.Add("--peer-listen is required with --peers");
            }

            var tlsFiles = new[] { o.PeerCertFile, o.PeerKeyFile, o.PeerCaFile };
            if (!o.Insecure && tlsFiles.Any(f => f is null))
            {
                errors.Add("peers need mutual TLS (--peer-cert, --peer-key, --peer-ca) or --insecure for plaintext");
            }
        }
        else if (o.Join)
        {
            errors.Add("--join needs --peers (the members to reach)");
        }

        foreach (var (flag, file) in new[] { ("peer-cert", o.PeerCertFile), ("peer-key", o.PeerKeyFile), ("peer-ca", o.PeerCaFile), ("api-cert", o.ApiCertFile), ("api-key", o.ApiKeyFile) })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"--{flag} file '{file}' does not exist");
            }
        }

        o = RegionOptions.Apply(o, v, errors);
        o = DeviceListenerFlags.Apply(o, v, errors);

        if ((o.ApiCertFile is null) != (o.ApiKeyFile is null))
        {
            errors.Add("--api-cert and --api-key go together");
        }

        if (o.ApiAdvertise is { } advertise && !(Uri.TryCreate(advertise, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add($"--api-advertise '{advertise}' must be an http(s) URL");
        }

        return o;
    }

    private static Dictionary<ulong, DnsEndPoint> ParsePeers(string text, List<string> errors)
    {
        var peers = new Dictionary<ulong, DnsEndPoint>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            var colon = item.LastIndexOf(':');
            if (eq <= 0 || colon < eq + 2
                || !ulong.TryParse(item.AsSpan(0, eq), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == 0
                || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                errors.Add($"--peers item '{item}' must be ID=HOST:PORT with a positive ID and a port 1-65535");
                continue;
            }

            if (!peers.TryAdd(id, new DnsEndPoint(item[(eq + 1)..colon].Trim('[', ']'), port)))
            {
                errors.Add($"--peers lists node {id} twice");
            }
        }

        if (peers.Count > MaxPeers)
        {
            errors.Add($"--peers lists {peers.Count} members; at most {MaxPeers}");
        }

        return peers;
    }

    private static IPEndPoint? ParseEndPoint(string text) =>
        IPEndPoint.TryParse(text, out var ep) && text.Contains(':', StringComparison.Ordinal) && ep.Port is >= 0 and <= 65535 ? ep : null;

    private static bool Switch(Dictionary<string, string> v, string key, List<string> errors)
    {
        if (!v.TryGetValue(key, out var text))
        {
            return false;
        }

        if (bool.TryParse(text, out var b))
        {
            return b;
        }

        errors.Add($"--{key} '{text}' must be true or false");
        return false;
    }

    private static int Int(Dictionary<string, string> v, string key, int fallback, int min, int max, List<string> errors)
    {
        if (!v.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors.Add($"--{key} '{text}' must be an integer from {min} to {max}");
        return fallback;
    }
}

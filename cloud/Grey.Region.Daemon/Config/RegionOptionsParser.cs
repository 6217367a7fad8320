using System.Net;
using Grey.Federation.Identifiers;

namespace Grey.Region.Daemon.Config;

/// <summary>
/// Reads <see cref="RegionDaemonOptions"/> from a config file (<c>key = value</c> lines, <c>#</c> comments), the
/// environment (<c>GREY_REGION_</c> + the key in capitals with '_' for '-') and flags (<c>--key value</c>,
/// <c>--key=value</c>, or <c>--key</c> alone for switches), later sources winning. Every problem is collected and
/// reported at once; files named (config, credentials, peer certificates) are checked to exist.
/// </summary>
internal static class RegionOptionsParser
{
    /// <summary>Longest config file read: a bound against pointing the daemon at a huge file.</summary>
    public const int MaxConfigFileBytes = 64 * 1024;

    /// <summary>Most peer regions. A region delta carries whole state, so a large mesh wants the gateway of a later issue.</summary>
    public const int MaxPeerRegions = 64;

    /// <summary>Shortest admin token accepted: shorter ones are guessable.</summary>
    public const int MinAdminTokenLength = 16;

    /// <summary>Most NATS URLs.</summary>
    public const int MaxNatsUrls = 16;

    /// <summary>Most fingerprints in the <c>--ek-allow</c> file: the enrollment service's bound on enrolled nodes.</summary>
    public const int MaxEkAllowEntries = 100_000;

    /// <summary>Largest <c>--ek-allow</c> file read (a full list with colons and a comment per line fits).</summary>
    public const int MaxEkAllowFileBytes = 16 * 1024 * 1024;

    /// <summary>The prefix of the environment variables read.</summary>
    public const string EnvironmentPrefix = "GREY_REGION_";

    /// <summary>Every key, with whether it is a switch (takes no value on the command line).</summary>
    public static readonly IReadOnlyDictionary<string, bool> Keys = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["region"] = false,
        ["data"] = false,
        ["api"] = false,
        ["nats"] = false,
        ["nats-creds"] = false,
        ["mqtt"] = false,
        ["mqtt-user"] = false,
        ["mqtt-password-file"] = false,
        ["mqtt-embedded"] = false,
        ["peer-regions"] = false,
        ["peer-certs"] = false,
        ["dev"] = true,
        ["admin-token"] = false,
        ["enroll-ca-cert"] = false,
        ["enroll-ca-key"] = false,
        ["ek-roots"] = false,
        ["enroll-tokens"] = false,
        ["ek-allow"] = false,
        ["api-cert"] = false,
        ["api-key"] = false,
        ["api-client-ca"] = false,
        ["config"] = false,
        ["quota-deltas-per-s"] = false,
        ["quota-bytes-per-s"] = false,
        ["quota"] = false,
        ["shard"] = false,
    };

    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: grey-region --region ID --data DIR --api HOST:PORT --nats URL[,URL] [--nats-creds FILE]\n" +
        "                   " + Grey.Region.Daemon.Mqtt.MqttDaemonSettings.Usage + " (--nats, MQTT, or both)\n" +
        "                   [--peer-regions ID,... --peer-certs DIR] [--dev] [--admin-token T] [--config FILE]\n" +
        "                   [--enroll-ca-cert F --enroll-ca-key F --ek-roots F [--enroll-tokens F] [--ek-allow F]]\n" +
        "                   [--api-cert F --api-key F [--api-client-ca F]]\n" +
        "                   " + QuotaAndShardFlags.Usage + "\n" +
        "       grey-region --shard-of SITE --shards N   (prints the shard index of SITE)\n" +
        "environment: GREY_REGION_<KEY> (e.g. GREY_REGION_ADMIN_TOKEN); config file: key = value lines. Flags win over the environment, which wins over the file.\n" +
        "--admin-token (at least 16 characters) is required unless --dev; prefer the environment for it.";

    /// <summary>Parses and validates; returns the options, or null with every error.</summary>
    public static RegionDaemonOptions? Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, Func<string, string> readFile,
        Func<string, bool> fileExists, Func<string, bool> directoryExists, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(readFile);
        ArgumentNullException.ThrowIfNull(fileExists);
        ArgumentNullException.ThrowIfNull(directoryExists);
        errors = [];
        Dictionary<string, string> flags = ParseFlags(args, errors);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string key in Keys.Keys)
        {
            if (environment.TryGetValue(EnvironmentPrefix + key.ToUpperInvariant().Replace('-', '_'), out string? v))
            {
                env[key] = v;
            }
        }

        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        string? configPath = flags.GetValueOrDefault("config") ?? env.GetValueOrDefault("config");
        if (configPath is not null)
        {
            try
            {
                string text = readFile(configPath);
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

        foreach ((string k, string v) in env)
        {
            merged[k] = v;
        }

        foreach ((string k, string v) in flags)
        {
            merged[k] = v;
        }

        RegionDaemonOptions options = Build(merged, readFile, fileExists, directoryExists, errors) with { ConfigFile = configPath };
        return errors.Count == 0 ? options : null;
    }

    private static Dictionary<string, string> ParseFlags(IReadOnlyList<string> args, List<string> errors)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                errors.Add($"unexpected argument '{arg}'");
                continue;
            }

            string name = arg[2..];
            string? inline = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            if (!Keys.TryGetValue(name, out bool isSwitch))
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
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add($"{path}:{lineNumber}: expected 'key = value'");
                continue;
            }

            string key = line[..eq].Trim();
            if (!Keys.ContainsKey(key) || key == "config")
            {
                errors.Add($"{path}:{lineNumber}: unknown key '{key}'");
                continue;
            }

            into[key] = line[(eq + 1)..].Trim();
        }
    }

    private static RegionDaemonOptions Build(Dictionary<string, string> v, Func<string, string> readFile, Func<string, bool> fileExists, Func<string, bool> directoryExists, List<string> errors)
    {
        var o = new RegionDaemonOptions();
        if (!v.TryGetValue("region", out string? region))
        {
            errors.Add("--region is required");
        }
        else if (!FederationId.IsValid(region))
        {
            errors.Add($"--region '{region}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }
        else
        {
            o = o with { Region = region };
        }

        if (!v.TryGetValue("data", out string? data) || data.Length == 0)
        {
            errors.Add("--data is required");
        }
        else
        {
            o = o with { DataDirectory = data };
        }

        if (!v.TryGetValue("api", out string? api))
        {
            errors.Add("--api is required");
        }
        else if (ParseEndPoint(api) is { } apiEndPoint)
        {
            o = o with { Api = apiEndPoint };
        }
        else
        {
            errors.Add($"--api '{api}' must be HOST:PORT with an IP address or localhost (e.g. 127.0.0.1:8480)");
        }

        o = o with { Mqtt = Grey.Region.Daemon.Mqtt.MqttDaemonSettings.Parse(v, fileExists, errors) };
        if (v.TryGetValue("nats", out string? nats) && nats.Length > 0)
        {
            o = o with { NatsUrls = ParseNatsUrls(nats, errors) };
        }
        else if (!v.ContainsKey("mqtt") && !v.ContainsKey("mqtt-embedded"))
        {
            errors.Add("--nats is required (or --mqtt / --mqtt-embedded, or both)");
        }

        if (v.TryGetValue("nats-creds", out string? creds))
        {
            if (!fileExists(creds))
            {
                errors.Add($"--nats-creds: no file {creds}");
            }

            o = o with { NatsCredsFile = creds };
        }

        bool dev = Switch(v, "dev", errors);
        o = o with { Dev = dev };
        if (v.TryGetValue("peer-regions", out string? peers) && peers.Length > 0)
        {
            o = o with { PeerRegions = ParsePeers(peers, o.Region, errors) };
        }

        if (v.TryGetValue("peer-certs", out string? certs))
        {
            if (!directoryExists(certs))
            {
                errors.Add($"--peer-certs: no folder {certs}");
            }
            else
            {
                foreach (string peer in o.PeerRegions.Where(p => !fileExists(Path.Combine(certs, p + ".pem"))))
                {
                    errors.Add($"--peer-certs: no certificate {Path.Combine(certs, peer + ".pem")} for peer region {peer}");
                }
            }

            o = o with { PeerCertsDirectory = certs };
        }
        else if (o.PeerRegions.Count > 0)
        {
            errors.Add("--peer-certs is required with --peer-regions (each peer's certificate as <region>.pem)");
        }

        string? caCert = FileKey(v, "enroll-ca-cert", fileExists, errors);
        string? caKey = FileKey(v, "enroll-ca-key", fileExists, errors);
        string? ekRoots = FileKey(v, "ek-roots", fileExists, errors);
        string? tokens = FileKey(v, "enroll-tokens", fileExists, errors);
        if ((caCert is null) != (caKey is null) || (caCert is null) != (ekRoots is null))
        {
            errors.Add("--enroll-ca-cert, --enroll-ca-key and --ek-roots go together (production enrollment needs all three)");
        }
        else if (caCert is null && tokens is not null)
        {
            errors.Add("--enroll-tokens needs --enroll-ca-cert, --enroll-ca-key and --ek-roots");
        }

        string? ekAllow = FileKey(v, "ek-allow", fileExists, errors);
        if (ekAllow is not null && caCert is null)
        {
            errors.Add("--ek-allow needs --enroll-ca-cert, --enroll-ca-key and --ek-roots");
        }

        IReadOnlySet<string> allowed = ekAllow is not null && fileExists(ekAllow) ? ReadEkAllowList(ekAllow, readFile, errors) : new HashSet<string>(StringComparer.Ordinal);
        o = o with { EnrollCaCertFile = caCert, EnrollCaKeyFile = caKey, EkRootsFile = ekRoots, EnrollTokensFile = tokens, EkAllowFile = ekAllow, AllowedEkFingerprints = allowed };
        string? apiCert = FileKey(v, "api-cert", fileExists, errors);
        string? apiKey = FileKey(v, "api-key", fileExists, errors);
        string? clientCa = FileKey(v, "api-client-ca", fileExists, errors);
        if ((apiCert is null) != (apiKey is null))
        {
            errors.Add("--api-cert and --api-key go together (HTTPS needs the certificate and its key)");
        }
        else if (apiCert is null && clientCa is not null)
        {
            errors.Add("--api-client-ca needs --api-cert and --api-key (client certificates are only sent over HTTPS)");
        }

        o = o with { ApiCertFile = apiCert, ApiKeyFile = apiKey, ApiClientCaFile = clientCa };
        o = QuotaAndShardFlags.Apply(v, o, errors);
        if (v.TryGetValue("admin-token", out string? token))
        {
            if (token.Length < MinAdminTokenLength)
            {
                errors.Add($"--admin-token must be at least {MinAdminTokenLength} characters");
            }
            else if (token.Any(char.IsWhiteSpace))
            {
                errors.Add("--admin-token must not contain white space");
            }

            o = o with { AdminToken = token };
        }
        else if (!dev)
        {
            errors.Add("--admin-token is required unless --dev (GREY_REGION_ADMIN_TOKEN keeps it out of the process list)");
        }

        return o;
    }

    /// <summary>
    /// The EK allow-list: one SHA-256 fingerprint of an EK certificate's DER per line (64 hex digits, either case,
    /// optionally in pairs separated by ':' as <c>openssl x509 -fingerprint -sha256</c> prints them), <c>#</c>
    /// starting a comment anywhere on a line. Every bad line is reported with its number.
    /// </summary>
    internal static HashSet<string> ReadEkAllowList(string path, Func<string, string> readFile, List<string> errors)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = readFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"--ek-allow {path}: {e.Message}");
            return allowed;
        }

        if (text.Length > MaxEkAllowFileBytes)
        {
            errors.Add($"--ek-allow {path} is larger than {MaxEkAllowFileBytes} bytes");
            return allowed;
        }

        int lineNumber = 0;
        int bad = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string hex = line.Length == 95 && line.Where((c, i) => i % 3 == 2).All(c => c == ':') ? line.Replace(":", string.Empty, StringComparison.Ordinal) : line;
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                // Only the first few bad lines are listed (a wrong file would flood the output), and never their text:
                // a private key named by mistake must not reach the log.
                if (++bad <= 10)
                {
                    errors.Add($"--ek-allow {path}:{lineNumber}: not a SHA-256 fingerprint ({line.Length} characters; 64 hex digits expected, optionally as pairs separated by ':')");
                }

                continue;
            }

            allowed.Add(hex.ToLowerInvariant());
            if (allowed.Count > MaxEkAllowEntries)
            {
                errors.Add($"--ek-allow {path}:{lineNumber}: more than {MaxEkAllowEntries} fingerprints");
                return allowed;
            }
        }

        if (bad > 10)
        {
            errors.Add($"--ek-allow {path}: {bad - 10} more lines are not fingerprints");
        }

        return allowed;
    }

    private static string? FileKey(Dictionary<string, string> v, string key, Func<string, bool> fileExists, List<string> errors)
    {
        if (!v.TryGetValue(key, out string? path))
        {
            return null;
        }

        if (!fileExists(path))
        {
            errors.Add($"--{key}: no file {path}");
        }

        return path;
    }

    private static bool Switch(Dictionary<string, string> v, string key, List<string> errors)
    {
        if (!v.TryGetValue(key, out string? s))
        {
            return false;
        }

        if (bool.TryParse(s, out bool b))
        {
            return b;
        }

        errors.Add($"--{key} takes true or false, was '{s}'");
        return false;
    }

    private static IPEndPoint? ParseEndPoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon > 0 && text[..colon] == "localhost" && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            && port is >= 0 and <= 65535)
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPEndPoint.TryParse(text, out IPEndPoint? ep) && colon > 0 ? ep : null;
    }

    private static List<string> ParseNatsUrls(string text, List<string> errors)
    {
        var urls = new List<string>();
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > MaxNatsUrls)
        {
            errors.Add($"--nats lists {parts.Length} URLs, at most {MaxNatsUrls}");
            return urls;
        }

        foreach (string part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0 || uri.Port <= 0)
            {
                errors.Add($"--nats '{part}' must be nats://HOST:PORT or tls://HOST:PORT");
            }
            else if (uri.UserInfo.Length > 0)
            {
                errors.Add($"--nats '{uri.Scheme}://{uri.Host}:{uri.Port}' must not carry credentials in the URL; use --nats-creds");
            }
            else
            {
                urls.Add(part);
            }
        }

        return urls;
    }

    private static List<string> ParsePeers(string text, string self, List<string> errors)
    {
        var peers = new List<string>();
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxPeerRegions)
        {
            errors.Add($"--peer-regions lists {parts.Length} regions, at most {MaxPeerRegions}");
            return peers;
        }

        foreach (string p in parts)
        {
            if (!FederationId.IsValid(p))
            {
                errors.Add($"--peer-regions: '{p}' is not a valid region id");
            }
            else if (p == self)
            {
                errors.Add($"--peer-regions must not name this region ({p})");
            }
            else if (peers.Contains(p))
            {
                errors.Add($"--peer-regions names {p} twice");
            }
            else
            {
                peers.Add(p);
            }
        }

        return peers;
    }
}

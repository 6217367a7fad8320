using System.Net;

namespace Grey.Region.Daemon.Config;

/// <summary>
/// Everything <c>grey-region</c> is started with, after merging the config file, the environment and the flags (in
/// that order of increasing precedence). Immutable; <see cref="RegionOptionsParser"/> validates it.
/// </summary>
internal sealed record RegionDaemonOptions
{
    /// <summary>This region's id.</summary>
    public string Region { get; init; } = string.Empty;

    /// <summary>The data directory: the region store, the region's key and certificate, the registry journal.</summary>
    public string DataDirectory { get; init; } = string.Empty;

    /// <summary>Where the HTTP API listens.</summary>
    public IPEndPoint? Api { get; init; }

    /// <summary>The NATS server URLs (one or more, tried in turn by the client).</summary>
    public IReadOnlyList<string> NatsUrls { get; init; } = [];

    /// <summary>A NATS credentials file (<c>.creds</c>, JWT and nkey seed), or null for none. Never logged.</summary>
    public string? NatsCredsFile { get; init; }

    /// <summary>The MQTT link (<c>--mqtt</c> or <c>--mqtt-embedded</c>), or null without MQTT.</summary>
    public Grey.Region.Daemon.Mqtt.MqttDaemonSettings? Mqtt { get; init; }

    /// <summary>The peer regions whose region deltas this region joins.</summary>
    public IReadOnlyList<string> PeerRegions { get; init; } = [];

    /// <summary>The folder holding each peer region's certificate as <c>&lt;region&gt;.pem</c> (required with peers).</summary>
    public string? PeerCertsDirectory { get; init; }

    /// <summary>Development mode: reads need no token, the built-in development CAs are trusted.</summary>
    public bool Dev { get; init; }

    /// <summary>The admin bearer token (mutations; reads too outside development mode). Never logged.</summary>
    public string? AdminToken { get; init; }

    /// <summary>The enrollment CA certificate (PEM) outside <c>--dev</c>; with <see cref="EnrollCaKeyFile"/> and <see cref="EkRootsFile"/> it turns enrollment on.</summary>
    public string? EnrollCaCertFile { get; init; }

    /// <summary>The enrollment CA private key (PEM). Never logged.</summary>
    public string? EnrollCaKeyFile { get; init; }

    /// <summary>The EK manufacturer roots (a PEM bundle) nodes' EK certificates must chain to.</summary>
    public string? EkRootsFile { get; init; }

    /// <summary>A file of enrollment tokens, one per line (<c>#</c> comments). Never logged.</summary>
    public string? EnrollTokensFile { get; init; }

    /// <summary>The EK allow-list file read (<c>--ek-allow</c>), or null.</summary>
    public string? EkAllowFile { get; init; }

    /// <summary>
    /// EKs that enroll without a token: lower-case hex SHA-256 of each EK certificate's DER, as
    /// <c>EnrollmentServiceOptions.AllowedEkFingerprints</c> takes them. Read from <see cref="EkAllowFile"/>.
    /// </summary>
    public IReadOnlySet<string> AllowedEkFingerprints { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The API's TLS certificate (PEM); with <see cref="ApiKeyFile"/> the API serves HTTPS instead of HTTP.</summary>
    public string? ApiCertFile { get; init; }

    /// <summary>The API certificate's private key (PEM). Never logged.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>
    /// A CA certificate (PEM, one or more) for client certificates: over HTTPS, a client certificate chaining to it
    /// counts as the admin, like the bearer token. Null: only the token authenticates.
    /// </summary>
    public string? ApiClientCaFile { get; init; }

    /// <summary>Whether nodes can enroll over NATS (always under <c>--dev</c>; outside it, with the CA and EK roots).</summary>
    public bool EnrollmentEnabled => Dev || EnrollCaCertFile is not null;

    /// <summary>Per-site quotas (<c>--quota-deltas-per-s</c>, <c>--quota-bytes-per-s</c>, <c>--quota</c>).</summary>
    public Grey.Region.Quotas.QuotaOptions Quotas { get; init; } = Grey.Region.Quotas.QuotaOptions.Unlimited;

    /// <summary>Which sites this process serves (<c>--shard I/N</c>, default 0/1: all).</summary>
    public Grey.Region.Daemon.Sharding.ShardAssignment Shard { get; init; } = Grey.Region.Daemon.Sharding.ShardAssignment.Single;

    /// <summary>The config file read, if any.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>A redacted one-line description for the start-up log (no token, no credentials).</summary>
    public override string ToString() =>
        $"region {Region}, data {DataDirectory}, api {Api}, nats {(NatsUrls.Count == 0 ? "off" : string.Join(",", NatsUrls))}, {Mqtt?.ToString() ?? "mqtt off"}, creds {(NatsCredsFile is null ? "none" : "file")}, " +
        $"peers [{string.Join(",", PeerRegions)}], dev {Dev}, enrollment {(EnrollmentEnabled ? "on" : "off")}, ek allow-list {AllowedEkFingerprints.Count}, admin token {(AdminToken is null ? "none" : "set")}, " +
        $"api tls {(ApiCertFile is null ? "off" : "on")}, client certificates {(ApiClientCaFile is null ? "off" : "on")}, " +
        $"shard {Shard}, quota {Quotas.Default} per site ({Quotas.Overrides.Count} overrides)";
}

using System.Net;

namespace Grey.Edge.Daemon.Config;

/// <summary>
/// Everything <c>grey-edge</c> is started with, after merging the config file, the environment and the flags
/// (in that order of increasing precedence). Immutable; <see cref="OptionsParser"/> validates it.
/// </summary>
internal sealed record DaemonOptions
{
    /// <summary>This node's Raft id (a positive integer); its origin name in the chain is "n" + id.</summary>
    public ulong NodeId { get; init; }

    /// <summary>The site id.</summary>
    public string Site { get; init; } = string.Empty;

    /// <summary>The data directory (WAL and snapshots).</summary>
    public string DataDirectory { get; init; } = string.Empty;

    /// <summary>Where the HTTP API listens.</summary>
    public IPEndPoint? Api { get; init; }

    /// <summary>The API address other members forward writes to (default: http(s)://api host:port).</summary>
    public string? ApiAdvertise { get; init; }

    /// <summary>Where peers connect (required with peers).</summary>
    public IPEndPoint? PeerListen { get; init; }

    /// <summary>Every member of the site (itself included) with its peer address; empty: a one-node site.</summary>
    public IReadOnlyDictionary<ulong, DnsEndPoint> Peers { get; init; } = new Dictionary<ulong, DnsEndPoint>();

    /// <summary>Plaintext between peers (otherwise mutual TLS with the files below).</summary>
    public bool Insecure { get; init; }

    /// <summary>Join an existing site (start empty; the leader adds this node as a learner).</summary>
    public bool Join { get; init; }

    /// <summary>
    /// Log link, enrollment and attestation events (information level) when a region is set. Hosts that run many
    /// nodes in one console (greyctl dev) turn it off and print their own summary; warnings are always logged.
    /// Not a flag: set by in-process hosts only.
    /// </summary>
    public bool LogLinkEvents { get; init; } = true;

    /// <summary>PEM certificate of this node for peer mTLS.</summary>
    public string? PeerCertFile { get; init; }

    /// <summary>PEM private key of that certificate.</summary>
    public string? PeerKeyFile { get; init; }

    /// <summary>PEM certificate of the site CA that signs every node certificate.</summary>
    public string? PeerCaFile { get; init; }

    /// <summary>PEM certificate for HTTPS on the API (optional).</summary>
    public string? ApiCertFile { get; init; }

    /// <summary>PEM private key for HTTPS on the API.</summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>Milliseconds per Raft tick (default 100).</summary>
    public int TickMs { get; init; } = 100;

    /// <summary>Ticks before a follower campaigns (default 10).</summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>Applied entries between snapshots (default 10 000).</summary>
    public ulong SnapshotEntries { get; init; } = 10_000;

    /// <summary>Milliseconds a write or linearizable read may wait (default 5000).</summary>
    public int RequestTimeoutMs { get; init; } = 5000;

    /// <summary>The home region (<c>--region</c>); null: standalone, no uplink, no attestation, no outbox.</summary>
    public string? Region { get; init; }

    /// <summary>NATS server URLs, comma-separated (<c>--nats</c>); with <see cref="Region"/>, this or <see cref="MqttUrl"/> (or both).</summary>
    public string? NatsUrls { get; init; }

    /// <summary>The site's NATS credentials file (<c>--nats-creds</c>): .creds, nkey seed, or user/password lines.</summary>
    public string? NatsCredsFile { get; init; }

    /// <summary>A PEM CA bundle for <c>tls://</c> NATS URLs (<c>--nats-ca</c>); null: the system store.</summary>
    public string? NatsCaFile { get; init; }

    /// <summary>The MQTT broker (<c>--mqtt</c>): <c>mqtt://HOST:PORT</c> or <c>mqtts://HOST:PORT</c>; with <see cref="NatsUrls"/> the fallback.</summary>
    public string? MqttUrl { get; init; }

    /// <summary>A PEM CA bundle for an <c>mqtts://</c> broker (<c>--mqtt-ca</c>); null: the system store.</summary>
    public string? MqttCaFile { get; init; }

    /// <summary>The MQTT user name (<c>--mqtt-user</c>, with <see cref="MqttPasswordFile"/>).</summary>
    public string? MqttUser { get; init; }

    /// <summary>A file whose first line is the MQTT password (<c>--mqtt-password-file</c>); never read here, never logged.</summary>
    public string? MqttPasswordFile { get; init; }

    /// <summary>The MQTT client certificate (<c>--mqtt-cert</c>): PEM (with its key unless <see cref="MqttKeyFile"/>) or PKCS#12.</summary>
    public string? MqttCertFile { get; init; }

    /// <summary>The PEM private key of <see cref="MqttCertFile"/> when it is a separate file (<c>--mqtt-key</c>).</summary>
    public string? MqttKeyFile { get; init; }

    /// <summary>Where devices connect (<c>--device-mqtt HOST:PORT</c>); null: no device listener.</summary>
    public string? DeviceMqtt { get; init; }

    /// <summary>The device users file (<c>--device-users</c>: name:pbkdf2 hash lines).</summary>
    public string? DeviceUsersFile { get; init; }

    /// <summary>The device listener's TLS certificate (<c>--device-cert</c>: PEM with key, or PKCS#12).</summary>
    public string? DeviceCertFile { get; init; }

    /// <summary>The CA that signs device client certificates (<c>--device-ca</c>, PEM; needs <see cref="DeviceCertFile"/>).</summary>
    public string? DeviceCaFile { get; init; }

    /// <summary>The TPM (<c>--tpm</c>): <c>soft</c> (default; state under <c>--data</c>/tpm), <c>swtpm:HOST:PORT</c> or <c>device</c>.</summary>
    public string Tpm { get; init; } = "soft";

    /// <summary>The enrollment token for a first enrollment (<c>--enroll-token</c>); never logged.</summary>
    public string? EnrollToken { get; init; }

    /// <summary>A region CA certificate to pin instead of trusting the first one the region presents (<c>--region-ca</c>).</summary>
    public string? RegionCaFile { get; init; }

    /// <summary>The config file that was read, if any.</summary>
    public string? ConfigFile { get; init; }
}

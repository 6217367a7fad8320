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

    /// <summary>NATS server URLs, comma-separated (<c>--nats</c>); required with <see cref="Region"/>.</summary>
    public string? NatsUrls { get; init; }

    /// <summary>The site's NATS credentials file (<c>--nats-creds</c>): .creds, nkey seed, or user/password lines.</summary>
    public string? NatsCredsFile { get; init; }

    /// <summary>A PEM CA bundle for <c>tls://</c> NATS URLs (<c>--nats-ca</c>); null: the system store.</summary>
    public string? NatsCaFile { get; init; }

    /// <summary>The TPM (<c>--tpm</c>): <c>soft</c> (default; state under <c>--data</c>/tpm), <c>swtpm:HOST:PORT</c> or <c>device</c>.</summary>
    public string Tpm { get; init; } = "soft";

    /// <summary>The enrollment token for a first enrollment (<c>--enroll-token</c>); never logged.</summary>
    public string? EnrollToken { get; init; }

    /// <summary>A region CA certificate to pin instead of trusting the first one the region presents (<c>--region-ca</c>).</summary>
    public string? RegionCaFile { get; init; }

    /// <summary>The config file that was read, if any.</summary>
    public string? ConfigFile { get; init; }
}

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

    /// <summary>The config file that was read, if any.</summary>
    public string? ConfigFile { get; init; }
}

using System.Net;
using Grey.Edge.Transport.Protocol;
using Grey.Edge.Transport.Security;

namespace Grey.Edge.Transport;

/// <summary>
/// Settings of the TCP peer transport. Every queue, size, timeout and retry has a named, documented default;
/// <see cref="Validate"/> reports every problem at once and the transport refuses to start on any.
/// </summary>
internal sealed record PeerTransportOptions
{
    /// <summary>This node's id (non-zero).</summary>
    public required ulong NodeId { get; init; }

    /// <summary>This node's site; a peer of another site is refused.</summary>
    public required string SiteId { get; init; }

    /// <summary>Where to accept connections from peers with lower ids (port 0 picks a free port).</summary>
    public required IPEndPoint ListenEndpoint { get; init; }

    /// <summary>
    /// Every other member of the site and its address. The node with the lower id dials, so only peers with
    /// ids above <see cref="NodeId"/> need an address; a null address marks a member that dials us.
    /// </summary>
    public required IReadOnlyDictionary<ulong, EndPoint?> Peers { get; init; }

    /// <summary>Mutual TLS settings; required unless <see cref="Insecure"/> is set.</summary>
    public TransportSecurity? Security { get; init; }

    /// <summary>Plaintext TCP; only when asked for explicitly (<c>--insecure</c>).</summary>
    public bool Insecure { get; init; }

    /// <summary>Messages waiting per peer before further sends are dropped and reported: 1024.</summary>
    public int SendQueueCapacity { get; init; } = 1024;

    /// <summary>Decoded messages waiting for the node before the transport stops reading sockets: 4096.</summary>
    public int ReceiveQueueCapacity { get; init; } = 4096;

    /// <summary>A connection idle for this long sends a heartbeat frame: 500 ms.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A connection that received nothing (not even a heartbeat) for this long is closed: 3 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Time for a TCP connect: 3 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Time for the TLS and Grey handshakes of a new connection: 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Back-off after the first failed dial: 50 ms.</summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest back-off between dials: 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest random fraction taken off a back-off delay: 0.5.</summary>
    public double ReconnectJitter { get; init; } = 0.5;

    /// <summary>Accepted connections still in their handshake at once; more are closed at once: 64.</summary>
    public int MaxPendingHandshakes { get; init; } = 64;

    /// <summary>Bytes of encoded frames gathered before a write to the socket: 64 KiB.</summary>
    public int WriteBatchBytes { get; init; } = 64 * 1024;

    /// <summary>The protocol version this node offers (tests set the previous one to act as an old node).</summary>
    public byte ProtocolVersion { get; init; } = Protocol.ProtocolVersion.Current;

    /// <summary>The clock for heartbeats, idle detection, timeouts and back-off.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The seeded random source of the back-off jitter.</summary>
    public required Random Random { get; init; }

    /// <summary>Every problem with these options; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (NodeId == 0)
        {
            errors.Add("NodeId must not be 0");
        }

        if (!HandshakeCodec.IsValidSiteId(SiteId))
        {
            errors.Add($"SiteId '{SiteId}' must match [a-z0-9][a-z0-9-]{{0,62}}");
        }

        if (ListenEndpoint is null)
        {
            errors.Add("ListenEndpoint is required");
        }

        if (Peers is null)
        {
            errors.Add("Peers is required");
        }
        else
        {
            foreach (var (id, endpoint) in Peers)
            {
                if (id == 0 || id == NodeId)
                {
                    errors.Add($"Peers must not contain node id {id} (zero or this node)");
                }
                else if (id > NodeId && endpoint is null)
                {
                    errors.Add($"peer {id} needs an address: this node dials every peer with a higher id");
                }
            }
        }

        if (Security is null && !Insecure)
        {
            errors.Add("Security (mutual TLS) is required unless Insecure is set explicitly");
        }

        if (Security is not null && Insecure)
        {
            errors.Add("Security and Insecure are mutually exclusive");
        }

        Positive(errors, SendQueueCapacity, nameof(SendQueueCapacity));
        Positive(errors, ReceiveQueueCapacity, nameof(ReceiveQueueCapacity));
        Positive(errors, MaxPendingHandshakes, nameof(MaxPendingHandshakes));
        Positive(errors, WriteBatchBytes, nameof(WriteBatchBytes));
        Positive(errors, HeartbeatInterval, nameof(HeartbeatInterval));
        Positive(errors, ConnectTimeout, nameof(ConnectTimeout));
        Positive(errors, HandshakeTimeout, nameof(HandshakeTimeout));
        Positive(errors, ReconnectInitialDelay, nameof(ReconnectInitialDelay));
        if (IdleTimeout <= HeartbeatInterval)
        {
            errors.Add($"IdleTimeout ({IdleTimeout}) must exceed HeartbeatInterval ({HeartbeatInterval})");
        }

        if (ReconnectMaxDelay < ReconnectInitialDelay)
        {
            errors.Add($"ReconnectMaxDelay ({ReconnectMaxDelay}) must be at least ReconnectInitialDelay ({ReconnectInitialDelay})");
        }

        if (ReconnectJitter is < 0 or > 1 || double.IsNaN(ReconnectJitter))
        {
            errors.Add($"ReconnectJitter ({ReconnectJitter}) must be in [0, 1]");
        }

        if (!Protocol.ProtocolVersion.IsSupported(ProtocolVersion))
        {
            errors.Add($"ProtocolVersion {ProtocolVersion} is not supported");
        }

        if (Time is null)
        {
            errors.Add("Time is required");
        }

        if (Random is null)
        {
            errors.Add("Random is required (seeded)");
        }

        return errors;
    }

    private static void Positive(List<string> errors, int value, string name)
    {
        if (value <= 0)
        {
            errors.Add($"{name} must be positive, got {value}");
        }
    }

    private static void Positive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive, got {value}");
        }
    }
}

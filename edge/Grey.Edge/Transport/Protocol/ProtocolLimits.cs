namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// The hard limits of the wire format. A decoder checks each one before it allocates or reads what the
/// limit bounds, so a hostile or damaged length field costs nothing.
/// </summary>
internal static class ProtocolLimits
{
    /// <summary>Header bytes: magic (2), version (1), frame type (1), payload length (4).</summary>
    public const int HeaderSize = 8;

    /// <summary>Trailer bytes: the CRC-32C of header and payload.</summary>
    public const int TrailerSize = 4;

    /// <summary>The first magic byte, ASCII 'G'.</summary>
    public const byte Magic0 = 0x47;

    /// <summary>The second magic byte, ASCII 'Y'.</summary>
    public const byte Magic1 = 0x59;

    /// <summary>
    /// The largest payload of a <see cref="FrameType.Message"/> frame: 8 MiB. Raft's MaxSizePerMsg (1 MiB by
    /// default) lets a single entry of up to MaxEntrySize (1 MiB) travel alone, so an Append stays far below this.
    /// </summary>
    public const int MaxMessageFrameBytes = 8 * 1024 * 1024;

    /// <summary>
    /// The largest payload of a <see cref="FrameType.SnapshotMessage"/> frame: 256 MiB. A snapshot travels as
    /// one frame (no chunking), so this bounds the state machine a site can hold; a larger snapshot is
    /// refused at the sender and reported to Raft as a failed snapshot.
    /// </summary>
    public const int MaxSnapshotFrameBytes = 256 * 1024 * 1024;

    /// <summary>The largest payload of a handshake, refusal or heartbeat frame: 1 KiB.</summary>
    public const int MaxControlFrameBytes = 1024;

    /// <summary>
    /// The most entries one message may carry: 65 536. Raft charges 24 bytes per entry against MaxSizePerMsg
    /// (1 MiB), so it never produces more than about 43 700 entries per Append.
    /// </summary>
    public const int MaxEntriesPerMessage = 65_536;

    /// <summary>The largest message context (a ReadIndex request id): 64 KiB.</summary>
    public const int MaxContextBytes = 64 * 1024;

    /// <summary>The most node ids in each list of a snapshot's configuration (Raft's own membership limit).</summary>
    public const int MaxConfStateMembers = Grey.Raft.ConfChange.MaxChanges;

    /// <summary>The most UTF-8 bytes of a refusal's reason text.</summary>
    public const int MaxRefusalTextBytes = 512;

    /// <summary>The largest payload allowed for a frame type.</summary>
    public static int MaxPayloadBytes(FrameType type) => type switch
    {
        FrameType.Message => MaxMessageFrameBytes,
        FrameType.SnapshotMessage => MaxSnapshotFrameBytes,
        _ => MaxControlFrameBytes,
    };
}

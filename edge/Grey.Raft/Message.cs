namespace Grey.Raft;

/// <summary>
/// A message between nodes of one group. Which fields matter depends on <see cref="Type"/>; unused fields
/// keep their defaults.
/// </summary>
public sealed record Message
{
    /// <summary>The message kind.</summary>
    public MessageType Type { get; init; }

    /// <summary>The sender's id.</summary>
    public ulong From { get; init; }

    /// <summary>The recipient's id.</summary>
    public ulong To { get; init; }

    /// <summary>The sender's term (0 for local messages).</summary>
    public ulong Term { get; init; }

    /// <summary>The term of the entry at <see cref="Index"/> (or, in a rejection, at the hint).</summary>
    public ulong LogTerm { get; init; }

    /// <summary>A log index whose meaning depends on the type.</summary>
    public ulong Index { get; init; }

    /// <summary>The entries carried by an Append.</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>The sender's commit index.</summary>
    public ulong Commit { get; init; }

    /// <summary>True when the answer refuses the request.</summary>
    public bool Reject { get; init; }

    /// <summary>In a rejected AppendResponse: the index the leader should probe next.</summary>
    public ulong RejectHint { get; init; }

    /// <summary>The snapshot carried by a <see cref="MessageType.Snapshot"/> message.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Opaque bytes: the read request context, or the campaign kind of a forced election.</summary>
    public ReadOnlyMemory<byte> Context { get; init; }
}

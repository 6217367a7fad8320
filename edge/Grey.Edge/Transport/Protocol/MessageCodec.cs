using Grey.Raft;

namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// The hand-written binary form of a <see cref="Message"/> (the payload of Message and SnapshotMessage frames),
/// little-endian, every field fixed-width; docs/TRANSPORT.md lays it out byte by byte. The decoder checks
/// structure and limits only: Raft's own <c>Step</c> checks the meaning (entries consecutive, terms in order).
/// </summary>
internal static class MessageCodec
{
    /// <summary>Bytes before the context: type, seven 64-bit fields, flags.</summary>
    internal const int FixedSize = 1 + (7 * 8) + 1;

    /// <summary>Bytes of an entry before its data: term, index, kind, data length.</summary>
    internal const int EntryHeaderSize = 8 + 8 + 1 + 4;

    private const byte FlagReject = 0x01;
    private const byte FlagSnapshot = 0x02;
    private const byte KnownFlags = FlagReject | FlagSnapshot;

    /// <summary>True for the message types that travel between nodes; local types never do.</summary>
    public static bool IsNetworkType(MessageType type) =>
        type is >= MessageType.PreVote and <= MessageType.TransferLeader;

    /// <summary>
    /// The encoded size of <paramref name="m"/> in <paramref name="version"/>, or an error when the message
    /// cannot be carried (a local type, a limit exceeded, a field the version cannot express).
    /// </summary>
    public static string? TryGetEncodedSize(Message m, byte version, out long size)
    {
        ArgumentNullException.ThrowIfNull(m);
        size = 0;
        if (!ProtocolVersion.IsSupported(version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "unsupported protocol version");
        }

        if (!IsNetworkType(m.Type))
        {
            return $"{m.Type} is a local message type and never travels";
        }

        if (m.Context.Length > ProtocolLimits.MaxContextBytes)
        {
            return $"context of {m.Context.Length} bytes exceeds the limit of {ProtocolLimits.MaxContextBytes}";
        }

        if (m.Entries.Count > ProtocolLimits.MaxEntriesPerMessage)
        {
            return $"{m.Entries.Count} entries exceed the limit of {ProtocolLimits.MaxEntriesPerMessage}";
        }

        if ((m.Snapshot is not null) != (m.Type == MessageType.Snapshot))
        {
            return m.Snapshot is null ? "a Snapshot message without a snapshot" : $"{m.Type} must not carry a snapshot";
        }

        long total = FixedSize + 4 + m.Context.Length + 4;
        foreach (var e in m.Entries)
        {
            total += EntryHeaderSize + e.Data.Length;
        }

        if (m.Snapshot is { } s)
        {
            var cs = s.Metadata.ConfState;
            if (cs.Voters.Count > ProtocolLimits.MaxConfStateMembers || cs.Learners.Count > ProtocolLimits.MaxConfStateMembers
                || cs.VotersOutgoing.Count > ProtocolLimits.MaxConfStateMembers || cs.LearnersNext.Count > ProtocolLimits.MaxConfStateMembers)
            {
                return $"a snapshot configuration list exceeds {ProtocolLimits.MaxConfStateMembers} members";
            }

            if (version < 2 && (cs.LearnersNext.Count > 0 || cs.AutoLeave))
            {
                return $"protocol v{version} cannot carry a joint configuration's LearnersNext or AutoLeave";
            }

            total += 8 + 8 + (2 * 3) + (8L * (cs.Voters.Count + cs.Learners.Count + cs.VotersOutgoing.Count));
            if (version >= 2)
            {
                total += 2 + (8L * cs.LearnersNext.Count) + 1;
            }

            total += 4 + s.Data.Length;
        }

        size = total;
        return null;
    }

    /// <summary>Writes <paramref name="m"/>; <paramref name="destination"/> must be exactly the size from <see cref="TryGetEncodedSize"/>.</summary>
    public static void Write(Span<byte> destination, Message m, byte version)
    {
        var w = new WireWriter(destination);
        w.WriteByte((byte)m.Type);
        w.WriteUInt64(m.From);
        w.WriteUInt64(m.To);
        w.WriteUInt64(m.Term);
        w.WriteUInt64(m.LogTerm);
        w.WriteUInt64(m.Index);
        w.WriteUInt64(m.Commit);
        w.WriteUInt64(m.RejectHint);
        w.WriteByte((byte)((m.Reject ? FlagReject : 0) | (m.Snapshot is not null ? FlagSnapshot : 0)));
        w.WriteUInt32((uint)m.Context.Length);
        w.WriteBytes(m.Context.Span);
        w.WriteUInt32((uint)m.Entries.Count);
        foreach (var e in m.Entries)
        {
            w.WriteUInt64(e.Term);
            w.WriteUInt64(e.Index);
            w.WriteByte((byte)e.Kind);
            w.WriteUInt32((uint)e.Data.Length);
            w.WriteBytes(e.Data.Span);
        }

        if (m.Snapshot is { } s)
        {
            w.WriteUInt64(s.Metadata.Index);
            w.WriteUInt64(s.Metadata.Term);
            var cs = s.Metadata.ConfState;
            WriteIds(ref w, cs.Voters);
            WriteIds(ref w, cs.Learners);
            WriteIds(ref w, cs.VotersOutgoing);
            if (version >= 2)
            {
                WriteIds(ref w, cs.LearnersNext);
                w.WriteByte(cs.AutoLeave ? (byte)1 : (byte)0);
            }

            w.WriteUInt32((uint)s.Data.Length);
            w.WriteBytes(s.Data.Span);
        }

        if (w.Written != destination.Length)
        {
            throw new InvalidOperationException($"message codec wrote {w.Written} bytes into a buffer of {destination.Length}");
        }
    }

    /// <summary>
    /// Decodes a message payload of <paramref name="version"/>. Entry, context and snapshot bytes share
    /// <paramref name="payload"/>'s buffer (no copies), so the caller must hand over a buffer it no longer reuses.
    /// </summary>
    public static DecodeError? TryDecode(ReadOnlyMemory<byte> payload, byte version, out Message? message)
    {
        message = null;
        var r = new WireReader(payload);
        if (r.Remaining < FixedSize + 4)
        {
            return Truncated(r, "the fixed message fields");
        }

        r.TryReadByte(out var typeByte);
        var type = (MessageType)typeByte;
        if (!Enum.IsDefined(type) || !IsNetworkType(type))
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"message type {typeByte} is not a network message type");
        }

        r.TryReadUInt64(out var from);
        r.TryReadUInt64(out var to);
        r.TryReadUInt64(out var term);
        r.TryReadUInt64(out var logTerm);
        r.TryReadUInt64(out var index);
        r.TryReadUInt64(out var commit);
        r.TryReadUInt64(out var rejectHint);
        r.TryReadByte(out var flags);
        if ((flags & ~KnownFlags) != 0)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"unknown flag bits 0x{flags & ~KnownFlags:x2} at offset {r.Position - 1}");
        }

        var hasSnapshot = (flags & FlagSnapshot) != 0;
        if (hasSnapshot != (type == MessageType.Snapshot))
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, hasSnapshot ? $"{type} message carries a snapshot" : "Snapshot message without a snapshot");
        }

        r.TryReadUInt32(out var contextLength);
        if (contextLength > ProtocolLimits.MaxContextBytes)
        {
            return new DecodeError(DecodeErrorCode.LimitExceeded, $"context of {contextLength} bytes exceeds the limit of {ProtocolLimits.MaxContextBytes}");
        }

        if (!r.TryReadBytes((int)contextLength, out var context))
        {
            return Truncated(r, $"a context of {contextLength} bytes");
        }

        if (!r.TryReadUInt32(out var entryCount))
        {
            return Truncated(r, "the entry count");
        }

        if (entryCount > ProtocolLimits.MaxEntriesPerMessage)
        {
            return new DecodeError(DecodeErrorCode.LimitExceeded, $"{entryCount} entries exceed the limit of {ProtocolLimits.MaxEntriesPerMessage}");
        }

        // Checked before the list is allocated: a count the payload cannot hold costs nothing.
        if ((long)entryCount * EntryHeaderSize > r.Remaining)
        {
            return Truncated(r, $"{entryCount} entries of at least {EntryHeaderSize} bytes each");
        }

        var entries = entryCount == 0 ? (IReadOnlyList<Entry>)[] : new Entry[entryCount];
        for (var i = 0; i < entryCount; i++)
        {
            // Checked per entry too: the data of earlier entries may have used up what the count check saw.
            if (r.Remaining < EntryHeaderSize)
            {
                return Truncated(r, $"the header of entry {i}");
            }

            r.TryReadUInt64(out var eTerm);
            r.TryReadUInt64(out var eIndex);
            r.TryReadByte(out var kindByte);
            r.TryReadUInt32(out var dataLength);
            var kind = (EntryKind)kindByte;
            if (!Enum.IsDefined(kind))
            {
                return new DecodeError(DecodeErrorCode.MalformedPayload, $"entry {i} has unknown kind {kindByte}");
            }

            if (dataLength > (uint)r.Remaining || !r.TryReadBytes((int)dataLength, out var data))
            {
                return Truncated(r, $"entry {i} data of {dataLength} bytes");
            }

            ((Entry[])entries)[i] = new Entry(eTerm, eIndex, kind, data);
        }

        Snapshot? snapshot = null;
        if (hasSnapshot)
        {
            var error = TryReadSnapshot(ref r, version, out snapshot);
            if (error is not null)
            {
                return error;
            }
        }

        if (r.Remaining != 0)
        {
            return new DecodeError(DecodeErrorCode.MalformedPayload, $"{r.Remaining} trailing bytes after the message at offset {r.Position}");
        }

        message = new Message
        {
            Type = type,
            From = from,
            To = to,
            Term = term,
            LogTerm = logTerm,
            Index = index,
            Commit = commit,
            RejectHint = rejectHint,
            Reject = (flags & FlagReject) != 0,
            Context = context,
            Entries = entries,
            Snapshot = snapshot,
        };
        return null;
    }

    private static DecodeError? TryReadSnapshot(ref WireReader r, byte version, out Snapshot? snapshot)
    {
        snapshot = null;
        if (!r.TryReadUInt64(out var index) || !r.TryReadUInt64(out var term))
        {
            return Truncated(r, "the snapshot index and term");
        }

        var error = TryReadIds(ref r, "voters", out var voters);
        if (error is not null)
        {
            return error;
        }

        error = TryReadIds(ref r, "learners", out var learners);
        if (error is not null)
        {
            return error;
        }

        error = TryReadIds(ref r, "outgoing voters", out var outgoing);
        if (error is not null)
        {
            return error;
        }

        ulong[] learnersNext = [];
        var autoLeave = false;
        if (version >= 2)
        {
            error = TryReadIds(ref r, "next learners", out learnersNext);
            if (error is not null)
            {
                return error;
            }

            if (!r.TryReadByte(out var autoLeaveByte))
            {
                return Truncated(r, "the auto-leave flag");
            }

            if (autoLeaveByte > 1)
            {
                return new DecodeError(DecodeErrorCode.MalformedPayload, $"auto-leave flag is {autoLeaveByte}, expected 0 or 1");
            }

            autoLeave = autoLeaveByte == 1;
        }

        if (!r.TryReadUInt32(out var dataLength))
        {
            return Truncated(r, "the snapshot data length");
        }

        if (dataLength > (uint)r.Remaining || !r.TryReadBytes((int)dataLength, out var data))
        {
            return Truncated(r, $"snapshot data of {dataLength} bytes");
        }

        snapshot = new Snapshot(new SnapshotMetadata(index, term, new ConfState(voters, learners, outgoing, learnersNext, autoLeave)), data);
        return null;
    }

    private static DecodeError? TryReadIds(ref WireReader r, string what, out ulong[] ids)
    {
        ids = [];
        if (!r.TryReadUInt16(out var count))
        {
            return Truncated(r, $"the count of {what}");
        }

        if (count > ProtocolLimits.MaxConfStateMembers)
        {
            return new DecodeError(DecodeErrorCode.LimitExceeded, $"{count} {what} exceed the limit of {ProtocolLimits.MaxConfStateMembers}");
        }

        if (count * 8 > r.Remaining)
        {
            return Truncated(r, $"{count} {what}");
        }

        ids = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            r.TryReadUInt64(out ids[i]);
        }

        return null;
    }

    private static DecodeError Truncated(in WireReader r, string what) =>
        new(DecodeErrorCode.Truncated, $"payload ends at offset {r.Position} ({r.Remaining} bytes left) inside {what}");

    private static void WriteIds(ref WireWriter w, IReadOnlyList<ulong> ids)
    {
        w.WriteUInt16((ushort)ids.Count);
        foreach (var id in ids)
        {
            w.WriteUInt64(id);
        }
    }
}

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Grey.Raft;
using Grey.Simulation.Disk;

namespace Grey.Simulation.Raft;

/// <summary>
/// Encodes a simulated node's durable state as write-ahead-log records, and rebuilds a
/// <see cref="MemoryStorage"/> from the records that survived a crash. Little-endian throughout; the
/// decoder is strict and reports the first problem, because recovery must never act on a record it
/// misread (the WAL's checksum already cut torn tails, so a decode error here is a bug).
/// </summary>
internal static class RaftWalCodec
{
    /// <summary>Most entries in one record (one Ready's worth); larger batches are split by the writer.</summary>
    public const int MaxEntriesPerRecord = 4096;

    /// <summary>Most members in one list of a conf state.</summary>
    public const int MaxMembers = 256;

    public static byte[] EncodeEntries(IReadOnlyList<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0 || entries.Count > MaxEntriesPerRecord)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries.Count, $"a record holds 1 to {MaxEntriesPerRecord} entries");
        }

        int size = 1 + 4;
        foreach (var e in entries)
        {
            size += 8 + 8 + 1 + 4 + e.Data.Length;
        }

        var bytes = new byte[size];
        var w = new Writer(bytes);
        w.Byte((byte)RaftWalRecordKind.Entries);
        w.U32((uint)entries.Count);
        foreach (var e in entries)
        {
            w.U64(e.Term);
            w.U64(e.Index);
            w.Byte((byte)e.Kind);
            w.Bytes(e.Data.Span);
        }

        return bytes;
    }

    public static byte[] EncodeHardState(HardState hs)
    {
        var bytes = new byte[1 + 24];
        var w = new Writer(bytes);
        w.Byte((byte)RaftWalRecordKind.HardState);
        w.U64(hs.Term);
        w.U64(hs.Vote);
        w.U64(hs.Commit);
        return bytes;
    }

    public static byte[] EncodeSnapshot(Snapshot snapshot, bool taken, ulong compactIndex)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var cs = snapshot.Metadata.ConfState;
        int size = 1 + 8 + 8 + 8 + 1 + 4 + snapshot.Data.Length
            + (4 * 4) + (8 * (cs.Voters.Count + cs.Learners.Count + cs.VotersOutgoing.Count + cs.LearnersNext.Count));
        var bytes = new byte[size];
        var w = new Writer(bytes);
        w.Byte((byte)(taken ? RaftWalRecordKind.SnapshotTaken : RaftWalRecordKind.SnapshotReceived));
        w.U64(snapshot.Metadata.Index);
        w.U64(snapshot.Metadata.Term);
        w.U64(compactIndex);
        w.Byte(cs.AutoLeave ? (byte)1 : (byte)0);
        w.Ids(cs.Voters);
        w.Ids(cs.Learners);
        w.Ids(cs.VotersOutgoing);
        w.Ids(cs.LearnersNext);
        w.Bytes(snapshot.Data.Span);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out RaftWalRecord? record, [NotNullWhen(false)] out string? error)
    {
        record = null;
        var r = new Reader(bytes);
        if (!r.Byte(out byte kind))
        {
            error = "wal record: empty";
            return false;
        }

        switch ((RaftWalRecordKind)kind)
        {
            case RaftWalRecordKind.Entries:
                if (!r.U32(out uint count) || count == 0 || count > MaxEntriesPerRecord)
                {
                    error = "wal record: bad entry count";
                    return false;
                }

                var entries = new Entry[count];
                for (int i = 0; i < count; i++)
                {
                    if (!r.U64(out ulong term) || !r.U64(out ulong index) || !r.Byte(out byte ek) || ek > (byte)EntryKind.Record || !r.Bytes(out byte[] data))
                    {
                        error = $"wal record: bad entry {i}";
                        return false;
                    }

                    if (i > 0 && index != entries[i - 1].Index + 1)
                    {
                        error = $"wal record: entry {i} has index {index}, not {entries[i - 1].Index + 1}";
                        return false;
                    }

                    entries[i] = new Entry(term, index, (EntryKind)ek, data);
                }

                record = new RaftWalRecord(RaftWalRecordKind.Entries, entries, default, null, 0);
                break;

            case RaftWalRecordKind.HardState:
                if (!r.U64(out ulong t) || !r.U64(out ulong v) || !r.U64(out ulong c))
                {
                    error = "wal record: truncated hard state";
                    return false;
                }

                record = new RaftWalRecord(RaftWalRecordKind.HardState, [], new HardState(t, v, c), null, 0);
                break;

            case RaftWalRecordKind.SnapshotReceived:
            case RaftWalRecordKind.SnapshotTaken:
                if (!r.U64(out ulong si) || !r.U64(out ulong st) || !r.U64(out ulong compact) || !r.Byte(out byte auto) || auto > 1
                    || !r.Ids(out var voters) || !r.Ids(out var learners) || !r.Ids(out var outgoing) || !r.Ids(out var next)
                    || !r.Bytes(out byte[] snapData))
                {
                    error = "wal record: malformed snapshot";
                    return false;
                }

                var cs = new ConfState(voters, learners, outgoing, next, auto == 1);
                record = new RaftWalRecord((RaftWalRecordKind)kind, [], default, new Snapshot(new SnapshotMetadata(si, st, cs), snapData), compact);
                break;

            default:
                error = $"wal record: unknown kind {kind}";
                return false;
        }

        if (!r.AtEnd)
        {
            record = null;
            error = "wal record: trailing bytes";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Rebuilds the stable storage from the records that survived, in order: what a node finds on its
    /// disk when it restarts. Throws when a record cannot be decoded or applied, a broken invariant.
    /// </summary>
    public static MemoryStorage Replay(IReadOnlyList<byte[]> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var storage = new MemoryStorage();
        foreach (var bytes in records)
        {
            if (!TryDecode(bytes, out var record, out var error))
            {
                throw new InvalidOperationException($"simulated WAL replay: {error}");
            }

            switch (record.Kind)
            {
                case RaftWalRecordKind.Entries:
                    storage.Append(record.Entries);
                    break;
                case RaftWalRecordKind.HardState:
                    storage.SetHardState(record.HardState);
                    break;
                case RaftWalRecordKind.SnapshotReceived:
                    storage.ApplySnapshot(record.Snapshot!);
                    break;
                case RaftWalRecordKind.SnapshotTaken:
                    var s = record.Snapshot!;
                    storage.CreateSnapshot(s.Metadata.Index, s.Metadata.ConfState, s.Data);
                    storage.Compact(record.CompactIndex);
                    break;
            }
        }

        return storage;
    }

    /// <summary>Replays a recovered WAL (see <see cref="SimulatedWal.Recover"/>).</summary>
    public static MemoryStorage Replay(WalRecovery recovery)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        return Replay(recovery.Records);
    }

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> buffer = buffer;
        private int offset;

        public void Byte(byte b) => buffer[offset++] = b;

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer[offset..], v);
            offset += 4;
        }

        public void U64(ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[offset..], v);
            offset += 8;
        }

        public void Bytes(ReadOnlySpan<byte> data)
        {
            U32((uint)data.Length);
            data.CopyTo(buffer[offset..]);
            offset += data.Length;
        }

        public void Ids(IReadOnlyList<ulong> ids)
        {
            if (ids.Count > MaxMembers)
            {
                throw new InvalidOperationException($"more than {MaxMembers} members");
            }

            U32((uint)ids.Count);
            foreach (ulong id in ids)
            {
                U64(id);
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> buffer = buffer;
        private int offset;

        public readonly bool AtEnd => offset == buffer.Length;

        public bool Byte(out byte b)
        {
            b = 0;
            if (offset + 1 > buffer.Length)
            {
                return false;
            }

            b = buffer[offset++];
            return true;
        }

        public bool U32(out uint v)
        {
            v = 0;
            if (offset + 4 > buffer.Length)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt32LittleEndian(buffer[offset..]);
            offset += 4;
            return true;
        }

        public bool U64(out ulong v)
        {
            v = 0;
            if (offset + 8 > buffer.Length)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt64LittleEndian(buffer[offset..]);
            offset += 8;
            return true;
        }

        public bool Bytes(out byte[] data)
        {
            data = [];
            if (!U32(out uint n) || n > (uint)(buffer.Length - offset))
            {
                return false;
            }

            data = buffer.Slice(offset, (int)n).ToArray();
            offset += (int)n;
            return true;
        }

        public bool Ids(out ulong[] ids)
        {
            ids = [];
            if (!U32(out uint n) || n > MaxMembers)
            {
                return false;
            }

            ids = new ulong[n];
            for (int i = 0; i < n; i++)
            {
                if (!U64(out ids[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text;
using Grey.Federation.Clock;
using Grey.Federation.Identifiers;
using Grey.Federation.Operations;

namespace Grey.Edge.StateMachine;

/// <summary>
/// Snapshot and restore. Layout, little-endian: magic "GSSM", version u8 (4; versions 1-3, without the member
/// peers at the end, without the desired marks (1-2) and without the outbox fields (1), are still read), site (u8 length + ASCII),
/// has epoch u8, epoch u64, chain hash (u8 length 0 or 32 + bytes), applied index u64, last stamp (i64, u16),
/// chained entries u64, member count u32 then (u64 id, u16 length + ASCII address) each, key count u32 then per
/// key: u16 length + key, type u8, revision u64, and by type: value (u32 length + bytes), counter (i64) or set
/// (u32 count, then per member: u16 length + UTF-8 member, tag node (u8 length + ASCII), tag stamp (i64, u16)).
/// Version 2 then adds the outbox fields: acked index u64, acked region (u8 length + ASCII), acked chain hash
/// (u8 length 0 or 32 + bytes), site state u8 (0 not kept, 1 kept: u32 length + the canonical region delta
/// bytes of <see cref="SiteState"/> named after the site, 2 kept but missing).
/// Version 3 then adds the desired-state marks: u32 count, then per region (ordinal order): u8 length + ASCII
/// region id, u64 highest sequence applied.
/// Version 4 then adds the member peers: u32 count, then per member (id order): u64 id, u16 length + ASCII address.
/// Restoring checks every count against the bytes left and every name against its rule.
/// </summary>
internal sealed partial class SiteStateMachine
{
    private static readonly byte[] Magic = "GSSM"u8.ToArray();

    /// <summary>Members or keys a snapshot may declare: a bound checked before allocating.</summary>
    public const int MaxSnapshotItems = 16 * 1024 * 1024;

    /// <summary>The snapshot format version written (4: with the outbox fields, the desired-state marks and the member peers).</summary>
    public const byte SnapshotVersion = 4;

    /// <summary>Encodes the whole state into an array of its own.</summary>
    public byte[] Snapshot() => Snapshot(0).ToArray();

    /// <summary>
    /// Encodes the whole state. <paramref name="sizeHint"/> presizes the buffer (the last snapshot's size is a good
    /// one): a state of megabytes otherwise grows its buffer by doubling and is copied once more at the end, three
    /// times its size in garbage per snapshot. The result is a slice of that buffer, exactly the encoding.
    /// </summary>
    public ReadOnlyMemory<byte> Snapshot(int sizeHint)
    {
        var stream = new MemoryStream(Math.Max(0, sizeHint));
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(SnapshotVersion);
            WriteShort(w, Site, 1);
            w.Write(Epoch.HasValue);
            w.Write(Epoch ?? 0);
            w.Write((byte)(chain?.Length ?? 0));
            w.Write(chain ?? []);
            w.Write(AppliedIndex);
            w.Write(LastStamp.WallMs);
            w.Write((ushort)LastStamp.Logical);
            w.Write(ChainedEntries);
            w.Write((uint)memberApis.Count);
            foreach (var (id, address) in memberApis)
            {
                w.Write(id);
                WriteShort(w, address, 2);
            }

            IReadOnlyCollection<KeyValuePair<string, KeyRecord>> source = frozenKeys ?? (IReadOnlyCollection<KeyValuePair<string, KeyRecord>>)keys;
            w.Write((uint)source.Count);
            foreach (var (key, record) in source)
            {
                WriteShort(w, key, 2);
                w.Write((byte)record.Type);
                w.Write(record.Revision);
                switch (record.Type)
                {
                    case KeyType.Value:
                        w.Write((uint)record.Value.Length);
                        w.Write(record.Value);
                        break;
                    case KeyType.Counter:
                        w.Write(record.Counter);
                        break;
                    case KeyType.Set:
                        w.Write((uint)record.Members.Count);
                        foreach (var (member, tag) in record.Members)
                        {
                            var bytes = Encoding.UTF8.GetBytes(member);
                            w.Write((ushort)bytes.Length);
                            w.Write(bytes);
                            WriteShort(w, tag.Node, 1);
                            w.Write(tag.Stamp.WallMs);
                            w.Write((ushort)tag.Stamp.Logical);
                        }

                        break;
                }
            }

            WriteOutboxFields(w);
            WriteDesiredFields(w);
            w.Write((uint)memberPeers.Count);
            foreach (var (id, address) in memberPeers)
            {
                w.Write(id);
                WriteShort(w, address, 2);
            }
        }

        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    /// <summary>Restores a state machine from <paramref name="bytes"/>; on failure says why and returns null.</summary>
    public static bool TryRestore(string site, ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out SiteStateMachine? machine, [NotNullWhen(false)] out string? error)
    {
        machine = null;
        try
        {
            var r = new SpanReader(bytes);
            byte version = 0;
            if (!r.Bytes(4).SequenceEqual(Magic) || (version = r.U8()) is not (1 or 2 or 3 or SnapshotVersion))
            {
                error = $"not a state machine snapshot of version 1 to {SnapshotVersion} (version {version})";
                return false;
            }

            var snapSite = r.Ascii(r.U8());
            if (snapSite != site)
            {
                error = $"snapshot of site '{snapSite}', not '{site}'";
                return false;
            }

            var m = new SiteStateMachine(site);
            var hasEpoch = r.U8();
            var epoch = r.U64();
            int chainLength = r.U8();
            var chainBytes = r.Bytes(chainLength).ToArray();
            if (hasEpoch > 1 || (hasEpoch == 1) != (chainLength == 32) || (chainLength != 0 && chainLength != 32))
            {
                error = "epoch flag and chain hash disagree";
                return false;
            }

            if (hasEpoch == 1)
            {
                m.Epoch = epoch;
                m.chain = chainBytes;
            }

            m.AppliedIndex = r.U64();
            m.LastStamp = new HlcTimestamp(r.I64(), r.U16()).Validated("bytes");
            m.ChainedEntries = r.U64();
            var members = r.Count(10);
            for (var i = 0; i < members; i++)
            {
                var id = r.U64();
                m.memberApis[id] = r.Ascii(r.U16());
            }

            var keyCount = r.Count(11);
            for (var i = 0; i < keyCount; i++)
            {
                var key = r.Ascii(r.U16());
                if (!KeyNames.IsValid(key) || m.keys.ContainsKey(key))
                {
                    error = $"invalid or repeated key at offset {r.Offset}";
                    return false;
                }

                var type = (KeyType)r.U8();
                var record = new KeyRecord(type) { Revision = r.U64() };
                if (record.Revision == 0)
                {
                    error = $"key '{key}' has revision 0";
                    return false;
                }

                switch (type)
                {
                    case KeyType.Value:
                        record.Value = r.Bytes(r.Count(1, Grey.Federation.FederationLimits.MaxValueBytes)).ToArray();
                        break;
                    case KeyType.Counter:
                        record.Counter = r.I64();
                        break;
                    case KeyType.Set:
                        var count = r.Count(14);
                        for (var j = 0; j < count; j++)
                        {
                            var member = r.Utf8(r.U16());
                            var node = r.Ascii(r.U8());
                            var stamp = new HlcTimestamp(r.I64(), r.U16());
                            if (!KeyNames.IsValidElement(member) || !FederationId.IsValid(node) || !record.Members.TryAdd(member, new SetTag(site, node, stamp)))
                            {
                                error = $"invalid set member of '{key}'";
                                return false;
                            }
                        }

                        break;
                    default:
                        error = $"unknown key type {(byte)type}";
                        return false;
                }

                m.keys.Add(key, record);
            }

            if (version >= 2 && !m.ReadOutboxFields(ref r, out error))
            {
                return false;
            }

            if (version >= 3 && !m.ReadDesiredFields(ref r, out error))
            {
                return false;
            }

            if (version >= 4)
            {
                var peers = r.Count(10);
                for (var i = 0; i < peers; i++)
                {
                    var id = r.U64();
                    m.memberPeers[id] = r.Ascii(r.U16());
                }
            }

            if (r.Offset != bytes.Length)
            {
                error = $"{bytes.Length - r.Offset} bytes after the snapshot";
                return false;
            }

            machine = m;
            error = null;
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or DecoderFallbackException)
        {
            error = e.Message;
            return false;
        }
    }

    private void WriteOutboxFields(BinaryWriter w)
    {
        w.Write(AckedIndex);
        WriteShort(w, AckedRegion, 1);
        w.Write((byte)AckedChainHash.Length);
        w.Write(AckedChainHash.Span);
        if (siteState is not null)
        {
            // Named after the site: the region id of a region delta is only a label here.
            var state = new Grey.Federation.Messages.RegionDelta(Site, siteState).Encode();
            w.Write((byte)1);
            w.Write((uint)state.Length);
            w.Write(state);
        }
        else
        {
            w.Write((byte)(SiteStateMissing ? 2 : 0));
        }
    }

    private bool ReadOutboxFields(ref SpanReader r, [NotNullWhen(false)] out string? error)
    {
        AckedIndex = r.U64();
        AckedRegion = r.Ascii(r.U8());
        int hashLength = r.U8();
        if (hashLength is not (0 or SiteRecordCodec.AckHashBytes) || (hashLength == 0) != (AckedIndex == 0))
        {
            error = "acked index and acked chain hash disagree";
            return false;
        }

        AckedChainHash = r.Bytes(hashLength).ToArray();
        switch (r.U8())
        {
            case 0:
                break;
            case 1:
                {
                    var length = r.Count(1, Grey.Federation.FederationLimits.MaxRegionStateBytes);
                    var decoded = Grey.Federation.Messages.RegionDelta.Decode(r.Bytes(length).ToArray());
                    if (!decoded.IsSuccess || decoded.Value.Region != Site)
                    {
                        error = "the site state does not decode: " + (decoded.IsSuccess ? "wrong site" : decoded.Error.Message);
                        return false;
                    }

                    siteState = decoded.Value.State;
                    break;
                }

            case 2:
                SiteStateMissing = true;
                break;
            default:
                error = $"unknown site state flag at offset {r.Offset - 1}";
                return false;
        }

        error = null;
        return true;
    }

    private static void WriteShort(BinaryWriter w, string text, int lengthBytes)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (lengthBytes == 1)
        {
            w.Write((byte)bytes.Length);
        }
        else
        {
            w.Write((ushort)bytes.Length);
        }

        w.Write(bytes);
    }

    /// <summary>A bounds-checked little-endian reader; running past the end throws <see cref="FormatException"/>.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> data = data;

        public int Offset { get; private set; }

        public ReadOnlySpan<byte> Bytes(int n)
        {
            if (n < 0 || n > data.Length - Offset)
            {
                throw new FormatException($"snapshot truncated at offset {Offset} (wanted {n} bytes)");
            }

            var s = data.Slice(Offset, n);
            Offset += n;
            return s;
        }

        public byte U8() => Bytes(1)[0];

        public ushort U16() => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

        public ulong U64() => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

        public long I64() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

        /// <summary>A u32 count, checked against the bytes left (each item takes at least <paramref name="minItemBytes"/>).</summary>
        public int Count(int minItemBytes, int max = MaxSnapshotItems)
        {
            var count = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));
            if (count > (uint)max || count * (ulong)minItemBytes > (ulong)(data.Length - Offset))
            {
                throw new FormatException($"count {count} at offset {Offset - 4} exceeds its bound or the bytes left");
            }

            return (int)count;
        }

        public string Ascii(int n)
        {
            var s = Bytes(n);
            foreach (var b in s)
            {
                if (b is < 0x20 or > 0x7E)
                {
                    throw new FormatException($"non-ASCII text at offset {Offset - n}");
                }
            }

            return Encoding.ASCII.GetString(s);
        }

        public string Utf8(int n) => new UTF8Encoding(false, true).GetString(Bytes(n));
    }
}

using System.Formats.Cbor;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.State;

namespace Grey.Federation.Encoding;

/// <summary>
/// Canonical encoding of site and checkpoint deltas (docs/PROTOCOL.md §5): one CBOR map with integer keys.
/// Decoding is strict: exactly the fields of the type and version, in canonical form, within
/// <see cref="FederationLimits"/>, and the bytes must be exactly what encoding the result gives back.
/// </summary>
internal static class DeltaCodec
{
    // Field keys; the same number means the same thing in every message.
    internal const uint KeyVersion = 0;
    internal const uint KeyType = 1;
    internal const uint KeyRegion = 2;
    internal const uint KeySite = 3;
    internal const uint KeyEpoch = 4;
    internal const uint KeyFirstIndex = 5;
    internal const uint KeyLastIndex = 6;
    internal const uint KeyChainBefore = 7;
    internal const uint KeyChainAfter = 8;
    internal const uint KeyMinHlc = 9;
    internal const uint KeyMaxHlc = 10;
    internal const uint KeyEntries = 11;
    internal const uint KeyState = 12;

    public static byte[] Encode(Delta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        bool site = delta is SiteDelta;
        bool v2 = delta.Version >= 2;
        int fields = (site ? 10 : 8) + (v2 ? 2 : 0);
        CborWriter w = Cbor.Writer(delta is SiteDelta ? 512 : 4096);
        w.WriteStartMap(fields);
        w.WriteUInt32(KeyVersion);
        w.WriteUInt32((uint)delta.Version);
        w.WriteUInt32(KeyType);
        w.WriteUInt32((uint)delta.Type);
        w.WriteUInt32(KeyRegion);
        w.WriteTextString(delta.Region);
        w.WriteUInt32(KeySite);
        w.WriteTextString(delta.Site);
        w.WriteUInt32(KeyEpoch);
        w.WriteUInt64(delta.Epoch);
        if (delta is SiteDelta sd)
        {
            w.WriteUInt32(KeyFirstIndex);
            w.WriteUInt64(sd.FirstIndex);
        }

        w.WriteUInt32(KeyLastIndex);
        w.WriteUInt64(delta.LastIndex);
        if (delta is SiteDelta sd2)
        {
            w.WriteUInt32(KeyChainBefore);
            w.WriteByteString(sd2.ChainBefore);
        }

        w.WriteUInt32(KeyChainAfter);
        w.WriteByteString(delta.ChainAfter);
        if (v2)
        {
            w.WriteUInt32(KeyMinHlc);
            Cbor.WriteHlc(w, delta.MinStamp);
            w.WriteUInt32(KeyMaxHlc);
            Cbor.WriteHlc(w, delta.MaxStamp);
        }

        if (delta is SiteDelta sd3)
        {
            // The entries are the map's last value (key 11 is its largest key), so the map is written with an empty
            // array there and the entries' canonical bytes (cached: the chain hash needed them) are spliced in after it:
            // a copy per entry instead of a CBOR writer encoding and validating every operation again.
            w.WriteUInt32(KeyEntries);
            w.WriteStartArray(0);
            w.WriteEndArray();
            w.WriteEndMap();
            byte[] head = w.Encode();
            return SpliceEntries(head, sd3.Entries);
        }

        w.WriteUInt32(KeyState);
        StateCodec.Write(w, ((CheckpointDelta)delta).RawState);
        w.WriteEndMap();
        return w.Encode();
    }

    private static bool HeadMatches(SiteDelta delta, ReadOnlySpan<byte> bytes)
    {
        // Encoding a copy without entries gives the fields and an empty array; the input must start with those
        // fields and the shortest array head of its entry count.
        byte[] head = SpliceEntries(Encode(new SiteDelta(delta.Version, delta.Region, delta.Site, delta.Epoch, delta.FirstIndex,
            delta.LastIndex, delta.RawChainBefore, delta.RawChainAfter, delta.MinStamp, delta.MaxStamp, [])), [], delta.Entries.Count);
        return bytes.StartsWith(head);
    }

    private static byte[] SpliceEntries(byte[] head, IReadOnlyList<DataEntry> entries) => SpliceEntries(head, entries, entries.Count);

    private static byte[] SpliceEntries(byte[] head, IReadOnlyList<DataEntry> entries, int count)
    {
        if (head[^1] != Cbor.ArrayMajor)
        {
            throw new InvalidOperationException("the delta map does not end with its entries array");
        }

        long total = head.Length - 1 + Cbor.HeadLength(count);
        foreach (DataEntry e in entries)
        {
            total += e.CanonicalBytes.Length;
        }

        byte[] bytes = new byte[checked((int)total)];
        head.AsSpan(0, head.Length - 1).CopyTo(bytes);
        int at = head.Length - 1;
        at += Cbor.WriteHead(bytes.AsSpan(at), Cbor.ArrayMajor, count);
        foreach (DataEntry e in entries)
        {
            e.CanonicalBytes.CopyTo(bytes.AsSpan(at));
            at += e.CanonicalBytes.Length;
        }

        return bytes;
    }

    public static DecodeResult<Delta> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard<Delta>("delta", () =>
    {
        if (bytes.Length > FederationLimits.MaxDeltaBytes)
        {
            throw FormatDecodeException.TooLarge($"delta: {bytes.Length} bytes, at most {FederationLimits.MaxDeltaBytes} allowed");
        }

        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "delta");
        (int version, MessageType type) = MessageHeader.Read(r, "delta");
        if (type is not (MessageType.SiteDelta or MessageType.CheckpointDelta))
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"delta: message type {(int)type} is not a site or checkpoint delta");
        }

        bool site = type == MessageType.SiteDelta;
        bool v2 = version >= 2;
        int expected = (site ? 10 : 8) + (v2 ? 2 : 0);
        if (fields != expected)
        {
            throw FormatDecodeException.Malformed($"delta: {fields} fields, a version {version} {(site ? "site" : "checkpoint")} delta has {expected}");
        }

        Cbor.ReadKey(r, KeyRegion, "delta");
        string region = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "region");
        Cbor.ReadKey(r, KeySite, "delta");
        string siteId = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "site");
        Cbor.ReadKey(r, KeyEpoch, "delta");
        ulong epoch = r.ReadUInt64();
        ulong first = 0;
        if (site)
        {
            Cbor.ReadKey(r, KeyFirstIndex, "delta");
            first = r.ReadUInt64();
        }

        Cbor.ReadKey(r, KeyLastIndex, "delta");
        ulong last = r.ReadUInt64();
        byte[] before = [];
        if (site)
        {
            Cbor.ReadKey(r, KeyChainBefore, "delta");
            before = Cbor.ReadHash(r, "chain before");
        }

        Cbor.ReadKey(r, KeyChainAfter, "delta");
        byte[] after = Cbor.ReadHash(r, "chain after");
        HlcTimestamp? min = null;
        HlcTimestamp? max = null;
        if (v2)
        {
            Cbor.ReadKey(r, KeyMinHlc, "delta");
            min = Cbor.ReadHlc(r, "min hlc");
            Cbor.ReadKey(r, KeyMaxHlc, "delta");
            max = Cbor.ReadHlc(r, "max hlc");
        }

        Delta delta;
        if (site)
        {
            Cbor.ReadKey(r, KeyEntries, "delta");
            int n = Cbor.ReadArray(r, FederationLimits.MaxEntriesPerDelta, "entries");
            var entries = new DataEntry[n];
            int budget = FederationLimits.MaxOperationsPerDelta;
            CborWriter scratch = Cbor.Writer(1024);
            for (int i = 0; i < n; i++)
            {
                entries[i] = EntryCodec.ReadCanonical(r, bytes, scratch, ref budget);
            }

            r.ReadEndArray();
            (HlcTimestamp lo, HlcTimestamp hi) = min is null ? SiteDelta.RangeOf(entries) : (min.Value, max!.Value);
            delta = new SiteDelta(version, region, siteId, epoch, first, last, before, after, lo, hi, entries);
        }
        else
        {
            Cbor.ReadKey(r, KeyState, "delta");
            RegionState state = StateCodec.Read(r);
            (HlcTimestamp lo, HlcTimestamp hi) = min is null ? CheckpointDelta.RangeOf(state) : (min.Value, max!.Value);
            delta = new CheckpointDelta(version, region, siteId, epoch, last, after, lo, hi, state);
        }

        r.ReadEndMap();
        Cbor.ExpectEnd(r, "delta");

        // The one canonical form: anything the reader let through that would encode differently
        // (unsorted tags, duplicate state rows) is refused, so a delta has exactly one byte string. A site delta's
        // entries were each proven canonical as they were read, back to back up to the end of the input, so only the
        // fields before them are encoded again and compared.
        bool canonical = delta is SiteDelta sdc
            ? HeadMatches(sdc, bytes.Span)
            : Encode(delta).AsSpan().SequenceEqual(bytes.Span);
        if (!canonical)
        {
            throw FormatDecodeException.Malformed("delta: not in canonical form");
        }

        return delta;
    });
}

using System.Formats.Cbor;
using Grey.Federation.Clock;
using Grey.Federation.Identifiers;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Encoding;

/// <summary>
/// Canonical encoding of a <see cref="RegionState"/> (docs/PROTOCOL.md §6): a map of registers (0),
/// counters (1), sets (2) and progress (3), every list sorted ordinally and free of duplicates. The state
/// hash is taken over these bytes; checkpoint and region deltas carry them.
/// </summary>
internal static class StateCodec
{
    public static byte[] Encode(RegionState state)
    {
        CborWriter w = Cbor.Writer();
        Write(w, state);
        return w.Encode();
    }

    public static void Write(CborWriter w, RegionState state)
    {
        w.WriteStartMap(4);
        w.WriteUInt32(0);
        w.WriteStartArray(state.Registers.Count);
        foreach (var (sk, reg) in state.Registers.OrderBy(p => p.Key))
        {
            w.WriteStartArray(7);
            w.WriteTextString(sk.Scope);
            w.WriteTextString(sk.Key);
            Cbor.WriteHlc(w, reg.Stamp);
            w.WriteTextString(reg.Site);
            w.WriteTextString(reg.Node);
            if (reg.RawValue is null)
            {
                w.WriteNull();
            }
            else
            {
                w.WriteByteString(reg.RawValue);
            }

            EntryCodec.WriteDesired(w, reg.Desired);
            w.WriteEndArray();
        }

        w.WriteEndArray();

        w.WriteUInt32(1);
        w.WriteStartArray(state.Counters.Count);
        foreach (var (sk, slots) in state.Counters.OrderBy(p => p.Key))
        {
            w.WriteStartArray(3);
            w.WriteTextString(sk.Scope);
            w.WriteTextString(sk.Key);
            w.WriteStartArray(slots.Count);
            foreach (var (slot, totals) in slots.OrderBy(p => p.Key))
            {
                w.WriteStartArray(5);
                w.WriteTextString(slot.Site);
                w.WriteUInt64(slot.Epoch);
                w.WriteTextString(slot.Node);
                w.WriteUInt64(totals.Increments);
                w.WriteUInt64(totals.Decrements);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndArray();
        }

        w.WriteEndArray();

        w.WriteUInt32(2);
        w.WriteStartArray(state.Sets.Count);
        foreach (var (sk, elements) in state.Sets.OrderBy(p => p.Key))
        {
            w.WriteStartArray(3);
            w.WriteTextString(sk.Scope);
            w.WriteTextString(sk.Key);
            w.WriteStartArray(elements.Count);
            foreach (var (element, es) in elements.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray(3);
                w.WriteTextString(element);
                WriteTags(w, es.Adds);
                WriteTags(w, es.Removes);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndArray();
        }

        w.WriteEndArray();

        w.WriteUInt32(3);
        IReadOnlyList<SiteProgress> progress = state.Progress;
        w.WriteStartArray(progress.Count);
        foreach (SiteProgress p in progress)
        {
            w.WriteStartArray(4);
            w.WriteTextString(p.Site);
            w.WriteUInt64(p.Epoch);
            w.WriteUInt64(p.MergedIndex);
            w.WriteByteString(p.RawChainHash);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndMap();
    }

    /// <summary>Decodes a whole encoded state, refusing anything that would not encode back to the same bytes.</summary>
    public static DecodeResult<RegionState> Decode(ReadOnlyMemory<byte> bytes, int maxBytes) => Cbor.Guard("state", () =>
    {
        if (bytes.Length > maxBytes)
        {
            throw FormatDecodeException.TooLarge($"state: {bytes.Length} bytes, at most {maxBytes} allowed");
        }

        CborReader r = Cbor.Reader(bytes);
        RegionState state = Read(r);
        Cbor.ExpectEnd(r, "state");
        if (!Encode(state).AsSpan().SequenceEqual(bytes.Span))
        {
            throw FormatDecodeException.Malformed("state: not in canonical form (unsorted or duplicate items)");
        }

        return state;
    });

    /// <summary>Reads a state. The caller checks canonical form by encoding the result again.</summary>
    public static RegionState Read(CborReader r)
    {
        var state = new RegionState();
        int budget = FederationLimits.MaxStateItems;
        if (Cbor.ReadMap(r, Cbor.MaxTupleItems, "state") != 4)
        {
            throw FormatDecodeException.Malformed("state: expected fields 0-3");
        }

        Cbor.ReadKey(r, 0, "state");
        int n = ReadList(r, ref budget, "registers");
        for (int i = 0; i < n; i++)
        {
            Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "register") == 7, "register: expected 7 items");
            StateKey sk = ReadStateKey(r);
            HlcTimestamp stamp = Cbor.ReadHlc(r, "register hlc");
            string site = ReadId(r, "register site");
            string node = ReadId(r, "register node");
            byte[]? value = Cbor.TryReadNull(r) ? null : Cbor.ReadBytes(r, FederationLimits.MaxValueBytes, "register value");
            DesiredRef? desired = EntryCodec.ReadDesired(r);
            r.ReadEndArray();
            state.WriteRegister(sk, new Register(stamp, site, node, value, desired));
        }

        r.ReadEndArray();

        Cbor.ReadKey(r, 1, "state");
        n = ReadList(r, ref budget, "counters");
        for (int i = 0; i < n; i++)
        {
            Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "counter") == 3, "counter: expected 3 items");
            StateKey sk = ReadStateKey(r);
            int slots = ReadList(r, ref budget, "counter slots");
            Expect(slots > 0, "counter: no slots");
            for (int j = 0; j < slots; j++)
            {
                Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "counter slot") == 5, "counter slot: expected 5 items");
                string site = ReadId(r, "slot site");
                ulong epoch = r.ReadUInt64();
                string node = ReadId(r, "slot node");
                var totals = new PnTotals(r.ReadUInt64(), r.ReadUInt64());
                r.ReadEndArray();
                state.AddCounterTotals(sk, new CounterSlot(site, epoch, node), totals);
            }

            r.ReadEndArray();
            r.ReadEndArray();
        }

        r.ReadEndArray();

        Cbor.ReadKey(r, 2, "state");
        n = ReadList(r, ref budget, "sets");
        for (int i = 0; i < n; i++)
        {
            Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "set") == 3, "set: expected 3 items");
            StateKey sk = ReadStateKey(r);
            int elements = ReadList(r, ref budget, "set elements");
            Expect(elements > 0, "set: no elements");
            for (int j = 0; j < elements; j++)
            {
                Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "set element") == 3, "set element: expected 3 items");
                string element = Cbor.ReadText(r, FederationLimits.MaxElementBytes, "set element");
                Expect(KeyNames.IsValidElement(element), "set element: invalid");
                SetElementState es = state.GetOrAddElement(sk, element);
                ReadTags(r, es.Adds, ref budget);
                ReadTags(r, es.Removes, ref budget);
                Expect(es.Adds.Count + es.Removes.Count > 0, "set element: no tags");
                r.ReadEndArray();
            }

            r.ReadEndArray();
            r.ReadEndArray();
        }

        r.ReadEndArray();

        Cbor.ReadKey(r, 3, "state");
        n = ReadList(r, ref budget, "progress");
        for (int i = 0; i < n; i++)
        {
            Expect(Cbor.ReadArray(r, Cbor.MaxTupleItems, "progress") == 4, "progress: expected 4 items");
            string site = ReadId(r, "progress site");
            ulong epoch = r.ReadUInt64();
            ulong index = r.ReadUInt64();
            byte[] hash = Cbor.ReadHash(r, "progress chain hash");
            r.ReadEndArray();
            state.AdvanceProgress(site, epoch, index, hash);
        }

        r.ReadEndArray();
        r.ReadEndMap();
        return state;
    }

    private static void WriteTags(CborWriter w, SortedSet<SetTag> tags)
    {
        w.WriteStartArray(tags.Count);
        foreach (SetTag t in tags)
        {
            EntryCodec.WriteTag(w, t);
        }

        w.WriteEndArray();
    }

    private static void ReadTags(CborReader r, SortedSet<SetTag> into, ref int budget)
    {
        int n = ReadList(r, ref budget, "set tags");
        for (int i = 0; i < n; i++)
        {
            into.Add(EntryCodec.ReadTag(r));
        }

        r.ReadEndArray();
    }

    private static int ReadList(CborReader r, ref int budget, string what)
    {
        int n = Cbor.ReadArray(r, budget, what);
        budget -= n;
        return n;
    }

    private static StateKey ReadStateKey(CborReader r)
    {
        string scope = Cbor.ReadText(r, FederationId.MaxLength, "scope");
        string key = Cbor.ReadText(r, FederationLimits.MaxKeyBytes, "key");
        Expect(KeyNames.IsValid(key), $"key '{key}' is not valid");
        bool shared = scope.Length == 0;
        Expect(shared || FederationId.IsValid(scope), $"scope '{scope}' is not a site id");
        Expect(shared == KeyNames.IsShared(key), $"key '{key}' is in the wrong scope '{scope}'");
        return new StateKey(scope, key);
    }

    private static string ReadId(CborReader r, string what)
    {
        string id = Cbor.ReadText(r, FederationId.MaxLength, what);
        Expect(FederationId.IsValid(id), $"{what}: '{id}' is not a valid id");
        return id;
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw FormatDecodeException.Malformed(message);
        }
    }
}

using System.Formats.Cbor;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Operations;

namespace Grey.Federation.Encoding;

/// <summary>
/// Canonical encoding of data entries and their operations (docs/PROTOCOL.md §4). An entry is
/// <c>[index, hlc, [operation...]]</c>; an operation is an array whose first item is its kind.
/// These are the bytes the chain hashes.
/// </summary>
internal static class EntryCodec
{
    /// <summary>Encodes the entry afresh (not from its cached canonical bytes).</summary>
    public static byte[] Encode(DataEntry entry)
    {
        int estimate = 32;
        foreach (Operation op in entry.Operations)
        {
            estimate += 48 + op.Key.Length + op.Origin.Length + op.RawValue.Length + op.Element.Length + (op.Tags.Count * 48);
        }

        CborWriter w = Cbor.Writer(estimate);
        WriteFields(w, entry);
        return w.Encode();
    }

    /// <summary>
    /// Reads one entry and keeps the exact bytes it was read from as its canonical bytes, after proving them canonical
    /// (they equal a fresh encoding), so neither the chain hash nor the delta's canonical-form check encodes it again.
    /// </summary>
    /// <remarks><paramref name="scratch"/> is reset and reused for every entry of a delta (one writer per delta, not per entry).</remarks>
    public static DataEntry ReadCanonical(CborReader r, ReadOnlyMemory<byte> source, CborWriter scratch, ref int operationBudget)
    {
        int start = source.Length - r.BytesRemaining;
        DataEntry entry = Read(r, ref operationBudget);
        ReadOnlySpan<byte> read = source.Span[start..(source.Length - r.BytesRemaining)];
        scratch.Reset();
        WriteFields(scratch, entry);
        if (scratch.BytesWritten != read.Length || !Matches(scratch, read))
        {
            throw FormatDecodeException.Malformed($"entry {entry.Index}: not in canonical form");
        }

        entry.AdoptCanonicalBytes(read.ToArray());
        return entry;
    }

    private static bool Matches(CborWriter written, ReadOnlySpan<byte> expected)
    {
        const int StackLimit = 1024;
        byte[]? rented = expected.Length > StackLimit ? System.Buffers.ArrayPool<byte>.Shared.Rent(expected.Length) : null;
        Span<byte> buffer = rented is null ? stackalloc byte[StackLimit] : rented;
        try
        {
            int n = written.Encode(buffer);
            return buffer[..n].SequenceEqual(expected);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void WriteFields(CborWriter w, DataEntry entry)
    {
        w.WriteStartArray(3);
        w.WriteUInt64(entry.Index);
        Cbor.WriteHlc(w, entry.Stamp);
        w.WriteStartArray(entry.Operations.Count);
        foreach (Operation op in entry.Operations)
        {
            WriteOperation(w, op);
        }

        w.WriteEndArray();
        w.WriteEndArray();
    }

    public static DataEntry Read(CborReader r, ref int operationBudget)
    {
        if (Cbor.ReadArray(r, Cbor.MaxTupleItems, "entry") != 3)
        {
            throw FormatDecodeException.Malformed("entry: expected [index, hlc, operations]");
        }

        ulong index = r.ReadUInt64();
        HlcTimestamp stamp = Cbor.ReadHlc(r, "entry hlc");
        int n = Cbor.ReadArray(r, 1, FederationLimits.MaxOperationsPerEntry, "entry operations");
        operationBudget -= n;
        if (operationBudget < 0)
        {
            throw FormatDecodeException.TooLarge($"delta: more than {FederationLimits.MaxOperationsPerDelta} operations");
        }

        var ops = new Operation[n];
        for (int i = 0; i < n; i++)
        {
            ops[i] = ReadOperation(r);
        }

        r.ReadEndArray();
        r.ReadEndArray();
        return new DataEntry(index, stamp, ops);
    }

    public static void WriteOperation(CborWriter w, Operation op)
    {
        int count = op.Kind switch
        {
            OperationKind.Put => 6,
            OperationKind.Delete => 5,
            OperationKind.SetRemove => 6,
            _ => 5,
        };
        w.WriteStartArray(count);
        w.WriteUInt32((uint)op.Kind);
        w.WriteTextString(op.Key);
        Cbor.WriteHlc(w, op.Stamp);
        w.WriteTextString(op.Origin);
        switch (op.Kind)
        {
            case OperationKind.Put:
                w.WriteByteString(op.Value.Span);
                WriteDesired(w, op.Desired);
                break;
            case OperationKind.Delete:
                WriteDesired(w, op.Desired);
                break;
            case OperationKind.CounterAdd:
                w.WriteInt64(op.Amount);
                break;
            case OperationKind.SetAdd:
                w.WriteTextString(op.Element);
                break;
            case OperationKind.SetRemove:
                w.WriteTextString(op.Element);
                w.WriteStartArray(op.Tags.Count);
                foreach (SetTag t in op.Tags)
                {
                    WriteTag(w, t);
                }

                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"unknown operation kind {op.Kind}");
        }

        w.WriteEndArray();
    }

    public static Operation ReadOperation(CborReader r)
    {
        int n = Cbor.ReadArray(r, Cbor.MaxTupleItems, "operation");
        if (n < 5)
        {
            throw FormatDecodeException.Malformed($"operation: {n} items, expected 5 or 6");
        }

        ulong kind = r.ReadUInt64();
        int expected = kind switch
        {
            (ulong)OperationKind.Put => 6,
            (ulong)OperationKind.Delete => 5,
            (ulong)OperationKind.CounterAdd => 5,
            (ulong)OperationKind.SetAdd => 5,
            (ulong)OperationKind.SetRemove => 6,
            _ => throw FormatDecodeException.Malformed($"operation: unknown kind {kind}"),
        };
        if (n != expected)
        {
            throw FormatDecodeException.Malformed($"operation of kind {kind}: {n} items, expected {expected}");
        }

        string key = Cbor.ReadText(r, FederationLimits.MaxKeyBytes, "operation key");
        HlcTimestamp stamp = Cbor.ReadHlc(r, "operation hlc");
        string origin = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "operation origin");
        Operation op;
        switch ((OperationKind)kind)
        {
            case OperationKind.Put:
                byte[] value = Cbor.ReadBytes(r, FederationLimits.MaxValueBytes, "put value");
                op = Operation.Put(key, value, stamp, origin, ReadDesired(r));
                break;
            case OperationKind.Delete:
                op = Operation.Delete(key, stamp, origin, ReadDesired(r));
                break;
            case OperationKind.CounterAdd:
                op = Operation.CounterAdd(key, r.ReadInt64(), stamp, origin);
                break;
            case OperationKind.SetAdd:
                op = Operation.SetAdd(key, Cbor.ReadText(r, FederationLimits.MaxElementBytes, "set element"), stamp, origin);
                break;
            default:
                string element = Cbor.ReadText(r, FederationLimits.MaxElementBytes, "set element");
                int t = Cbor.ReadArray(r, 1, FederationLimits.MaxTagsPerRemove, "set-remove tags");
                var tags = new SetTag[t];
                for (int i = 0; i < t; i++)
                {
                    tags[i] = ReadTag(r);
                }

                r.ReadEndArray();
                op = Operation.SetRemove(key, element, tags, stamp, origin);
                break;
        }

        r.ReadEndArray();
        return op;
    }

    public static void WriteTag(CborWriter w, SetTag tag)
    {
        w.WriteStartArray(3);
        w.WriteTextString(tag.Site);
        w.WriteTextString(tag.Node);
        Cbor.WriteHlc(w, tag.Stamp);
        w.WriteEndArray();
    }

    public static SetTag ReadTag(CborReader r)
    {
        if (Cbor.ReadArray(r, Cbor.MaxTupleItems, "set tag") != 3)
        {
            throw FormatDecodeException.Malformed("set tag: expected [site, node, hlc]");
        }

        string site = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "tag site");
        string node = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "tag node");
        HlcTimestamp stamp = Cbor.ReadHlc(r, "tag hlc");
        r.ReadEndArray();
        if (!Identifiers.FederationId.IsValid(site) || !Identifiers.FederationId.IsValid(node))
        {
            throw FormatDecodeException.Malformed("set tag: invalid site or node id");
        }

        return new SetTag(site, node, stamp);
    }

    public static void WriteDesired(CborWriter w, DesiredRef? desired)
    {
        if (desired is null)
        {
            w.WriteNull();
            return;
        }

        w.WriteStartArray(3);
        w.WriteTextString(desired.Region);
        w.WriteUInt64(desired.Sequence);
        w.WriteByteString(desired.Digest);
        w.WriteEndArray();
    }

    public static DesiredRef? ReadDesired(CborReader r)
    {
        if (Cbor.TryReadNull(r))
        {
            return null;
        }

        if (Cbor.ReadArray(r, Cbor.MaxTupleItems, "desired reference") != 3)
        {
            throw FormatDecodeException.Malformed("desired reference: expected [region, sequence, digest]");
        }

        string region = Cbor.ReadText(r, Identifiers.FederationId.MaxLength, "desired region");
        ulong sequence = r.ReadUInt64();
        byte[] digest = Cbor.ReadHash(r, "desired digest");
        r.ReadEndArray();
        return new DesiredRef(region, sequence, digest);
    }
}

using System.Formats.Cbor;
using System.Security.Cryptography;
using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;
using Grey.Federation.Operations;

namespace Grey.Federation.Messages;

/// <summary>
/// A region's desired-state change for a site: put or delete a <c>desired/...</c> key, numbered by a
/// per-site sequence, stamped with the region's HLC. Sent signed; the site applies it through its Raft log
/// as an operation carrying a <see cref="DesiredRef"/> to this change (<see cref="ToOperation"/>).
/// Encoded as map {0 version, 1 type 4, 2 region, 3 site, 9 hlc, 13 sequence, 14 key, 15 kind, 16 value (put only)}.
/// </summary>
public sealed class DesiredChange
{
    private readonly byte[]? _value;
    private byte[]? _digest;

    /// <summary>
    /// Creates a change: <paramref name="value"/> non-null for a put, null for a delete. Throws
    /// <see cref="ArgumentException"/> on misuse (the key must be under <c>desired/</c>).
    /// </summary>
    public DesiredChange(string region, string site, ulong sequence, string key, byte[]? value, HlcTimestamp stamp, int version = FormatVersion.Current)
    {
        if (!FormatVersion.IsSupported((ulong)version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "unsupported format version");
        }

        Region = FederationId.Require(region, nameof(region));
        Site = FederationId.Require(site, nameof(site));
        Key = KeyNames.Require(key, nameof(key));
        if (!KeyNames.IsDesired(key))
        {
            throw new ArgumentException($"a desired-state change writes only {KeyNames.DesiredPrefix} keys", nameof(key));
        }

        if (value is not null && value.Length > FederationLimits.MaxValueBytes)
        {
            throw new ArgumentException($"value longer than {FederationLimits.MaxValueBytes} bytes", nameof(value));
        }

        Version = version;
        Sequence = sequence;
        _value = value?.ToArray();
        Stamp = stamp.Validated(nameof(stamp));
    }

    /// <summary>The format version.</summary>
    public int Version { get; }

    /// <summary>The issuing region.</summary>
    public string Region { get; }

    /// <summary>The target site.</summary>
    public string Site { get; }

    /// <summary>The per-site sequence number.</summary>
    public ulong Sequence { get; }

    /// <summary>The key (under <c>desired/</c>).</summary>
    public string Key { get; }

    /// <summary><see cref="OperationKind.Put"/> or <see cref="OperationKind.Delete"/>.</summary>
    public OperationKind Kind => _value is null ? OperationKind.Delete : OperationKind.Put;

    /// <summary>The value of a put (empty for a delete).</summary>
    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>The region's HLC stamp of the change.</summary>
    public HlcTimestamp Stamp { get; }

    /// <summary>SHA-256 of the canonical bytes: what a <see cref="DesiredRef"/> names.</summary>
    public ReadOnlySpan<byte> Digest => _digest ??= SHA256.HashData(Encode());

    /// <summary>The reference an operation applying this change carries.</summary>
    public DesiredRef Reference => new(Region, Sequence, Digest);

    /// <summary>
    /// The operation a site's leader proposes to apply this change, stamped by the site's clock
    /// (<paramref name="stamp"/>) and proposed by <paramref name="origin"/>.
    /// </summary>
    public Operation ToOperation(HlcTimestamp stamp, string origin) => _value is null
        ? Operation.Delete(Key, stamp, origin, Reference)
        : Operation.Put(Key, _value, stamp, origin, Reference);

    /// <summary>Whether <paramref name="op"/> applies exactly this change (key, kind, value and reference).</summary>
    public bool Matches(Operation op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return op.Key == Key && op.Kind == Kind && op.Desired is not null && op.Desired.Equals(Reference)
               && (_value is null || op.Value.Span.SequenceEqual(_value));
    }

    /// <summary>The canonical bytes (what is signed and digested).</summary>
    public byte[] Encode()
    {
        CborWriter w = Cbor.Writer();
        w.WriteStartMap(_value is null ? 8 : 9);
        MessageHeader.Write(w, Version, MessageType.DesiredChange);
        w.WriteUInt32(2);
        w.WriteTextString(Region);
        w.WriteUInt32(3);
        w.WriteTextString(Site);
        w.WriteUInt32(9);
        Cbor.WriteHlc(w, Stamp);
        w.WriteUInt32(13);
        w.WriteUInt64(Sequence);
        w.WriteUInt32(14);
        w.WriteTextString(Key);
        w.WriteUInt32(15);
        w.WriteUInt32((uint)Kind);
        if (_value is not null)
        {
            w.WriteUInt32(16);
            w.WriteByteString(_value);
        }

        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Decodes canonical bytes; never throws for bad input.</summary>
    public static DecodeResult<DesiredChange> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard("desired change", () =>
    {
        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "desired change");
        (int version, MessageType type) = MessageHeader.Read(r, "desired change");
        if (type != MessageType.DesiredChange)
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"desired change: message type {(int)type} is not a desired change");
        }

        Cbor.ReadKey(r, 2, "desired change");
        string region = Cbor.ReadText(r, FederationId.MaxLength, "region");
        Cbor.ReadKey(r, 3, "desired change");
        string site = Cbor.ReadText(r, FederationId.MaxLength, "site");
        Cbor.ReadKey(r, 9, "desired change");
        HlcTimestamp stamp = Cbor.ReadHlc(r, "hlc");
        Cbor.ReadKey(r, 13, "desired change");
        ulong sequence = r.ReadUInt64();
        Cbor.ReadKey(r, 14, "desired change");
        string key = Cbor.ReadText(r, FederationLimits.MaxKeyBytes, "key");
        Cbor.ReadKey(r, 15, "desired change");
        ulong kind = r.ReadUInt64();
        byte[]? value = null;
        if (kind == (ulong)OperationKind.Put && fields == 9)
        {
            Cbor.ReadKey(r, 16, "desired change");
            value = Cbor.ReadBytes(r, FederationLimits.MaxValueBytes, "value");
        }
        else if (kind != (ulong)OperationKind.Delete || fields != 8)
        {
            throw FormatDecodeException.Malformed($"desired change: kind {kind} with {fields} fields (a put has 9 with a value, a delete 8)");
        }

        r.ReadEndMap();
        Cbor.ExpectEnd(r, "desired change");
        var change = new DesiredChange(region, site, sequence, key, value, stamp, version);
        if (!change.Encode().AsSpan().SequenceEqual(bytes.Span))
        {
            throw FormatDecodeException.Malformed("desired change: not in canonical form");
        }

        return change;
    });
}

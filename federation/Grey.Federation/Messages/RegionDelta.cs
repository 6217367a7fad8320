using System.Formats.Cbor;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;
using Grey.Federation.State;

namespace Grey.Federation.Messages;

/// <summary>
/// What one region shares with another: its merged state (data and per site epoch progress), which the
/// receiver joins (<see cref="RegionState.Join"/>). The join is idempotent, commutative and associative,
/// so gossip order and repetition do not matter. Encoded as map {0 version, 1 type 5, 2 region, 12 state}.
/// </summary>
public sealed class RegionDelta
{
    private readonly RegionState _state;

    /// <summary>Creates a region delta carrying a copy of <paramref name="state"/>.</summary>
    public RegionDelta(string region, RegionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Region = FederationId.Require(region, nameof(region));
        _state = state.Clone();
    }

    private RegionDelta(int version, string region, RegionState state)
    {
        Version = version;
        Region = region;
        _state = state;
    }

    /// <summary>The format version.</summary>
    public int Version { get; } = FormatVersion.Current;

    /// <summary>The sending region.</summary>
    public string Region { get; }

    /// <summary>A copy of the carried state.</summary>
    public RegionState State => _state.Clone();

    internal RegionState RawState => _state;

    /// <summary>The canonical bytes (what is signed).</summary>
    public byte[] Encode()
    {
        CborWriter w = Cbor.Writer();
        w.WriteStartMap(4);
        MessageHeader.Write(w, Version, MessageType.RegionDelta);
        w.WriteUInt32(2);
        w.WriteTextString(Region);
        w.WriteUInt32(12);
        StateCodec.Write(w, _state);
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Decodes canonical bytes (at most <see cref="FederationLimits.MaxRegionStateBytes"/>); never throws for bad input.</summary>
    public static DecodeResult<RegionDelta> Decode(ReadOnlyMemory<byte> bytes) => Cbor.Guard("region delta", () =>
    {
        if (bytes.Length > FederationLimits.MaxRegionStateBytes)
        {
            throw FormatDecodeException.TooLarge($"region delta: {bytes.Length} bytes, at most {FederationLimits.MaxRegionStateBytes} allowed");
        }

        CborReader r = Cbor.Reader(bytes);
        int fields = Cbor.ReadMap(r, 16, "region delta");
        (int version, MessageType type) = MessageHeader.Read(r, "region delta");
        if (type != MessageType.RegionDelta)
        {
            throw new FormatDecodeException(DecodeErrorCode.WrongMessageType, $"region delta: message type {(int)type} is not a region delta");
        }

        if (fields != 4)
        {
            throw FormatDecodeException.Malformed($"region delta: {fields} fields, expected 4");
        }

        Cbor.ReadKey(r, 2, "region delta");
        string region = Cbor.ReadText(r, FederationId.MaxLength, "region");
        if (!FederationId.IsValid(region))
        {
            throw FormatDecodeException.Malformed($"region delta: '{region}' is not a valid region id");
        }

        Cbor.ReadKey(r, 12, "region delta");
        RegionState state = StateCodec.Read(r);
        r.ReadEndMap();
        Cbor.ExpectEnd(r, "region delta");
        var delta = new RegionDelta(version, region, state);
        if (!delta.Encode().AsSpan().SequenceEqual(bytes.Span))
        {
            throw FormatDecodeException.Malformed("region delta: not in canonical form");
        }

        return delta;
    });
}

using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;

namespace Grey.Federation.Deltas;

/// <summary>
/// What a site ships to its home region: either a <see cref="SiteDelta"/> (the data entries of a log index
/// range) or a <see cref="CheckpointDelta"/> (the site's whole state at an index, after its outbox budget
/// forced it to fold history). Immutable; encode with <see cref="Encode"/>, decode with <see cref="Decode"/>.
/// </summary>
public abstract class Delta
{
    private readonly byte[] _chainAfter;

    private protected Delta(int version, string region, string site, ulong epoch, ulong lastIndex, byte[] chainAfter, HlcTimestamp minStamp, HlcTimestamp maxStamp)
    {
        if (version is not (FormatVersion.Current or FormatVersion.Previous))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "unsupported format version");
        }

        Region = FederationId.Require(region, nameof(region));
        Site = FederationId.Require(site, nameof(site));
        if (lastIndex == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lastIndex), "log indexes start at 1");
        }

        if (chainAfter.Length != FederationLimits.HashBytes)
        {
            throw new ArgumentException($"chain hash must be {FederationLimits.HashBytes} bytes", nameof(chainAfter));
        }

        if (minStamp > maxStamp)
        {
            throw new ArgumentException("HLC range: minimum above maximum", nameof(minStamp));
        }

        Version = version;
        Epoch = epoch;
        LastIndex = lastIndex;
        _chainAfter = chainAfter;
        MinStamp = minStamp.Validated(nameof(minStamp));
        MaxStamp = maxStamp.Validated(nameof(maxStamp));
    }

    /// <summary>The format version it is encoded in.</summary>
    public int Version { get; }

    /// <summary>The message type: <see cref="MessageType.SiteDelta"/> or <see cref="MessageType.CheckpointDelta"/>.</summary>
    public abstract MessageType Type { get; }

    /// <summary>The site's home region.</summary>
    public string Region { get; }

    /// <summary>The sending site.</summary>
    public string Site { get; }

    /// <summary>The site's epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The last log index covered.</summary>
    public ulong LastIndex { get; }

    /// <summary>The chain hash at <see cref="LastIndex"/>, as claimed by the sender.</summary>
    public ReadOnlySpan<byte> ChainAfter => _chainAfter;

    /// <summary>The lowest HLC stamp in the content (zero when empty).</summary>
    public HlcTimestamp MinStamp { get; }

    /// <summary>The highest HLC stamp in the content (zero when empty).</summary>
    public HlcTimestamp MaxStamp { get; }

    /// <summary>The deduplication id for the transport, e.g. JetStream's <c>Nats-Msg-Id</c>.</summary>
    public abstract string MessageId { get; }

    internal byte[] RawChainAfter => _chainAfter;

    /// <summary>The canonical bytes (what is signed).</summary>
    public byte[] Encode() => DeltaCodec.Encode(this);

    /// <summary>Decodes canonical delta bytes; never throws for bad input.</summary>
    public static DecodeResult<Delta> Decode(ReadOnlyMemory<byte> bytes) => DeltaCodec.Decode(bytes);
}

using System.Globalization;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Encoding;

namespace Grey.Federation.Deltas;

/// <summary>
/// The data entries of a site's log over the index range [<see cref="FirstIndex"/>, <see cref="LastIndex"/>],
/// with the chain hash before and after, so a region checks continuity whatever the batch boundaries were.
/// Internal entries of the range (no-ops, membership changes, acknowledgements) are not carried, so a range
/// may hold fewer entries than indexes, or none.
/// </summary>
public sealed class SiteDelta : Delta
{
    private byte[][]? _chainAfterEach;

    private readonly byte[] _chainBefore;

    internal SiteDelta(int version, string region, string site, ulong epoch, ulong firstIndex, ulong lastIndex,
        byte[] chainBefore, byte[] chainAfter, HlcTimestamp minStamp, HlcTimestamp maxStamp, IReadOnlyList<DataEntry> entries)
        : base(version, region, site, epoch, lastIndex, chainAfter, minStamp, maxStamp)
    {
        if (firstIndex == 0 || firstIndex > lastIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(firstIndex), $"range [{firstIndex}, {lastIndex}] is empty or starts at 0");
        }

        if (chainBefore.Length != FederationLimits.HashBytes)
        {
            throw new ArgumentException($"chain hash must be {FederationLimits.HashBytes} bytes", nameof(chainBefore));
        }

        if (entries.Count > FederationLimits.MaxEntriesPerDelta || entries.Sum(e => e.Operations.Count) > FederationLimits.MaxOperationsPerDelta)
        {
            throw new ArgumentException("too many entries or operations for one delta", nameof(entries));
        }

        DataEntry? previous = null;
        foreach (DataEntry e in entries)
        {
            if (e.Index < firstIndex || e.Index > lastIndex)
            {
                throw new ArgumentException($"entry {e.Index} is outside [{firstIndex}, {lastIndex}]", nameof(entries));
            }

            if (previous is not null && (e.Index <= previous.Index || e.Stamp <= previous.Stamp))
            {
                throw new ArgumentException($"entry {e.Index}: indexes and stamps must rise strictly", nameof(entries));
            }

            foreach (HlcTimestamp s in Stamps(e))
            {
                if (s < minStamp || s > maxStamp)
                {
                    throw new ArgumentException($"entry {e.Index}: stamp {s} outside the HLC range [{minStamp}, {maxStamp}]", nameof(entries));
                }
            }

            previous = e;
        }

        FirstIndex = firstIndex;
        _chainBefore = chainBefore;
        Entries = [.. entries];
    }

    /// <inheritdoc />
    public override MessageType Type => MessageType.SiteDelta;

    /// <summary>The first log index covered.</summary>
    public ulong FirstIndex { get; }

    /// <summary>The chain hash after every data entry before <see cref="FirstIndex"/>.</summary>
    public ReadOnlySpan<byte> ChainBefore => _chainBefore;

    /// <summary>The data entries of the range, in log order.</summary>
    public IReadOnlyList<DataEntry> Entries { get; }

    /// <inheritdoc />
    public override string MessageId => string.Create(CultureInfo.InvariantCulture, $"{Site}:{Epoch}:{FirstIndex}-{LastIndex}");

    internal byte[] RawChainBefore => _chainBefore;

    /// <summary>
    /// The chain hash after each entry, from <see cref="ChainBefore"/> (computed once; the delta is immutable). The
    /// region computes it while it prepares a batch on several cores, so the in-order merge only compares hashes.
    /// </summary>
    internal IReadOnlyList<byte[]> ChainAfterEach => _chainAfterEach ??= ComputeChainAfterEach();

    private byte[][] ComputeChainAfterEach()
    {
        var hashes = new byte[Entries.Count][];
        byte[] h = _chainBefore;
        for (int i = 0; i < hashes.Length; i++)
        {
            h = ChainHash.Next(h, Entries[i]);
            hashes[i] = h;
        }

        return hashes;
    }

    /// <summary>
    /// Builds a delta from the entries of [<paramref name="firstIndex"/>, <paramref name="lastIndex"/>] and the
    /// chain hash before them; computes the chain hash after and the HLC range. Throws on misuse.
    /// </summary>
    public static SiteDelta Create(string region, string site, ulong epoch, ulong firstIndex, ulong lastIndex,
        ReadOnlySpan<byte> chainBefore, IReadOnlyList<DataEntry> entries, int version = FormatVersion.Current)
    {
        ArgumentNullException.ThrowIfNull(entries);
        (HlcTimestamp min, HlcTimestamp max) = RangeOf(entries);
        byte[] after = ChainHash.Fold(chainBefore, entries);
        return new SiteDelta(version, region, site, epoch, firstIndex, lastIndex, chainBefore.ToArray(), after, min, max, entries);
    }

    internal static (HlcTimestamp Min, HlcTimestamp Max) RangeOf(IEnumerable<DataEntry> entries)
    {
        HlcTimestamp? min = null;
        HlcTimestamp max = HlcTimestamp.Zero;
        foreach (HlcTimestamp s in entries.SelectMany(Stamps))
        {
            min = min is null || s < min ? s : min;
            max = HlcTimestamp.Max(max, s);
        }

        return (min ?? HlcTimestamp.Zero, max);
    }

    private static IEnumerable<HlcTimestamp> Stamps(DataEntry e) => e.Operations.Select(o => o.Stamp).Append(e.Stamp);
}

using System.Globalization;
using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.State;

namespace Grey.Federation.Deltas;

/// <summary>
/// A site's whole state at log index <see cref="Delta.LastIndex"/> of its epoch, as CRDT state (registers
/// with their stamps, counters per origin slot, sets with their tags), with the chain hash at that index.
/// The edge sends one when its outbox budget forced it to fold history (DESIGN G3); a region accepts the
/// jump in the chain on the signature and the signer's attestation alone, joins the state like any other,
/// and counts it as folded.
/// </summary>
public sealed class CheckpointDelta : Delta
{
    private readonly RegionState _state;

    internal CheckpointDelta(int version, string region, string site, ulong epoch, ulong index, byte[] chainHash,
        HlcTimestamp minStamp, HlcTimestamp maxStamp, RegionState state)
        : base(version, region, site, epoch, index, chainHash, minStamp, maxStamp)
    {
        if (state.Progress.Count != 0)
        {
            throw new ArgumentException("a checkpoint's state carries no progress rows", nameof(state));
        }

        foreach (HlcTimestamp s in StampsOf(state))
        {
            if (s < minStamp || s > maxStamp)
            {
                throw new ArgumentException($"stamp {s} outside the HLC range [{minStamp}, {maxStamp}]", nameof(state));
            }
        }

        _state = state;
    }

    /// <inheritdoc />
    public override MessageType Type => MessageType.CheckpointDelta;

    /// <inheritdoc />
    public override string MessageId => string.Create(CultureInfo.InvariantCulture, $"{Site}:{Epoch}:c{LastIndex}");

    /// <summary>A copy of the site's state at the checkpoint index.</summary>
    public RegionState State => _state.Clone();

    internal RegionState RawState => _state;

    /// <summary>
    /// Builds a checkpoint of <paramref name="siteState"/> (the site's own state: no progress rows) at
    /// <paramref name="index"/> with the chain hash there. The state is copied. Throws on misuse.
    /// </summary>
    public static CheckpointDelta Create(string region, string site, ulong epoch, ulong index, ReadOnlySpan<byte> chainHash,
        RegionState siteState, int version = FormatVersion.Current)
    {
        ArgumentNullException.ThrowIfNull(siteState);
        RegionState copy = siteState.Clone();
        (HlcTimestamp min, HlcTimestamp max) = RangeOf(copy);
        return new CheckpointDelta(version, region, site, epoch, index, chainHash.ToArray(), min, max, copy);
    }

    internal static (HlcTimestamp Min, HlcTimestamp Max) RangeOf(RegionState state)
    {
        HlcTimestamp? min = null;
        HlcTimestamp max = HlcTimestamp.Zero;
        foreach (HlcTimestamp s in StampsOf(state))
        {
            min = min is null || s < min ? s : min;
            max = HlcTimestamp.Max(max, s);
        }

        return (min ?? HlcTimestamp.Zero, max);
    }

    private static IEnumerable<HlcTimestamp> StampsOf(RegionState state) =>
        state.Registers.Values.Select(r => r.Stamp)
            .Concat(state.Sets.Values.SelectMany(e => e.Values).SelectMany(es => es.Adds.Concat(es.Removes)).Select(t => t.Stamp));
}

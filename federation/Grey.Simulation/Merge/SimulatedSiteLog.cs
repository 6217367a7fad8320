using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Merge;
using Grey.Federation.State;

namespace Grey.Simulation.Merge;

/// <summary>One epoch of a simulated site's log: its data entries (with gaps where internal entries were) and its last index.</summary>
internal sealed record SimulatedSiteLog(string Site, ulong Epoch, IReadOnlyList<DataEntry> Entries, ulong LastIndex, string HomeRegion)
{
    /// <summary>The chain hash after every data entry up to <paramref name="index"/>.</summary>
    public byte[] ChainAt(ulong index) => ChainHash.Fold(ChainHash.Genesis(Site, Epoch), Entries.Where(e => e.Index <= index));

    /// <summary>The delta for [<paramref name="first"/>, <paramref name="last"/>], as any leader would ship it.</summary>
    public SiteDelta Delta(ulong first, ulong last, int version = FormatVersion.Current) =>
        SiteDelta.Create(HomeRegion, Site, Epoch, first, last, ChainAt(first - 1), [.. Entries.Where(e => e.Index >= first && e.Index <= last)], version);

    /// <summary>The checkpoint the site would send after folding its history up to <paramref name="index"/>.</summary>
    public CheckpointDelta Checkpoint(ulong index, IDesiredChangeLedger ledger)
    {
        var state = new RegionState();
        SiteLogApplier.ApplyEntries(state, Site, Epoch, Entries.Where(e => e.Index <= index), ledger);
        return CheckpointDelta.Create(HomeRegion, Site, Epoch, index, ChainAt(index), state);
    }

    /// <summary>Cuts [<paramref name="from"/>, LastIndex] into consecutive deltas of random lengths (1 to <paramref name="maxLength"/> indexes).</summary>
    public List<SiteDelta> Cut(Random rng, ulong from, int maxLength)
    {
        var deltas = new List<SiteDelta>();
        ulong first = from;
        while (first <= LastIndex)
        {
            ulong last = Math.Min(LastIndex, first + (ulong)rng.Next(0, maxLength));
            // A fifth of the deltas come from nodes not yet upgraded, in the previous format version.
            deltas.Add(Delta(first, last, rng.Next(5) == 0 ? FormatVersion.Previous : FormatVersion.Current));
            first = last + 1;
        }

        return deltas;
    }
}

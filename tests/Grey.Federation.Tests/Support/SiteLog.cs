using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.State;

namespace Grey.Federation.Tests.Support;

/// <summary>One epoch of a site's log, as the site committed it: data entries (with gaps where internal entries were) and the last index.</summary>
internal sealed record SiteLog(string Site, ulong Epoch, IReadOnlyList<DataEntry> Entries, ulong LastIndex, string HomeRegion = "r0")
{
    public byte[] ChainAt(ulong index) => ChainHash.Fold(ChainHash.Genesis(Site, Epoch), Entries.Where(e => e.Index <= index));

    public SiteDelta Delta(ulong first, ulong last) =>
        SiteDelta.Create(HomeRegion, Site, Epoch, first, last, ChainAt(first - 1), [.. Entries.Where(e => e.Index >= first && e.Index <= last)]);

    public CheckpointDelta Checkpoint(ulong index, IDesiredChangeLedger ledger)
    {
        var state = new RegionState();
        SiteLogApplier.ApplyEntries(state, Site, Epoch, Entries.Where(e => e.Index <= index), ledger);
        return CheckpointDelta.Create(HomeRegion, Site, Epoch, index, ChainAt(index), state);
    }

    /// <summary>Cuts [1, LastIndex] into consecutive deltas at random boundaries.</summary>
    public List<SiteDelta> Cut(Random rng, int maxLength)
    {
        var deltas = new List<SiteDelta>();
        ulong first = 1;
        while (first <= LastIndex)
        {
            ulong last = Math.Min(LastIndex, first + (ulong)rng.Next(0, maxLength));
            deltas.Add(Delta(first, last));
            first = last + 1;
        }

        return deltas;
    }

    public void ApplyDirectly(RegionState state, IDesiredChangeLedger ledger) =>
        SiteLogApplier.ApplyLog(state, Site, Epoch, Entries, LastIndex, ledger);
}

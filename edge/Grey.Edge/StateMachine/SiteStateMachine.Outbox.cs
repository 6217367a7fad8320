using Grey.Federation.Chain;
using Grey.Federation.Merge;
using Grey.Federation.State;

namespace Grey.Edge.StateMachine;

/// <summary>
/// What the outbox (docs/OUTBOX.md) needs from the replicated state: the home region's last acknowledgement,
/// the data entry the last apply chained, and, when asked for, the site's whole state as federation CRDT state
/// (the content of a checkpoint delta), kept by applying every chained entry with the federation's own applier
/// so that a checkpoint equals the merge of the entries it folds.
/// </summary>
internal sealed partial class SiteStateMachine
{
    private RegionState? siteState;

    /// <summary>The highest index the home region acknowledged for this epoch (0: none), from applied ack records.</summary>
    public ulong AckedIndex { get; private set; }

    /// <summary>The region that sent the last applied acknowledgement ("" when none).</summary>
    public string AckedRegion { get; private set; } = string.Empty;

    /// <summary>The chain hash at <see cref="AckedIndex"/> as the region acknowledged it (empty when none).</summary>
    public ReadOnlyMemory<byte> AckedChainHash { get; private set; }

    /// <summary>The data entry the latest apply chained (null before the first), for the outbox journal.</summary>
    public DataEntry? LastChained { get; private set; }

    /// <summary>
    /// Whether <see cref="SiteState"/> is kept. Off by default (a standalone site pays nothing for it); the outbox
    /// turns it on before the first entry applies.
    /// </summary>
    public bool KeepsSiteState => siteState is not null || SiteStateMissing;

    /// <summary>
    /// True when the site state was asked for but the snapshot this machine was restored from did not carry it
    /// while chained entries existed: a checkpoint cannot be built until the site state is complete again.
    /// </summary>
    public bool SiteStateMissing { get; private set; }

    /// <summary>The site's state as federation CRDT state, or null when not kept or incomplete (read it under the node's lock, do not change it).</summary>
    public RegionState? SiteState => siteState;

    /// <summary>
    /// Starts keeping <see cref="SiteState"/>. Complete only when nothing has been chained yet or the restored
    /// snapshot carried it; otherwise <see cref="SiteStateMissing"/> is set.
    /// </summary>
    public void KeepSiteState()
    {
        if (KeepsSiteState)
        {
            return;
        }

        if (ChainedEntries == 0)
        {
            siteState = new RegionState();
        }
        else
        {
            SiteStateMissing = true;
        }
    }

    private void TrackSiteState(DataEntry entry, IDesiredChangeLedger ledger)
    {
        // The ledger knows the desired change this entry applies (if any), so the shadow state keeps desired keys
        // exactly as the region's merge of the same entry does.
        if (siteState is not null)
        {
            SiteLogApplier.ApplyEntries(siteState, Site, Epoch!.Value, [entry], ledger);
        }
    }

    private void ApplyRegionAck(SiteRecord record)
    {
        // Acknowledgements only move forward, and only for this epoch and entries before the ack record itself;
        // every replica decides alike, so a stale or repeated ack record changes nothing anywhere.
        if (Epoch != record.Epoch || record.AckIndex <= AckedIndex || record.AckIndex >= AppliedIndex || record.ChainHash is null)
        {
            return;
        }

        AckedIndex = record.AckIndex;
        AckedRegion = record.Region;
        AckedChainHash = record.ChainHash;
    }
}

using Grey.Federation.Merge;
using Grey.Federation.Messages;

namespace Grey.Edge.Desired;

/// <summary>
/// The ledger the site's shadow federation state (docs/OUTBOX.md, "Site state for checkpoints") is folded with
/// while one desired change is applied: it knows exactly that change. The state machine applies one chained entry
/// at a time, so the change the entry applies is the only one the federation's ownership rules need to confirm;
/// every other <c>desired/...</c> write stays refused, as at the region.
/// </summary>
internal sealed class AppliedChangeLedger(DesiredChange change) : IDesiredChangeLedger
{
    /// <inheritdoc/>
    public DesiredChange? Find(string region, string site, ulong sequence) =>
        region == change.Region && site == change.Site && sequence == change.Sequence ? change : null;
}

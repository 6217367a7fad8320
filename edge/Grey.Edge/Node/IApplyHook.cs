using Grey.Edge.StateMachine;
using Grey.Federation.Chain;

namespace Grey.Edge.Node;

/// <summary>
/// Observes what the node applies, for the outbox journal (docs/OUTBOX.md). Every method is called on the node
/// loop, under the state machine's lock, in apply order; implementations must be quick and must not call back
/// into the node. An exception from a hook stops the node (as a WAL failure does): the journal's durability is
/// part of the node's.
/// </summary>
internal interface IApplyHook
{
    /// <summary>
    /// The state machine was restored (at start from the newest snapshot, or from a snapshot the leader sent) or
    /// created empty; called before any entry after it applies. The hook may turn on
    /// <see cref="SiteStateMachine.KeepSiteState"/>.
    /// </summary>
    void Restored(SiteStateMachine machine);

    /// <summary>Applying the entry at <paramref name="entry"/>'s index advanced the chain from <paramref name="chainBefore"/> to <paramref name="chainAfter"/>.</summary>
    void Chained(DataEntry entry, ReadOnlySpan<byte> chainBefore, ReadOnlySpan<byte> chainAfter);

    /// <summary>An applied region acknowledgement moved <see cref="SiteStateMachine.AckedIndex"/> to <paramref name="ackedIndex"/>.</summary>
    void Acknowledged(ulong ackedIndex);

    /// <summary>A snapshot at <paramref name="index"/> is about to be persisted: make everything applied through it durable first.</summary>
    void BeforeSnapshot(ulong index);
}

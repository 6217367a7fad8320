namespace Grey.Edge.Outbox;

/// <summary>
/// Every outbox figure at one moment, for <c>/metrics</c> (suggested names in docs/OUTBOX.md) and the site report.
/// </summary>
/// <param name="IsShipping">This node is the leader and its outbox is shipping (or waiting for a signer or the link).</param>
/// <param name="LinkUp">The uplink reports a link to the broker.</param>
/// <param name="HasSigner">A delta-signing key is available (enrolled and attested).</param>
/// <param name="AckedIndex">The index the region acknowledged (replicated through the log).</param>
/// <param name="JournalTailIndex">The index of the newest journal entry (0: none).</param>
/// <param name="BacklogEntries">Journal entries above the acknowledged index.</param>
/// <param name="BacklogBytes">Their journal bytes.</param>
/// <param name="OldestUnackedAge">Age of the oldest of them (by its HLC stamp), zero when none; true while offline.</param>
/// <param name="FoldPending">Entries were folded (budget, or a gap in the journal) and a checkpoint has not been acknowledged yet.</param>
/// <param name="Folds">Folds this journal made since it was opened (budget exceeded or a gap found).</param>
/// <param name="FoldedEntries">Entries dropped by those folds (they reach the region inside a checkpoint).</param>
/// <param name="JournalGaps">Gaps found (entries the journal should hold and does not: a follower caught up by snapshot, or a broken durability rule).</param>
/// <param name="InFlightDeltas">Deltas published and not yet acknowledged.</param>
/// <param name="InFlightBytes">Their signed bytes.</param>
/// <param name="DeltasShipped">Deltas the broker accepted.</param>
/// <param name="CheckpointsShipped">Checkpoint deltas the broker accepted.</param>
/// <param name="BytesShipped">Signed bytes the broker accepted.</param>
/// <param name="Resends">Restarts from the acknowledged index (link up, ack timeout, NAK).</param>
/// <param name="AcksAccepted">Acks verified and proposed.</param>
/// <param name="AcksRefused">Acks refused.</param>
/// <param name="AcksStale">Repeated or uncheckable acks ignored.</param>
/// <param name="Naks">NAKs acted on.</param>
/// <param name="PublishFailures">Publishes not stored by the broker.</param>
/// <param name="Revocations">Revocation notices acted on.</param>
/// <param name="DesiredAppliedSequence">The highest desired-change sequence of the home region applied by the site (replicated).</param>
/// <param name="DesiredApplied">Desired changes this node proposed and applied.</param>
/// <param name="DesiredDuplicates">Desired changes already applied when they arrived.</param>
/// <param name="DesiredGaps">Desired changes ahead of the next sequence (ignored; the region resends in order).</param>
/// <param name="DesiredRefused">Desired changes refused (signature, malformed, wrong site or region, no trust).</param>
internal readonly record struct OutboxSnapshot(
    bool IsShipping,
    bool LinkUp,
    bool HasSigner,
    ulong AckedIndex,
    ulong JournalTailIndex,
    long BacklogEntries,
    long BacklogBytes,
    TimeSpan OldestUnackedAge,
    bool FoldPending,
    long Folds,
    long FoldedEntries,
    long JournalGaps,
    int InFlightDeltas,
    long InFlightBytes,
    long DeltasShipped,
    long CheckpointsShipped,
    long BytesShipped,
    long Resends,
    long AcksAccepted,
    long AcksRefused,
    long AcksStale,
    long Naks,
    long PublishFailures,
    long Revocations,
    ulong DesiredAppliedSequence = 0,
    long DesiredApplied = 0,
    long DesiredDuplicates = 0,
    long DesiredGaps = 0,
    long DesiredRefused = 0);

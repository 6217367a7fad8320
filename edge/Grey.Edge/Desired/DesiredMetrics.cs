namespace Grey.Edge.Desired;

/// <summary>
/// Counters of the desired-state changes one node's outbox handled since the process started (thread-safe). Only
/// the leader acts on a change; followers count what they ignored.
/// </summary>
internal sealed class DesiredMetrics
{
    private readonly long[] refused = new long[Enum.GetValues<DesiredRefusal>().Length];
    private long applied;
    private long duplicates;
    private long gaps;
    private long notLeader;
    private long proposalFailures;

    /// <summary>Changes this node proposed that committed and applied (the sequence was the next one).</summary>
    public long Applied => Interlocked.Read(ref applied);

    /// <summary>Changes already applied when they arrived (a redelivery or a resend), or applied first by another proposal.</summary>
    public long Duplicates => Interlocked.Read(ref duplicates);

    /// <summary>Changes ahead of the next sequence (ignored: the region resends in order).</summary>
    public long Gaps => Interlocked.Read(ref gaps);

    /// <summary>Changes received while this node was not the leader (ignored: the leader applies them).</summary>
    public long NotLeader => Interlocked.Read(ref notLeader);

    /// <summary>Proposals that did not reach an outcome (no leader, dropped, timed out): the change comes again.</summary>
    public long ProposalFailures => Interlocked.Read(ref proposalFailures);

    /// <summary>Changes refused, all reasons together.</summary>
    public long RefusedTotal => Enumerable.Range(0, refused.Length).Sum(i => Interlocked.Read(ref refused[i]));

    /// <summary>Changes refused for <paramref name="reason"/>.</summary>
    public long Refused(DesiredRefusal reason) => Interlocked.Read(ref refused[(int)reason]);

    internal void CountApplied() => Interlocked.Increment(ref applied);

    internal void CountDuplicate() => Interlocked.Increment(ref duplicates);

    internal void CountGap() => Interlocked.Increment(ref gaps);

    internal void CountNotLeader() => Interlocked.Increment(ref notLeader);

    internal void CountProposalFailure() => Interlocked.Increment(ref proposalFailures);

    internal void CountRefused(DesiredRefusal reason) => Interlocked.Increment(ref refused[(int)reason]);
}

namespace Grey.Simulation.Invariants;

/// <summary>
/// Checks Raft's safety properties (Figure 3 of the Raft paper) over a whole run, fed by observations the
/// simulator makes after every step. It knows nothing of the Raft library's types: entries are (index,
/// term, content hash), so the checks can be unit-tested with hand-made violating logs. Each method
/// returns the first violation it finds, or null.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Election safety: at most one leader per term, over the whole run.</item>
/// <item>Log matching, checked inductively: any two logs holding an entry with the same index and term
/// hold the same content and the same predecessor term there. By induction on the index, their prefixes
/// are then identical. This works across log compaction, where whole prefixes are no longer visible.</item>
/// <item>Leader completeness: a node that becomes leader of term T holds every entry whose commit was
/// observed in a term below T (observed terms are never below the true commit term, so the check is sound).</item>
/// <item>State-machine safety: no two nodes apply different entries at one index, and the chain of
/// everything applied up to an index is the same on every node (which also covers snapshots).</item>
/// <item>Commit durability, the step of the safety proof that leader completeness rests on: when a leader
/// commits an entry, no voter lacking it can collect a quorum of votes (voters whose logs are no more
/// up to date than its own). Committing by the Figure 8 rule guarantees it; committing an earlier term's
/// entry by counting replicas breaks it at once, long before a later election happens to expose it.</item>
/// </list>
/// </remarks>
internal sealed class RaftInvariantChecker
{
    private readonly Dictionary<ulong, ulong> leaderOfTerm = [];
    private readonly Dictionary<(ulong Index, ulong Term), (ulong PrevTerm, ulong ContentHash, ulong Node)> entries = [];
    private readonly Dictionary<ulong, AppliedEntry> applied = [];
    private readonly Dictionary<ulong, (ulong Chain, ulong Node)> chains = [];

    /// <summary>Leaders observed (distinct terms).</summary>
    public int Elections => leaderOfTerm.Count;

    /// <summary>The highest index any node applied.</summary>
    public ulong HighestApplied { get; private set; }

    /// <summary>A node reports that it is the leader of <paramref name="term"/>.</summary>
    public InvariantViolation? ObserveLeader(ulong node, ulong term)
    {
        if (leaderOfTerm.TryGetValue(term, out ulong other))
        {
            return other == node
                ? null
                : new InvariantViolation("election-safety", $"term {term} has two leaders: n{other} and n{node}");
        }

        leaderOfTerm[term] = node;
        return null;
    }

    /// <summary>A node persisted an entry at <paramref name="index"/> whose predecessor has term <paramref name="prevTerm"/>.</summary>
    public InvariantViolation? ObserveAppended(ulong node, ulong index, ulong term, ulong prevTerm, ulong contentHash)
    {
        if (entries.TryGetValue((index, term), out var seen))
        {
            if (seen.ContentHash != contentHash)
            {
                return new InvariantViolation(
                    "log-matching",
                    $"index {index} term {term} holds different content on n{seen.Node} and n{node}");
            }

            if (seen.PrevTerm != prevTerm)
            {
                return new InvariantViolation(
                    "log-matching",
                    $"index {index} term {term} follows term {seen.PrevTerm} on n{seen.Node} but term {prevTerm} on n{node}");
            }

            return null;
        }

        if (prevTerm > term)
        {
            return new InvariantViolation("log-matching", $"n{node}: entry {index} has term {term} below its predecessor's term {prevTerm}");
        }

        entries[(index, term)] = (prevTerm, contentHash, node);
        return null;
    }

    /// <summary>
    /// A node applied the entry at <paramref name="index"/>, while in <paramref name="nodeTerm"/>, extending
    /// its apply chain to <paramref name="chain"/>. Applied entries are committed entries.
    /// </summary>
    public InvariantViolation? ObserveApplied(ulong node, ulong index, ulong term, ulong contentHash, ulong chain, ulong nodeTerm)
    {
        if (applied.TryGetValue(index, out var seen))
        {
            if (seen.Term != term || seen.ContentHash != contentHash)
            {
                return new InvariantViolation(
                    "state-machine-safety",
                    $"index {index}: n{seen.Node} applied term {seen.Term} content {seen.ContentHash:x16}, n{node} applied term {term} content {contentHash:x16}");
            }

            if (nodeTerm < seen.ObservedTerm)
            {
                applied[index] = seen with { ObservedTerm = nodeTerm };
            }
        }
        else
        {
            applied[index] = new AppliedEntry(term, contentHash, nodeTerm, node);
            HighestApplied = Math.Max(HighestApplied, index);
        }

        return ObserveChain(node, index, chain);
    }

    /// <summary>True when some node already applied <paramref name="index"/>.</summary>
    public bool HasApplied(ulong index) => applied.ContainsKey(index);

    /// <summary>
    /// A leader has just committed the entry (<paramref name="index"/>, <paramref name="term"/>) under a simple
    /// (non-joint) configuration whose voters' durable logs are <paramref name="voters"/>. Every voter that
    /// lacks the entry must be unable to win an election: the voters that would grant it their vote (those
    /// whose logs are no more up to date than its own, itself included) must not form a quorum.
    /// </summary>
    public static InvariantViolation? CheckCommitDurable(ulong leader, ulong index, ulong term, ulong contentHash, IReadOnlyList<VoterLog> voters)
    {
        ArgumentNullException.ThrowIfNull(voters);
        int quorum = (voters.Count / 2) + 1;
        foreach (var candidate in voters)
        {
            var have = candidate.AtIndex;
            bool holds = have.Lookup == LogLookup.Compacted
                || (have.Lookup == LogLookup.Present && have.Term == term && have.ContentHash == contentHash);
            if (holds)
            {
                continue;
            }

            int votes = 0;
            foreach (var voter in voters)
            {
                bool upToDate = candidate.LastTerm > voter.LastTerm
                    || (candidate.LastTerm == voter.LastTerm && candidate.LastIndex >= voter.LastIndex);
                if (upToDate)
                {
                    votes++;
                }
            }

            if (votes >= quorum)
            {
                return new InvariantViolation(
                    "commit-durability",
                    $"n{leader} committed index {index} (term {term}), but n{candidate.Node} lacks it and could still win {votes} of {voters.Count} votes with its log ending at term {candidate.LastTerm} index {candidate.LastIndex}");
            }
        }

        return null;
    }

    /// <summary>A node restored a snapshot at <paramref name="index"/> whose apply chain is <paramref name="chain"/>.</summary>
    public InvariantViolation? ObserveChain(ulong node, ulong index, ulong chain)
    {
        if (chains.TryGetValue(index, out var seen))
        {
            return seen.Chain == chain
                ? null
                : new InvariantViolation(
                    "state-machine-safety",
                    $"the state applied up to index {index} differs between n{seen.Node} and n{node}");
        }

        chains[index] = (chain, node);
        return null;
    }

    /// <summary>
    /// A node just became leader of <paramref name="term"/>; <paramref name="lookup"/> reads its log. Every
    /// entry whose commit was observed in an earlier term must be in it.
    /// </summary>
    public InvariantViolation? CheckLeaderCompleteness(ulong node, ulong term, Func<ulong, LoggedEntry> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        foreach (var (index, entry) in applied)
        {
            if (entry.ObservedTerm >= term)
            {
                continue;
            }

            var have = lookup(index);
            switch (have.Lookup)
            {
                case LogLookup.Compacted:
                    continue;
                case LogLookup.Missing:
                    return new InvariantViolation(
                        "leader-completeness",
                        $"n{node} became leader of term {term} without entry {index} (term {entry.Term}) committed by term {entry.ObservedTerm}");
                default:
                    if (have.Term != entry.Term || have.ContentHash != entry.ContentHash)
                    {
                        return new InvariantViolation(
                            "leader-completeness",
                            $"n{node} became leader of term {term} with term {have.Term} at index {index}, where term {entry.Term} was committed by term {entry.ObservedTerm}");
                    }

                    break;
            }
        }

        return null;
    }

    private readonly record struct AppliedEntry(ulong Term, ulong ContentHash, ulong ObservedTerm, ulong Node);
}

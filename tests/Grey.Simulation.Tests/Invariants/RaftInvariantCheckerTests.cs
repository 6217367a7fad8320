using Grey.Simulation.Invariants;

namespace Grey.Simulation.Tests.Invariants;

public sealed class RaftInvariantCheckerTests
{
    private static Func<ulong, LoggedEntry> Log(params (ulong Index, ulong Term, ulong Hash)[] entries) =>
        index =>
        {
            foreach (var e in entries)
            {
                if (e.Index == index)
                {
                    return new LoggedEntry(LogLookup.Present, e.Term, e.Hash);
                }
            }

            return new LoggedEntry(LogLookup.Missing, 0, 0);
        };

    [Fact]
    public void ObserveLeader_TwoLeadersInOneTerm_IsElectionSafetyViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Null(checker.ObserveLeader(1, 5));
        Assert.Null(checker.ObserveLeader(1, 5));
        Assert.Null(checker.ObserveLeader(2, 6));

        var violation = checker.ObserveLeader(3, 5);

        Assert.NotNull(violation);
        Assert.Equal("election-safety", violation.Invariant);
        Assert.Equal(2, checker.Elections);
    }

    [Fact]
    public void ObserveAppended_SameIndexAndTermDifferentContent_IsLogMatchingViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Null(checker.ObserveAppended(1, 7, 3, 2, 0xAA));
        Assert.Null(checker.ObserveAppended(2, 7, 3, 2, 0xAA));

        var violation = checker.ObserveAppended(3, 7, 3, 2, 0xBB);

        Assert.Equal("log-matching", violation?.Invariant);
    }

    [Fact]
    public void ObserveAppended_SameIndexAndTermDifferentPredecessor_IsLogMatchingViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Null(checker.ObserveAppended(1, 7, 3, 2, 0xAA));

        var violation = checker.ObserveAppended(2, 7, 3, 1, 0xAA);

        Assert.Equal("log-matching", violation?.Invariant);
    }

    [Fact]
    public void ObserveAppended_TermBelowPredecessor_IsLogMatchingViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Equal("log-matching", checker.ObserveAppended(1, 4, 2, 3, 0xAA)?.Invariant);
    }

    [Fact]
    public void ObserveApplied_DifferentEntriesAtOneIndex_IsStateMachineSafetyViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Null(checker.ObserveApplied(1, 1, 1, 0xA, ContentHash.Chain(0, 1, 1, 0xA), 1));

        var violation = checker.ObserveApplied(2, 1, 2, 0xB, ContentHash.Chain(0, 1, 2, 0xB), 2);

        Assert.Equal("state-machine-safety", violation?.Invariant);
    }

    [Fact]
    public void ObserveChain_SnapshotWithDifferentState_IsStateMachineSafetyViolation()
    {
        var checker = new RaftInvariantChecker();
        ulong chain = ContentHash.Chain(0, 1, 1, 0xA);
        Assert.Null(checker.ObserveApplied(1, 1, 1, 0xA, chain, 1));
        Assert.Null(checker.ObserveChain(2, 1, chain));

        Assert.Equal("state-machine-safety", checker.ObserveChain(3, 1, chain ^ 1)?.Invariant);
    }

    [Fact]
    public void CheckLeaderCompleteness_LeaderMissingAnEarlierCommittedEntry_IsViolation()
    {
        var checker = new RaftInvariantChecker();
        Assert.Null(checker.ObserveApplied(1, 1, 1, 0xA, 11, nodeTerm: 1));
        Assert.Null(checker.ObserveApplied(1, 2, 1, 0xB, 12, nodeTerm: 1));

        var missing = checker.CheckLeaderCompleteness(2, 2, Log((1, 1, 0xA)));
        var replaced = checker.CheckLeaderCompleteness(3, 3, Log((1, 1, 0xA), (2, 2, 0xC)));

        Assert.Equal("leader-completeness", missing?.Invariant);
        Assert.Equal("leader-completeness", replaced?.Invariant);
    }

    [Fact]
    public void CheckLeaderCompleteness_CompleteOrCompactedLog_Passes()
    {
        var checker = new RaftInvariantChecker();
        checker.ObserveApplied(1, 1, 1, 0xA, 11, nodeTerm: 1);
        checker.ObserveApplied(1, 2, 1, 0xB, 12, nodeTerm: 1);

        Assert.Null(checker.CheckLeaderCompleteness(2, 2, Log((1, 1, 0xA), (2, 1, 0xB))));
        Assert.Null(checker.CheckLeaderCompleteness(2, 2, i => i == 1 ? new LoggedEntry(LogLookup.Compacted, 0, 0) : new LoggedEntry(LogLookup.Present, 1, 0xB)));
    }

    [Fact]
    public void CheckLeaderCompleteness_EntryCommittedInSameOrLaterTerm_IsNotRequired()
    {
        // A stale leader of term 2 may legitimately lack an entry first seen committed in term 2 or later.
        var checker = new RaftInvariantChecker();
        checker.ObserveApplied(1, 1, 2, 0xA, 11, nodeTerm: 2);

        Assert.Null(checker.CheckLeaderCompleteness(2, 2, Log()));
        Assert.Equal("leader-completeness", checker.CheckLeaderCompleteness(3, 3, Log())?.Invariant);
    }

    [Fact]
    public void CheckCommitDurable_Figure8_VoterWithNewerTermLacksEntry_IsViolation()
    {
        // Figure 8 (c): S1 (term 4) commits index 2 of term 2 by counting S1, S2, S3; S5 holds index 2 of
        // term 3 and would win votes from S4 and itself, and from S2/S3 whose logs end at term 2.
        var voters = new List<VoterLog>
        {
            new(1, 2, 2, new LoggedEntry(LogLookup.Present, 2, 0xE)),
            new(2, 2, 2, new LoggedEntry(LogLookup.Present, 2, 0xE)),
            new(3, 2, 2, new LoggedEntry(LogLookup.Present, 2, 0xE)),
            new(4, 1, 1, new LoggedEntry(LogLookup.Missing, 0, 0)),
            new(5, 2, 3, new LoggedEntry(LogLookup.Present, 3, 0xF)),
        };

        var violation = RaftInvariantChecker.CheckCommitDurable(1, 2, 2, 0xE, voters);

        Assert.Equal("commit-durability", violation?.Invariant);
        Assert.Contains("n5", violation!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckCommitDurable_CurrentTermEntryOnMajority_Passes()
    {
        // Figure 8 (e): S1 commits index 3 of its own term 4 on S1, S2, S3; S5's log (term 3) is now less
        // up to date than a majority, so it cannot be elected.
        var voters = new List<VoterLog>
        {
            new(1, 3, 4, new LoggedEntry(LogLookup.Present, 4, 0xA)),
            new(2, 3, 4, new LoggedEntry(LogLookup.Present, 4, 0xA)),
            new(3, 3, 4, new LoggedEntry(LogLookup.Present, 4, 0xA)),
            new(4, 1, 1, new LoggedEntry(LogLookup.Missing, 0, 0)),
            new(5, 2, 3, new LoggedEntry(LogLookup.Missing, 0, 0)),
        };

        Assert.Null(RaftInvariantChecker.CheckCommitDurable(1, 3, 4, 0xA, voters));
    }
}

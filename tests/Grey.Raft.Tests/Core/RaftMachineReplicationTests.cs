using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineReplicationTests
{
    /// <summary>
    /// The Figure 8 scenario of the Raft paper on five nodes. Node 1 leads term 2 and stores "x" at index 3
    /// on nodes 1 and 2; node 5 wins term 3 and appends its own entry at index 3 (kept to itself); node 1
    /// wins term 4 and copies "x" to node 3, so a majority stores it; then node 5 wins term 5 and overwrites
    /// index 3. Returns node 1's commit index after the copy, and any state-machine divergence at the end.
    /// </summary>
    private static (ulong CommitAfterCopy, string? Divergence) RunFigure8(RaftSabotage sabotage)
    {
        var c = new Cluster(5, o => o with { MaxSizePerMsg = 1, PreVote = false, CheckQuorum = false, Sabotage = sabotage });
        c.Elect(1);
        c.Cut(1, 3);
        c.Cut(1, 4);
        c.Cut(1, 5);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(Cluster.Bytes("x")));
        c.Stabilize();
        c.Heal();

        // Term 3: node 5 wins with nodes 3 and 4; its empty entry goes nowhere.
        c.Isolate(1);
        c[5].Node.Campaign();
        c.Stabilize(m => m.From == 5 && m.Type == MessageType.Append ? null : m);
        Assert.Equal(StateRole.Leader, c[5].Node.Status().Role);
        c.Queue.Clear();
        c.Heal();

        // Term 4: node 1 wins (it needs two rounds: it first learns term 3), node 5 is away. Entries of term 4
        // are stripped from its Appends so only "x" (term 2) spreads.
        // Node 1 crashed after term 2 (it still believes it leads); it restarts from its storage.
        c.Isolate(5);
        c.Restart(1);
        static Message? StripTerm4(Message m) =>
            m.Type == MessageType.Append ? m with { Entries = m.Entries.Where(e => e.Term != 4).ToList() } : m;
        c[1].Node.Campaign();
        c.Stabilize(StripTerm4);
        if (c[1].Node.Status().Role != StateRole.Leader)
        {
            c[1].Node.Campaign();
            c.Stabilize(StripTerm4);
        }

        Assert.Equal(StateRole.Leader, c[1].Node.Status().Role);
        Assert.Equal(4UL, c[1].Node.Status().Term);
        var commitAfterCopy = c[1].Node.Status().Commit;
        c.Queue.Clear();
        c.Heal();

        // Term 5: node 1 is gone; node 5 (restarted, last term 3) wins against logs whose last term is 2.
        c.Isolate(1);
        c.Restart(5);
        for (var i = 0; i < 3 && c[5].Node.Status().Role != StateRole.Leader; i++)
        {
            c[5].Node.Campaign();

            // Under the sabotage the logs no longer match and replication can loop; a bounded run is enough.
            c.Stabilize(maxRounds: 50, throwOnLimit: false);
        }

        Assert.Equal(StateRole.Leader, c[5].Node.Status().Role);
        return (commitAfterCopy, c.FindAppliedDivergence() ?? c.FindMissingCommittedEntry(5));
    }

    [Fact]
    public void MaybeCommit_Figure8_PreviousTermEntryNotCommittedByCount()
    {
        var (commit, divergence) = RunFigure8(RaftSabotage.None);
        Assert.Equal(2UL, commit);
        Assert.Null(divergence);
    }

    [Fact]
    public void MaybeCommit_SabotageCommitPreviousTermByCount_CommittedEntryIsLost()
    {
        var (commit, divergence) = RunFigure8(RaftSabotage.CommitPreviousTermByCount);
        Assert.Equal(3UL, commit);
        Assert.NotNull(divergence);
        Assert.Contains("index 3", divergence, StringComparison.Ordinal);
    }

    [Fact]
    public void HandleAppendResponse_Rejection_BacksOffPastWholeConflictingTerm()
    {
        // Follower 1 holds three entries of term 2 that the leader (term 4) does not have. The leader probes
        // after index 6; one rejection with the hint is enough to land on the last matching index 2.
        var c = new Cluster(3, o => o with { CheckQuorum = false });
        c.Elect(1);
        c.Isolate(1);
        foreach (var s in new[] { "l1", "l2", "l3" })
        {
            c[1].Node.Propose(Cluster.Bytes(s));
        }

        c.Stabilize();
        c.Elect(2);
        foreach (var s in new[] { "k1", "k2", "k3" })
        {
            c[2].Node.Propose(Cluster.Bytes(s));
        }

        c.Stabilize();
        c[2].Node.TransferLeader(3);
        c.Stabilize();
        Assert.Equal(StateRole.Leader, c[3].Node.Status().Role);
        c.Heal();
        c.Delivered.Clear();
        c.Tick(3, 1);
        c.Stabilize();

        var rejections = c.Delivered.Where(m => m.Type == MessageType.AppendResponse && m.Reject && m.From == 1).ToList();
        var rejection = Assert.Single(rejections);
        Assert.Equal(5UL, rejection.RejectHint);
        Assert.Equal(2UL, rejection.LogTerm);
        Assert.Equal(["k1", "k2", "k3"], c.AppliedData(1));
        Assert.Null(c.FindAppliedDivergence());
    }

    [Fact]
    public void FlowControl_MaxInflightMessages_BoundsUnacknowledgedAppends()
    {
        var c = new Cluster(2, o => o with { MaxSizePerMsg = 1, MaxInflightMessages = 3 });
        c.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            c[1].Node.Propose(Cluster.Bytes($"e{i}"));
        }

        c.ProcessReadies();
        var appends = c.Queue.Count(m => m.Type == MessageType.Append && m.To == 2);
        Assert.Equal(3, appends);
        Assert.Equal(3, c[1].Node.Status().Progress[2].InflightMessages);
        c.Stabilize();
        Assert.Equal(10, c.AppliedData(2).Count);
    }

    [Fact]
    public void FlowControl_MaxInflightBytes_BoundsBytesInFlight()
    {
        // Each entry is 100 bytes of payload plus 24 of overhead; 300 bytes in flight allow three messages.
        var c = new Cluster(2, o => o with { MaxSizePerMsg = 1, MaxInflightBytes = 300 });
        c.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            c[1].Node.Propose(new byte[100]);
        }

        c.ProcessReadies();
        Assert.Equal(3, c.Queue.Count(m => m.Type == MessageType.Append && m.To == 2));
        c.Stabilize();
        Assert.Equal(10, c[2].Applied.Count(e => e.Kind == EntryKind.Data));
    }

    [Fact]
    public void MaxSizePerMsg_BatchesEntriesUpToLimit()
    {
        // 10 entries of 76 bytes payload (+24 overhead = 100 each) with a 250-byte limit: 2 per message.
        var c = new Cluster(2, o => o with { MaxSizePerMsg = 250 });
        c.Elect(1);
        c.Isolate(2);
        for (var i = 0; i < 10; i++)
        {
            c[1].Node.Propose(new byte[76]);
        }

        c.Stabilize();
        c.Heal();
        c.Delivered.Clear();
        c.Tick(1, 1);
        c.Stabilize();
        var appends = c.Delivered.Where(m => m.Type == MessageType.Append && m.Entries.Count > 0).ToList();
        Assert.All(appends, m => Assert.True(m.Entries.Count <= 2, $"{m.Entries.Count} entries in one message"));
        Assert.Equal(10, c[2].Applied.Count(e => e.Kind == EntryKind.Data));
    }

    [Fact]
    public void Propose_LargerThanMaxEntrySize_Dropped()
    {
        var c = new Cluster(1, o => o with { MaxEntrySize = 10, MaxUncommittedEntriesSize = 100 });
        c.Elect(1);
        Assert.Equal(ProposeResult.Dropped, c[1].Node.Propose(new byte[11]));
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(new byte[10]));
    }

    [Fact]
    public void Propose_UncommittedLimitReached_DroppedUntilCommitted()
    {
        var c = new Cluster(3, o => o with { MaxEntrySize = 100, MaxUncommittedEntriesSize = 250 });
        c.Elect(1);
        c.Isolate(1);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(new byte[100]));
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(new byte[100]));
        Assert.Equal(ProposeResult.Dropped, c[1].Node.Propose(new byte[100]));

        // Empty entries never count against the limit.
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(ReadOnlyMemory<byte>.Empty));
        c.Stabilize();
        c.Heal();
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Equal(0UL, c[1].Machine.UncommittedSize);
        Assert.Equal(ProposeResult.Accepted, c[1].Node.Propose(new byte[100]));
    }

    [Fact]
    public void Ready_MaxCommittedEntriesPerReady_SplitsApplying()
    {
        var c = new Cluster(1, o => o with { MaxCommittedEntriesPerReady = 4 });
        c.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            c[1].Node.Propose(Cluster.Bytes($"e{i}"));
        }

        var sizes = new List<int>();
        while (c[1].Node.HasReady())
        {
            var rd = c[1].HandleReady(c.Queue)!;
            sizes.Add(rd.CommittedEntries.Count);
        }

        Assert.All(sizes, s => Assert.True(s <= 4));
        Assert.Equal(10, c.AppliedData(1).Count);
    }

    [Fact]
    public void ReportUnreachable_ReplicatingFollower_FallsBackToProbe()
    {
        var c = new Cluster(3);
        c.Elect(1);
        Assert.Equal(ProgressState.Replicate, c[1].Node.Status().Progress[2].State);
        c[1].Node.ReportUnreachable(2);
        Assert.Equal(ProgressState.Probe, c[1].Node.Status().Progress[2].State);
    }

    [Fact]
    public void Restart_FromStorage_KeepsTermVoteAndLog()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        c.Restart(2);
        var st = c[2].Node.Status();
        Assert.Equal(2UL, st.Term);
        Assert.Equal(1UL, st.Vote);
        Assert.Equal(3UL, st.Commit);
        c.Stabilize();
        Assert.Equal(["a"], c.AppliedData(2));
    }
}

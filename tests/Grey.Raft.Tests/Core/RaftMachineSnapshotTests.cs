using Grey.Raft.Tests.Support;

namespace Grey.Raft.Tests.Core;

public sealed class RaftMachineSnapshotTests
{
    private static Cluster LaggingFollowerWithCompactedLeader()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c.Isolate(3);
        for (var i = 0; i < 5; i++)
        {
            c[1].Node.Propose(Cluster.Bytes($"e{i}"));
        }

        c.Stabilize();
        var leader = c[1];
        var applied = leader.Node.Status().Applied;
        leader.Storage.CreateSnapshot(applied, leader.ConfState, Cluster.Bytes("state"));
        leader.Storage.Compact(applied);
        c.Heal();
        return c;
    }

    [Fact]
    public void SendAppend_FollowerBehindCompaction_SendsSnapshotAndFollowerCatchesUp()
    {
        var c = LaggingFollowerWithCompactedLeader();
        c.Delivered.Clear();
        c.Tick(1, 1);
        c.Stabilize();
        var snap = Assert.Single(c.Delivered, m => m.Type == MessageType.Snapshot);
        Assert.Equal(3UL, snap.To);
        Assert.Equal(c[1].Storage.Snapshot().Metadata.Index, c[3].Storage.Snapshot().Metadata.Index);
        Assert.Equal(c[1].Node.Status().Commit, c[3].Node.Status().Commit);
        Assert.Equal(ProgressState.Replicate, c[1].Node.Status().Progress[3].State);

        // New entries flow normally after the snapshot.
        c[1].Node.Propose(Cluster.Bytes("after"));
        c.Stabilize();
        Assert.Equal(["after"], c.AppliedData(3));
    }

    [Fact]
    public void ReportSnapshot_Failed_FollowerProbesAgainAndGetsAnotherSnapshot()
    {
        var c = LaggingFollowerWithCompactedLeader();
        c.ReportSnapshots = false;
        c.Tick(1, 1);

        // Deliver everything but the snapshot, which is "lost"; the application reports the failure.
        c.Stabilize(m => m.Type == MessageType.Snapshot ? null : m);
        Assert.Equal(ProgressState.Snapshot, c[1].Node.Status().Progress[3].State);
        c[1].Node.ReportSnapshot(3, failed: true);
        var pr = c[1].Node.Status().Progress[3];
        Assert.Equal(ProgressState.Probe, pr.State);
        Assert.Equal(0UL, pr.PendingSnapshot);
        c.Delivered.Clear();
        c.Tick(1, 1);
        c.Stabilize();
        Assert.Contains(c.Delivered, m => m.Type == MessageType.Snapshot && m.To == 3);
        Assert.Equal(c[1].Node.Status().Commit, c[3].Node.Status().Commit);
    }

    [Fact]
    public void Snapshot_WhileInSnapshotState_NoAppendsAreSent()
    {
        var c = LaggingFollowerWithCompactedLeader();
        c.ReportSnapshots = false;
        c.Tick(1, 1);
        c.Stabilize(m => m.Type == MessageType.Snapshot ? null : m);
        c.Delivered.Clear();
        c[1].Node.Propose(Cluster.Bytes("x"));
        c.Stabilize(m => m.Type == MessageType.Snapshot ? null : m);
        Assert.DoesNotContain(c.Delivered, m => m.Type == MessageType.Append && m.To == 3);
    }

    [Fact]
    public void Restore_SnapshotNotNewerThanCommit_Ignored()
    {
        var c = new Cluster(3);
        c.Elect(1);
        c[1].Node.Propose(Cluster.Bytes("a"));
        c.Stabilize();
        var follower = c[2].Machine;
        var stale = new Snapshot(new SnapshotMetadata(2, 2, ConfState.OfVoters(1, 2, 3)), ReadOnlyMemory<byte>.Empty);
        follower.Step(new Message { Type = MessageType.Snapshot, From = 1, To = 2, Term = 2, Snapshot = stale });
        Assert.False(follower.Log.HasNextOrInProgressSnapshot());
        Assert.Equal(3UL, follower.Messages.Single().Index);
    }

    [Fact]
    public void Restart_AfterSnapshot_StartsFromSnapshotAndConfig()
    {
        var c = LaggingFollowerWithCompactedLeader();
        c.Tick(1, 1);
        c.Stabilize();
        c.Restart(3);
        var st = c[3].Node.Status();
        Assert.Equal(c[3].Storage.Snapshot().Metadata.Index, st.Commit);
        Assert.True(st.Config.IsEquivalent(ConfState.OfVoters(1, 2, 3)));
    }
}

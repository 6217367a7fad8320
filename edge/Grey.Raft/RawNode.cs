namespace Grey.Raft;

/// <summary>
/// A Raft node as a pure state machine, in the style of etcd-io/raft's RawNode: inputs are ticks, messages
/// and proposals; outputs come out of <see cref="GetReady"/> and are acknowledged by <see cref="Advance"/>.
/// It never does I/O, starts threads or reads a clock.
/// </summary>
public sealed class RawNode
{
    /// <summary>Creates a node that restarts from whatever its storage holds.</summary>
    public RawNode(RaftOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        throw new NotSupportedException("not implemented yet");
    }

    /// <summary>Starts a brand-new group on empty storage with the given voters.</summary>
    public static RawNode Bootstrap(RaftOptions options, IReadOnlyList<ulong> voters) => throw new NotSupportedException();

    /// <summary>Advances the logical clock by one tick.</summary>
    public void Tick() => throw new NotSupportedException();

    /// <summary>Starts an election (or pre-vote round) now.</summary>
    public void Campaign() => throw new NotSupportedException();

    /// <summary>Proposes an entry to be appended to the log.</summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> data, EntryKind kind = EntryKind.Data) => throw new NotSupportedException();

    /// <summary>Proposes a membership change.</summary>
    public ProposeResult ProposeConfChange(ConfChange cc) => throw new NotSupportedException();

    /// <summary>Applies a committed membership change and returns the resulting membership.</summary>
    public ConfState ApplyConfChange(ConfChange cc) => throw new NotSupportedException();

    /// <summary>Feeds a message received from a peer.</summary>
    public void Step(Message m) => throw new NotSupportedException();

    /// <summary>Requests a linearizable read; the answer comes back as a <see cref="ReadState"/>.</summary>
    public void ReadIndex(ReadOnlyMemory<byte> context) => throw new NotSupportedException();

    /// <summary>Asks the leader to hand leadership to <paramref name="transferee"/>.</summary>
    public void TransferLeader(ulong transferee) => throw new NotSupportedException();

    /// <summary>True when <see cref="GetReady"/> has something to hand out.</summary>
    public bool HasReady() => throw new NotSupportedException();

    /// <summary>Collects what the application must persist, send and apply.</summary>
    public Ready GetReady() => throw new NotSupportedException();

    /// <summary>Acknowledges that the application handled <paramref name="rd"/>.</summary>
    public void Advance(Ready rd) => throw new NotSupportedException();

    /// <summary>The node's current status.</summary>
    public RaftStatus Status() => throw new NotSupportedException();

    /// <summary>Reports that the last message to <paramref name="id"/> could not be delivered.</summary>
    public void ReportUnreachable(ulong id) => throw new NotSupportedException();

    /// <summary>Reports the outcome of sending a snapshot to <paramref name="id"/>.</summary>
    public void ReportSnapshot(ulong id, bool failed) => throw new NotSupportedException();
}

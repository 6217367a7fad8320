using Grey.Edge.StateMachine;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>Something for the node loop to handle; the loop alone touches the Raft node.</summary>
internal abstract record NodeEvent;

/// <summary>One logical tick.</summary>
internal sealed record TickEvent : NodeEvent;

/// <summary>A message from a peer.</summary>
internal sealed record StepEvent(Message Message) : NodeEvent;

/// <summary>A client command to propose (leader) or refuse (others).</summary>
internal sealed record ProposeEvent(Command Command, TaskCompletionSource<ProposalResult> Completion) : NodeEvent;

/// <summary>
/// Client commands to propose together (the leader side of a forwarded batch): one event and one completion for
/// the whole batch instead of one of each per command.
/// </summary>
internal sealed record ProposeBatchEvent(IReadOnlyList<Command> Commands, ProposalBatch Batch) : NodeEvent;

/// <summary>An internal record (the outbox's region acknowledgement) to propose; completes true when Raft accepted it.</summary>
internal sealed record ProposeRecordEvent(byte[] Data, TaskCompletionSource<bool> Completion) : NodeEvent;

/// <summary>A linearizable read to start.</summary>
internal sealed record ReadEvent(PendingRead Read) : NodeEvent;

/// <summary>A membership change to propose.</summary>
internal sealed record ConfChangeEvent(ConfChange Change, TaskCompletionSource<MembershipResult> Completion) : NodeEvent;

/// <summary>A leadership transfer to start.</summary>
internal sealed record TransferEvent(ulong Target) : NodeEvent;

/// <summary>The transport could not reach a peer.</summary>
internal sealed record UnreachableEvent(ulong PeerId) : NodeEvent;

/// <summary>The transport sent (or failed to send) a snapshot.</summary>
internal sealed record SnapshotReportEvent(ulong PeerId, bool Failed) : NodeEvent;

/// <summary>A proposal waiting to be applied: its caller's own completion, or a slot of a <see cref="ProposalBatch"/>.</summary>
internal sealed record PendingProposal(TaskCompletionSource<ProposalResult>? Completion, long StartedTimestamp, ProposalBatch? Batch = null, int Slot = 0)
{
    /// <summary>Hands the result to whoever waits. The loop completes each proposal once (it removes it first).</summary>
    public void Complete(ProposalResult result)
    {
        if (Batch is null)
        {
            Completion!.TrySetResult(result);
        }
        else
        {
            Batch.Complete(Slot, result);
        }
    }
}

/// <summary>A membership change waiting to be applied.</summary>
internal sealed record PendingConfChange(ConfChange Change, TaskCompletionSource<MembershipResult> Completion);

/// <summary>A linearizable read: its context id, the index Raft returned, and the caller waiting.</summary>
internal sealed class PendingRead
{
    public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ulong Id { get; set; }

    public ulong Index { get; set; }

    public long IssuedAtTick { get; set; }
}

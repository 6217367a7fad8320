using Grey.Edge.StateMachine;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>The outbox's hooks into the node: applies observed by <see cref="IApplyHook"/>, internal records proposed.</summary>
internal sealed partial class EdgeNode
{
    /// <summary>
    /// Proposes an internal record (<see cref="SiteRecordKind.RegionAck"/> from the outbox). Leader only: completes
    /// true when Raft accepted the proposal (not when it applied; the caller watches the state machine), false on
    /// a follower, a stopped node or a dropped proposal.
    /// </summary>
    public async ValueTask<bool> ProposeRecordAsync(SiteRecord record, CancellationToken cancellationToken = default)
    {
        var bytes = SiteRecordCodec.Encode(record);
        if (failure is not null || Volatile.Read(ref disposed) != 0)
        {
            return false;
        }

        var completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await events.Writer.WriteAsync(new ProposeRecordEvent(bytes, completion), timeout.Token).ConfigureAwait(false);
            return await completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return false;
        }
    }

    private void HandleProposeRecord(ProposeRecordEvent e) =>
        e.Completion.TrySetResult(role == StateRole.Leader && raw.Propose(e.Data, EntryKind.Record) == ProposeResult.Accepted);

    private CommandOutcome? ApplyObserved(Entry entry, out Command? command)
    {
        // Called under the state lock. The chain array is replaced on every chained entry, never changed in place.
        var chainedBefore = machine.ChainedEntries;
        var chainBefore = machine.ChainHash;
        var ackedBefore = machine.AckedIndex;
        var outcome = machine.Apply(entry, out command);
        if (machine.ChainedEntries != chainedBefore)
        {
            applyHook!.Chained(machine.LastChained!, chainBefore.Span, machine.ChainHash.Span);
        }

        if (machine.AckedIndex != ackedBefore)
        {
            applyHook!.Acknowledged(machine.AckedIndex);
        }

        return outcome;
    }
}

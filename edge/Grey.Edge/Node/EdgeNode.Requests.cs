using Grey.Edge.StateMachine;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>What callers (the API, tests, the outbox later) ask of the node.</summary>
internal sealed partial class EdgeNode
{
    /// <summary>
    /// Whether this node can commit a write now: it knows a leader, the site has its epoch, and either it is the
    /// leader and has applied its first entry of the term, or it can forward to the leader.
    /// </summary>
    public bool CanCommit
    {
        get
        {
            if (failure is not null || Volatile.Read(ref disposed) != 0)
            {
                return false;
            }

            var leader = LeaderId;
            lock (stateLock)
            {
                if (leader == 0 || machine.Epoch is null)
                {
                    return false;
                }

                return leader == Id
                    ? machine.AppliedIndex >= termStartIndex
                    : forwarder is not null && machine.MemberApis.ContainsKey(leader);
            }
        }
    }

    /// <summary>
    /// Proposes <paramref name="command"/> and waits until it is applied, forwarding it to the leader when this
    /// node is a follower. Retries while no leader is known, within <see cref="EdgeNodeOptions.RequestTimeout"/>.
    /// </summary>
    public async ValueTask<ProposalResult> ProposeAsync(Command command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!CommandCodec.TryValidate(command, origin, out var error))
        {
            throw new ArgumentException(error, nameof(command));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            while (true)
            {
                // A follower that knows its leader forwards at once: asking its own loop first would only
                // answer "not the leader" one loop round later.
                var leader = LeaderId;
                if (leader == 0 || leader == Id || forwarder is null)
                {
                    var result = await ProposeLocalCoreAsync(command, timeout.Token, withTimeout: false).ConfigureAwait(false);
                    if (result.Status != ProposalStatus.NoLeader)
                    {
                        return result;
                    }

                    leader = LeaderId;
                }

                string? api = null;
                if (leader != 0 && leader != Id && forwarder is not null && TryGetMemberApi(leader, out api))
                {
                    Metrics.ForwardedWrite();
                    var forwarded = await forwarder.ForwardAsync(leader, api, command, timeout.Token).ConfigureAwait(false);
                    if (forwarded.Status != ProposalStatus.NoLeader)
                    {
                        return forwarded;
                    }
                }

                await Task.Delay(options.TickInterval, time, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics.ProposalFailed();
            return ProposalResult.Fail(ProposalStatus.Unknown, $"no outcome within {options.RequestTimeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Proposes on this node only (the leader side of a forwarded write): never forwards.</summary>
    public ValueTask<ProposalResult> ProposeLocalAsync(Command command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ProposeLocalCoreAsync(command, cancellationToken, withTimeout: true);
    }

    /// <summary>
    /// Proposes every command of <paramref name="commands"/> on this node only (the leader side of a forwarded
    /// batch) and waits until all are applied, failed, or <see cref="EdgeNodeOptions.RequestTimeout"/> passed; one
    /// result per command, in order. The batch is one event for the loop and one completion (not one per command),
    /// so it lands in one loop round and costs the loop and the thread pool one wake-up.
    /// </summary>
    public async ValueTask<ProposalResult[]> ProposeLocalBatchAsync(IReadOnlyList<Command> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var results = new ProposalResult[commands.Count];
        if (commands.Count == 0)
        {
            return results;
        }

        if (failure is not null || Volatile.Read(ref disposed) != 0)
        {
            Array.Fill(results, ProposalResult.Fail(ProposalStatus.Stopped, "the node is stopped"));
            return results;
        }

        var batch = new ProposalBatch(commands.Count);
        var queued = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await events.Writer.WriteAsync(new ProposeBatchEvent(commands, batch), timeout.Token).ConfigureAwait(false);
            queued = true;
            await batch.Completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            Array.Fill(results, ProposalResult.Fail(ProposalStatus.Stopped, "the node is stopped"));
            return results;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The commands without a result yet are reported below: unknown once queued (they may still commit).
        }

        for (var i = 0; i < results.Length; i++)
        {
            results[i] = batch.Result(i) ?? (queued
                ? ProposalResult.Fail(ProposalStatus.Unknown, $"not applied within {options.RequestTimeout.TotalMilliseconds:0} ms; it may still commit")
                : ProposalResult.Fail(ProposalStatus.Overloaded, $"the node's event queue stayed full for {options.RequestTimeout.TotalMilliseconds:0} ms"));
            if (results[i].Status is not (ProposalStatus.Applied or ProposalStatus.NoLeader))
            {
                Metrics.ProposalFailed();
            }
        }

        return results;
    }

    // ProposeAsync bounds the whole call with its own timeout already: a second linked source and timer per write
    // (withTimeout false) only cost CPU.
    private async ValueTask<ProposalResult> ProposeLocalCoreAsync(Command command, CancellationToken cancellationToken, bool withTimeout)
    {
        if (failure is not null || Volatile.Read(ref disposed) != 0)
        {
            return ProposalResult.Fail(ProposalStatus.Stopped, "the node is stopped");
        }

        var completion = new TaskCompletionSource<ProposalResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await events.Writer.WriteAsync(new ProposeEvent(command, completion), cancellationToken).ConfigureAwait(false);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return ProposalResult.Fail(ProposalStatus.Stopped, "the node is stopped");
        }

        using var timeout = withTimeout ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        timeout?.CancelAfter(options.RequestTimeout);
        try
        {
            var result = await completion.Task.WaitAsync(timeout?.Token ?? cancellationToken).ConfigureAwait(false);
            if (result.Status != ProposalStatus.Applied && result.Status != ProposalStatus.NoLeader)
            {
                Metrics.ProposalFailed();
            }

            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics.ProposalFailed();
            return ProposalResult.Fail(ProposalStatus.Unknown, $"not applied within {options.RequestTimeout.TotalMilliseconds:0} ms; it may still commit");
        }
    }

    /// <summary>
    /// A linearizable read barrier (ReadIndex): completes true once this node has applied everything committed
    /// when the read began; false when the node stopped or no leader answered within the request timeout.
    /// </summary>
    public async ValueTask<bool> ReadBarrierAsync(CancellationToken cancellationToken = default)
    {
        if (failure is not null || Volatile.Read(ref disposed) != 0)
        {
            return false;
        }

        var read = new PendingRead();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await events.Writer.WriteAsync(new ReadEvent(read), timeout.Token).ConfigureAwait(false);
            return await read.Completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            reads.TryRemove(read.Id, out _);
            return false;
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Reads the state machine under its lock (after <see cref="ReadBarrierAsync"/> for a linearizable read).</summary>
    public T Query<T>(Func<SiteStateMachine, T> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (stateLock)
        {
            return query(machine);
        }
    }

    /// <summary>Proposes a membership change (leader only: a follower answers <see cref="ProposalStatus.NoLeader"/> with the leader's id) and waits until it applies.</summary>
    public async ValueTask<MembershipResult> ChangeMembershipAsync(ConfChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var completion = new TaskCompletionSource<MembershipResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await events.Writer.WriteAsync(new ConfChangeEvent(change, completion), timeout.Token).ConfigureAwait(false);
            var result = await completion.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            return result.Status == ProposalStatus.NoLeader ? result with { LeaderId = LeaderId } : result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new MembershipResult(ProposalStatus.Unknown, LeaderId, "the membership change did not apply in time");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return new MembershipResult(ProposalStatus.Stopped, 0, "the node is stopped");
        }
    }

    /// <summary>Asks for leadership to move to <paramref name="target"/> and waits until it has (a follower passes the request to its leader).</summary>
    public async ValueTask<MembershipResult> TransferLeadershipAsync(ulong target, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await events.Writer.WriteAsync(new TransferEvent(target), timeout.Token).ConfigureAwait(false);
            while (LeaderId != target)
            {
                await Task.Delay(options.TickInterval, time, timeout.Token).ConfigureAwait(false);
            }

            return new MembershipResult(ProposalStatus.Applied, target);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new MembershipResult(ProposalStatus.Unknown, LeaderId, $"leadership did not move to {target} in time");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return new MembershipResult(ProposalStatus.Stopped, 0, "the node is stopped");
        }
    }

    /// <summary>The API address a member published through the log.</summary>
    public bool TryGetMemberApi(ulong id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? address)
    {
        lock (stateLock)
        {
            return machine.MemberApis.TryGetValue(id, out address);
        }
    }
}

using System.Collections.Concurrent;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Api;

/// <summary>
/// Forwards a follower's writes to the leader's internal batch route, over the leader's published address.
/// Writes queue per leader address and leave in batches: at most <see cref="MaxInFlightBatches"/> requests are
/// outstanding per leader, and whatever queued meanwhile leaves in the next one (a group commit for the
/// forwarding hop). One HTTP request per write cost more CPU than the rest of the write path together
/// (docs/BENCHMARKS.md); a batch amortizes the request, its headers and both Kestrel and HttpClient overheads.
/// </summary>
internal sealed class HttpProposalForwarder(HttpClient client, string origin) : IProposalForwarder
{
    /// <summary>Writes waiting per leader address; a full queue answers <see cref="ProposalStatus.Overloaded"/>.</summary>
    public const int MaxQueued = 4096;

    /// <summary>Batch requests outstanding at once per leader: overlaps the leader's work with the next batch's build-up.</summary>
    public const int MaxInFlightBatches = 4;

    /// <summary>Leader addresses kept at once; a longer list (leaders moving between many addresses) starts over.</summary>
    public const int MaxPipes = 16;

    private readonly ConcurrentDictionary<string, ForwardPipe> pipes = new(StringComparer.Ordinal);

    public async ValueTask<ProposalResult> ForwardAsync(ulong leaderId, string leaderApi, Command command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaderApi);
        ArgumentNullException.ThrowIfNull(command);

        // The leader overwrites origin and stamp; the origin is set here only so the command encodes.
        var bytes = CommandCodec.Encode(command with { Origin = origin });
        if (!pipes.TryGetValue(leaderApi, out var pipe))
        {
            if (pipes.Count >= MaxPipes)
            {
                // Old leaders' queues are idle by now; dropping them fails nothing that is still waiting for long.
                foreach (var key in pipes.Keys)
                {
                    if (pipes.TryRemove(key, out var old))
                    {
                        old.Complete();
                    }
                }
            }

            pipe = pipes.GetOrAdd(leaderApi, api => new ForwardPipe(client, new Uri(api.TrimEnd('/') + EdgeApi.ForwardBatchPath), CancellationToken.None));
        }

        var pending = new PendingForward(bytes);
        if (!pipe.TryEnqueue(pending))
        {
            return ProposalResult.Fail(ProposalStatus.Overloaded, $"more than {MaxQueued} writes wait to be forwarded to the leader");
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

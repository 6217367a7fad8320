using System.Net.Http.Headers;
using System.Threading.Channels;
using Grey.Edge.Node;

namespace Grey.Edge.Daemon.Api;

/// <summary>
/// The forwarding queue to one leader address and its sender loop: waits for a free in-flight slot, then takes
/// everything queued (up to the batch limits) into one request.
/// </summary>
internal sealed class ForwardPipe
{
    private readonly HttpClient client;
    private readonly Uri target;
    private readonly CancellationToken stopping;
    private readonly Channel<PendingForward> queue = Channel.CreateBounded<PendingForward>(new BoundedChannelOptions(HttpProposalForwarder.MaxQueued)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly SemaphoreSlim slots = new(HttpProposalForwarder.MaxInFlightBatches, HttpProposalForwarder.MaxInFlightBatches);

    public ForwardPipe(HttpClient client, Uri target, CancellationToken stopping)
    {
        this.client = client;
        this.target = target;
        this.stopping = stopping;

        // The pipe is created by the first write forwarded to this leader, inside that request's execution context.
        // Flowing it would make the sender loop, and every batch request it ever sends, run under that one
        // request's Activity: HttpClient's diagnostics handler then traced and annotated each forwarded batch as a
        // child of a long-finished request (about 1.7% of a node's CPU under write load). The loop belongs to no request.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(RunAsync, CancellationToken.None);
        }
    }

    /// <summary>Queues a write without waiting; false when the queue is full or closed.</summary>
    public bool TryEnqueue(PendingForward pending) => queue.Writer.TryWrite(pending);

    /// <summary>Stops taking writes; those still queued fail as not forwarded.</summary>
    public void Complete() => queue.Writer.TryComplete();

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                await slots.WaitAsync(stopping).ConfigureAwait(false);
                var batch = new List<PendingForward>();
                var bytes = 0;
                while (batch.Count < ForwardBatchCodec.MaxCommands
                    && reader.TryPeek(out var next)
                    && (batch.Count == 0 || bytes + next.Command.Length <= ForwardBatchCodec.MaxCommandBytes)
                    && reader.TryRead(out next))
                {
                    batch.Add(next);
                    bytes += next.Command.Length;
                }

                if (batch.Count == 0)
                {
                    slots.Release();
                    continue;
                }

                _ = SendAsync(batch);
            }
        }
        catch (OperationCanceledException)
        {
            // The daemon is stopping.
        }

        while (reader.TryRead(out var left))
        {
            left.Completion.TrySetResult(ProposalResult.Fail(ProposalStatus.NoLeader, "the forwarder stopped before sending this write"));
        }
    }

    private async Task SendAsync(List<PendingForward> batch)
    {
        try
        {
            var results = await PostAsync(batch).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results.Length == batch.Count ? results[i] : results[0]);
            }
        }
        finally
        {
            slots.Release();
        }
    }

    // One result per write, or a single result that applies to every write of the batch (the hop failed).
    private async Task<ProposalResult[]> PostAsync(List<PendingForward> batch)
    {
        var body = ForwardBatchCodec.EncodeRequest(batch.ConvertAll(p => p.Command));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        try
        {
            using var response = await client.PostAsync(target, content, stopping).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // The leader refused the request before proposing anything (a malformed batch, or not serving it).
                return [ProposalResult.Fail(ProposalStatus.NoLeader, $"the leader answered {(int)response.StatusCode}")];
            }

            if (response.Content.Headers.ContentLength is not long length || length > ForwardBatchCodec.MaxAnswerBytes)
            {
                return [ProposalResult.Fail(ProposalStatus.Unknown, "the leader's answer has no length or is too long")];
            }

            var answer = await response.Content.ReadAsByteArrayAsync(stopping).ConfigureAwait(false);
            return ForwardBatchCodec.TryDecodeAnswer(answer, batch.Count, out var results, out var error)
                ? results
                : [ProposalResult.Fail(ProposalStatus.Unknown, "the leader's answer did not parse: " + error)];
        }
        catch (HttpRequestException e)
        {
            // Nothing reached the leader's log for sure only if the connection failed before sending.
            return [e.HttpRequestError == HttpRequestError.ConnectionError
                ? ProposalResult.Fail(ProposalStatus.NoLeader, "the leader is unreachable: " + e.Message)
                : ProposalResult.Fail(ProposalStatus.Unknown, "forwarding failed: " + e.Message)];
        }
        catch (OperationCanceledException)
        {
            // The client's timeout, or the daemon stopping: the writes may have reached the leader.
            return [ProposalResult.Fail(ProposalStatus.Unknown, "no answer from the leader in time")];
        }
    }
}

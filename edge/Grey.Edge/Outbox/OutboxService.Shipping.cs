using Grey.Edge.Uplink;
using Grey.Federation;
using Grey.Federation.Deltas;
using Grey.Federation.Messages;
using Grey.Federation.Signing;

namespace Grey.Edge.Outbox;

/// <summary>Shipping: batches from the journal into signed deltas within the window, checkpoints after folds, reports.</summary>
internal sealed partial class OutboxService
{
    /// <summary>How long to wait before publishing again after the broker was unavailable, unless the link comes up first.</summary>
    public static readonly TimeSpan UnavailableBackoff = TimeSpan.FromSeconds(1);

    private async ValueTask PumpAsync(CancellationToken token)
    {
        var (acked, epoch, applied) = node.Query(m => (m.AckedIndex, m.Epoch, m.AppliedIndex));
        if (epoch is not { } siteEpoch)
        {
            return;
        }

        // A new leader (or this one after a restart) resumes exactly at the replicated acknowledged index.
        var s = session ??= new Session(acked + 1);
        s.Acknowledged(acked);
        lingerUntilMs = 0;
        var now = NowMs;
        if (s.OldestSentAtMs is { } oldest && now - oldest > (long)options.AckTimeout.TotalMilliseconds)
        {
            // A verified ack whose Raft record is still on its way counts: the region has made it durable.
            Metrics.Resent();
            s.Restart(Math.Max(acked, s.ProposedAck) + 1);
        }

        var signer = signers.Current;
        if (signer is null || now < s.RetryAtMs || !uplink.IsConnected)
        {
            return;
        }

        if (journal.FoldThrough > acked && !s.CheckpointInFlight)
        {
            await ShipCheckpointAsync(s, signer, acked, token).ConfigureAwait(false);
            return;
        }

        while (node.IsLeader && s.InFlightCount < options.MaxInFlightDeltas && s.InFlightBytes < options.MaxInFlightBytes && s.NextIndex <= applied)
        {
            // The tail before the read: one taken after it counts an entry applied meanwhile as a batch cut by the
            // limits and ships a partial batch at once (writes arriving every millisecond then left one by one).
            var tail = journal.TailIndex;
            if (!journal.TryRead(s.NextIndex, options.MaxEntriesPerDelta, options.MaxBytesPerDelta, out var batch, out var chainBefore))
            {
                // The journal cannot continue from there (it folded past it): the checkpoint covers it.
                if (!s.CheckpointInFlight)
                {
                    await ShipCheckpointAsync(s, signer, acked, token).ConfigureAwait(false);
                }

                return;
            }

            if (batch.Count == 0)
            {
                return;
            }

            var batchBytes = batch.Sum(r => (long)r.Bytes);
            var full = batch.Count == options.MaxEntriesPerDelta || batchBytes >= options.MaxBytesPerDelta / 2 || tail > batch[^1].Index;
            var waited = now - batch[0].WallMs;
            if (!full && s.InFlightCount > 0 && waited >= 0 && waited < (long)options.Linger.TotalMilliseconds)
            {
                // A partial batch waits for company only while an earlier delta awaits its ack (Nagle's rule): with
                // nothing in flight it leaves at once, so a quiet site pays no linger, and a busy one batches what
                // arrives during a round trip. It waits at most the linger after its oldest entry was stamped (a
                // stamp ahead of this clock does not make it wait longer); a backlog after an outage leaves at once.
                // The loop wakes when the linger ends, an ack arrives or a new entry is applied, not at its next poll.
                lingerUntilMs = batch[0].WallMs + (long)options.Linger.TotalMilliseconds;
                return;
            }

            var delta = SiteDelta.Create(options.Region, node.Site, siteEpoch, s.NextIndex, batch[^1].Index, chainBefore, [.. batch.Select(r => r.Entry)]);
            var stored = await PublishAsync(s, signer, delta, delta.FirstIndex, Math.Max(journal.TailIndex, delta.LastIndex), token).ConfigureAwait(false);
            if (!stored)
            {
                return;
            }

            s.NextIndex = delta.LastIndex + 1;
        }
    }

    private async ValueTask ShipCheckpointAsync(Session s, MessageSigner signer, ulong acked, CancellationToken token)
    {
        var snapshot = node.Query(m => m.SiteState is null || m.Epoch is null
            ? default
            : (Index: m.AppliedIndex, Epoch: m.Epoch.Value, Chain: m.ChainHash.ToArray(), State: m.SiteState.Clone()));
        if (snapshot.State is null)
        {
            LastError = "a fold needs a checkpoint but the site state is not complete on this node (restored from a snapshot without it)";
            return;
        }

        CheckpointDelta checkpoint;
        try
        {
            checkpoint = CheckpointDelta.Create(options.Region, node.Site, snapshot.Epoch, snapshot.Index, snapshot.Chain, snapshot.State);
        }
        catch (ArgumentException e)
        {
            LastError = "checkpoint: " + e.Message;
            return;
        }

        s.Restart(acked + 1);
        if (await PublishAsync(s, signer, checkpoint, acked + 1, snapshot.Index, token).ConfigureAwait(false))
        {
            s.NextIndex = snapshot.Index + 1;
        }
    }

    private async ValueTask<bool> PublishAsync(Session s, MessageSigner signer, Delta delta, ulong firstIndex, ulong committed, CancellationToken token)
    {
        var content = delta.Encode();
        if (content.Length > FederationLimits.MaxDeltaBytes)
        {
            LastError = $"delta {delta.MessageId} encodes to {content.Length} bytes, above {FederationLimits.MaxDeltaBytes}";
            Metrics.PublishFailed();
            return false;
        }

        var wire = signer.SignEnvelope(content);
        if (options.MinCompressionSaving < 1 && SignedEnvelope.WorthCompressing(wire, options.MinCompressionSaving))
        {
            var compressed = SignedEnvelope.Compress(wire);
            if (compressed.Length <= wire.Length * (1 - options.MinCompressionSaving))
            {
                wire = compressed;
            }
        }

        var result = await uplink.PublishDeltaAsync(new OutgoingDelta(delta.MessageId, firstIndex, delta.LastIndex, wire, committed), token).ConfigureAwait(false);
        if (!result.Stored)
        {
            Metrics.PublishFailed();
            LastError = $"publish of {delta.MessageId}: {result.Status} {result.Detail}";
            s.RetryAtMs = NowMs + (long)UnavailableBackoff.TotalMilliseconds;
            return false;
        }

        var checkpoint = delta is CheckpointDelta;
        s.Add(new InFlight(firstIndex, delta.LastIndex, wire.Length, NowMs, checkpoint));
        Metrics.Shipped(wire.Length, checkpoint);
        return true;
    }

    private async ValueTask MaybeReportAsync(bool force, CancellationToken token)
    {
        var now = NowMs;
        if (!force && now < nextReportAt)
        {
            return;
        }

        nextReportAt = now + (long)options.ReportInterval.TotalMilliseconds;
        var (epoch, applied, acked) = node.Query(m => (m.Epoch, m.AppliedIndex, m.AckedIndex));
        if (epoch is null || !uplink.IsConnected)
        {
            return;
        }

        var stats = journal.Stats();
        // The newest journaled data entry, not the Raft commit index: internal entries (recorded acks, no-ops)
        // never ship, so counting them would leave an idle, fully merged site one or more entries "behind".
        var committed = Math.Max(journal.TailIndex, acked);
        var age = stats.OldestWallMs is { } wall ? (ulong)Math.Max(0, now - wall) : 0;
        var report = new SiteReport(node.Site, epoch.Value, committed, Math.Min(acked, committed), (ulong)stats.Entries, (ulong)stats.Bytes, age, (ulong)stats.FoldedEntries);
        await uplink.PublishReportAsync(report.Encode(), token).ConfigureAwait(false);
    }
}

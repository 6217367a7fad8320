using Grey.Edge.Node;
using Grey.Edge.StateMachine;
using Grey.Edge.Uplink;

namespace Grey.Edge.Outbox;

/// <summary>
/// The outbox of one node (docs/OUTBOX.md): while this node leads, ships the journal from the region's
/// acknowledged index in signed site deltas (or a checkpoint delta after a fold) through the uplink, within a
/// bounded in-flight window; verifies the region's signed acks and records them through Raft; resends on link up,
/// ack timeout and NAK; publishes the site report; acts on revocation notices. On a follower it only watches
/// (acks, NAKs and reports are the leader's business) and acts on revocations. One loop task; stops shipping as
/// soon as the node is no longer leader.
/// </summary>
/// <remarks>
/// Wiring (the daemon): open the journal under <c>&lt;data&gt;/outbox</c> with <see cref="OutboxJournal.Open"/>,
/// open the node's storage with <see cref="OutboxJournal.Retention"/>, start the node with the journal as its
/// <see cref="IApplyHook"/>, then <see cref="StartAsync"/>. Shut down in reverse: this service, the node, the
/// journal.
/// </remarks>
internal sealed partial class OutboxService : IAsyncDisposable
{
    private readonly EdgeNode node;
    private readonly OutboxJournal journal;
    private readonly IUplink uplink;
    private readonly IDeltaSignerProvider signers;
    private readonly IAckVerifier ackVerifier;
    private readonly IRevocationVerifier? revocationVerifier;
    private readonly Desired.IDesiredVerifier? desiredVerifier;
    private readonly OutboxOptions options;
    private readonly TimeProvider time;
    private readonly string nodeName;
    private readonly CancellationTokenSource stopping = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly HashSet<string> revokedNodes = new(StringComparer.Ordinal);
    private Task loop = Task.CompletedTask;
    private Session? session;
    private volatile bool linkUp;
    private volatile bool revokedSelf;
    private long nextReportAt;
    private long lingerUntilMs;
    private Task? ackProposal;
    private SiteRecord? nextAckRecord;
    private int disposed;

    private OutboxService(EdgeNode node, OutboxJournal journal, IUplink uplink, IDeltaSignerProvider signers, IAckVerifier ackVerifier,
        IRevocationVerifier? revocationVerifier, OutboxOptions options, TimeProvider time, Desired.IDesiredVerifier? desiredVerifier)
    {
        this.desiredVerifier = desiredVerifier;
        this.node = node;
        this.journal = journal;
        this.uplink = uplink;
        this.signers = signers;
        this.ackVerifier = ackVerifier;
        this.revocationVerifier = revocationVerifier;
        this.options = options;
        this.time = time;
        nodeName = options.NodeName ?? node.Origin;
        linkUp = uplink.IsConnected;
    }

    /// <summary>Counters since start.</summary>
    public OutboxMetrics Metrics { get; } = new();

    /// <summary>Desired-state counters since start.</summary>
    public Desired.DesiredMetrics DesiredMetrics { get; } = new();

    /// <summary>The reason of the latest refusal or failure (an ack refused, a publish refused, a fold impossible), for diagnostics.</summary>
    public string? LastError { get; private set; }

    /// <summary>True once a verified revocation notice named this node: it ships nothing more.</summary>
    public bool IsRevoked => revokedSelf;

    /// <summary>
    /// Starts the outbox of <paramref name="node"/> over <paramref name="journal"/> (the node's apply hook) and
    /// <paramref name="uplink"/>. <paramref name="revocationVerifier"/> may be null (revocation notices are then ignored);
    /// so may <paramref name="desiredVerifier"/> (desired-state changes are then refused, counted as no trust).
    /// </summary>
    public static Task<OutboxService> StartAsync(
        EdgeNode node,
        OutboxJournal journal,
        IUplink uplink,
        IDeltaSignerProvider signers,
        IAckVerifier ackVerifier,
        IRevocationVerifier? revocationVerifier,
        OutboxOptions options,
        TimeProvider time,
        Desired.IDesiredVerifier? desiredVerifier = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(uplink);
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentNullException.ThrowIfNull(ackVerifier);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid outbox options: " + string.Join("; ", errors), nameof(options));
        }

        var service = new OutboxService(node, journal, uplink, signers, ackVerifier, revocationVerifier, options, time, desiredVerifier);
        journal.Changed += service.Wake;
        service.loop = Task.Run(service.RunAsync);
        return Task.FromResult(service);
    }

    /// <summary>Every figure at once (backlog from the journal, so true while offline).</summary>
    public OutboxSnapshot Snapshot()
    {
        var stats = journal.Stats();
        var (acked, desiredSequence) = node.Query(m => (m.AckedIndex, m.DesiredAppliedSequence(options.Region)));
        var s = session;
        var age = stats.OldestWallMs is { } wall ? TimeSpan.FromMilliseconds(Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - wall)) : TimeSpan.Zero;
        return new OutboxSnapshot(
            IsShipping: s is not null,
            LinkUp: linkUp,
            HasSigner: signers.Current is not null,
            AckedIndex: acked,
            JournalTailIndex: stats.TailIndex,
            BacklogEntries: stats.Entries,
            BacklogBytes: stats.Bytes,
            OldestUnackedAge: age,
            FoldPending: stats.FoldThrough > acked,
            Folds: stats.Folds,
            FoldedEntries: stats.FoldedEntries,
            JournalGaps: stats.Gaps,
            InFlightDeltas: s?.InFlightCount ?? 0,
            InFlightBytes: s?.InFlightBytes ?? 0,
            DeltasShipped: Metrics.DeltasShipped,
            CheckpointsShipped: Metrics.CheckpointsShipped,
            BytesShipped: Metrics.BytesShipped,
            Resends: Metrics.Resends,
            AcksAccepted: Metrics.AcksAccepted,
            AcksRefused: Metrics.AcksRefused,
            AcksStale: Metrics.AcksStale,
            Naks: Metrics.Naks,
            PublishFailures: Metrics.PublishFailures,
            Revocations: Metrics.Revocations,
            DesiredAppliedSequence: desiredSequence,
            DesiredApplied: DesiredMetrics.Applied,
            DesiredDuplicates: DesiredMetrics.Duplicates,
            DesiredGaps: DesiredMetrics.Gaps,
            DesiredRefused: DesiredMetrics.RefusedTotal);
    }

    /// <summary>Stops the loop (the journal and node stay open; the caller disposes them after).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        journal.Changed -= Wake;
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        if (ackProposal is { } proposal)
        {
            // It catches everything itself; the node it proposes on stays open until this returns.
            await proposal.ConfigureAwait(false);
        }

        stopping.Dispose();
        wake.Dispose();
    }

    private void Wake()
    {
        if (Volatile.Read(ref disposed) != 0 || wake.CurrentCount > 0)
        {
            return;
        }

        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another wake-up is already pending.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Records a verified ack through Raft without holding the loop for the commit: at most one such proposal is
    /// outstanding, and an ack arriving meanwhile replaces the one waiting behind it (the newest covers the older).
    /// </summary>
    private void ProposeAck(SiteRecord record, CancellationToken token)
    {
        if (ackProposal is { IsCompleted: false })
        {
            nextAckRecord = record;
            return;
        }

        ackProposal = RecordAckAsync(record, token);
    }

    private async Task RecordAckAsync(SiteRecord record, CancellationToken token)
    {
        try
        {
            if (await node.ProposeRecordAsync(record, token).ConfigureAwait(false))
            {
                Metrics.AckAccepted();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The region keeps the merge; a later ack (or a new leader's resend) records it again.
            LastError = "recording an ack: " + e.GetType().Name + ": " + e.Message;
        }

        // A newer ack may be waiting for this proposal to finish.
        Wake();
    }

    private async Task RunAsync()
    {
        var token = stopping.Token;
        Task<bool>? inboundReady = null;
        Task? woken = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                while (uplink.Inbound.TryRead(out var message))
                {
                    await HandleInboundAsync(message, token).ConfigureAwait(false);
                }

                await HandleRevocationsAsync(token).ConfigureAwait(false);
                if (node.IsLeader && !revokedSelf && node.Failure is null)
                {
                    if (nextAckRecord is { } next && ackProposal is not { IsCompleted: false })
                    {
                        nextAckRecord = null;
                        ProposeAck(next, token);
                    }

                    await PumpAsync(token).ConfigureAwait(false);
                    await MaybeReportAsync(force: false, token).ConfigureAwait(false);
                }
                else
                {
                    session = null;
                    nextAckRecord = null;
                    lingerUntilMs = 0;
                }

                journal.EnforceBudget();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The outbox must outlive a bad message or a failed publish: record why and try again next round.
                LastError = e.GetType().Name + ": " + e.Message;
            }

            inboundReady ??= uplink.Inbound.WaitToReadAsync(token).AsTask();
            woken ??= wake.WaitAsync(token);
            var wait = options.PollInterval;
            if (lingerUntilMs > 0)
            {
                // A lingering partial batch is due before the next poll: wake for it, so the linger is the only wait.
                wait = TimeSpan.FromMilliseconds(Math.Clamp(lingerUntilMs - NowMs, 1, (long)options.PollInterval.TotalMilliseconds));
            }

            var delay = Task.Delay(wait, time, token);
            try
            {
                await Task.WhenAny(inboundReady, woken, delay).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            if (inboundReady.IsCompleted)
            {
                if (inboundReady.IsCompletedSuccessfully && !inboundReady.Result)
                {
                    // The uplink closed its inbound channel: keep shipping, poll only.
                    inboundReady = Task.Delay(Timeout.Infinite, token).ContinueWith(_ => false, TaskScheduler.Default);
                }
                else
                {
                    inboundReady = null;
                }
            }

            if (woken.IsCompleted)
            {
                woken = null;
            }
        }
    }
}

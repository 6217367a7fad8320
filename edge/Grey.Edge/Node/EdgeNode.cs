using System.Collections.Concurrent;
using System.Threading.Channels;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage;
using Grey.Edge.Transport;
using Grey.Federation.Clock;
using Grey.Raft;

namespace Grey.Edge.Node;

/// <summary>
/// One member of an edge site: the Raft application loop over <see cref="WalRaftStorage"/> and an
/// <see cref="IPeerTransport"/>, the site's state machine, proposals completed when applied, ReadIndex reads,
/// membership operations and background snapshots. Storage, transport, clock and random source are injected,
/// so many nodes run in one process. One loop task owns the <see cref="RawNode"/>; callers talk to it through
/// a bounded event channel. The state machine is read under a lock.
/// </summary>
internal sealed partial class EdgeNode : IRaftFeedback, IAsyncDisposable
{
    /// <summary>Events handled per loop round before the node persists and sends: bounds the latency of one round.</summary>
    public const int MaxEventsPerRound = 4096;

    private readonly EdgeNodeOptions options;
    private readonly WalRaftStorage storage;
    private readonly IProposalForwarder? forwarder;
    private readonly IApplyHook? applyHook;
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly HybridLogicalClock hlc;
    private readonly Lock stateLock = new();
    private readonly Channel<NodeEvent> events;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<ulong, PendingProposal> proposals = new();
    private readonly ConcurrentDictionary<ulong, PendingRead> reads = new();
    private readonly List<PendingRead> readsWaitingApply = [];
    private readonly string origin;
    private IPeerTransport transport = null!;
    private RawNode raw = null!;
    private SiteStateMachine machine;
    private ConfState confState = ConfState.Empty;
    private PendingConfChange? pendingConf;
    private ulong proposalSeq;
    private ulong readSeq;

    // Names this run of the node in its ReadIndex contexts. Read ids restart at every start, so without it a
    // ReadIndexResponse answering a read of the previous run (held in the leader's queue or in flight while the
    // node was down) matched the new run's read with the same id and served it at the old, lower index: a
    // stale read, found by greyctl torture edge (a restarted follower read nil for a key written seconds before).
    private readonly ulong incarnation;
    private long tickCount;
    private StateRole role = StateRole.Follower;
    private ulong leaderId;
    private ulong termStartIndex = ulong.MaxValue;
    private ulong lastSnapshotIndex;
    private int snapshotRunning;
    private int lastSnapshotBytes;
    private ulong snapshotGap;
    private ulong snapshotGapFrom;
    private RaftStatus? status;
    private Task loop = Task.CompletedTask;
    private Task pump = Task.CompletedTask;
    private ITimer? ticker;
    private volatile Exception? failure;
    private int disposed;

    private EdgeNode(EdgeNodeOptions options, WalRaftStorage storage, IProposalForwarder? forwarder, TimeProvider time, Random random, IApplyHook? applyHook)
    {
        this.options = options;
        this.applyHook = applyHook;
        this.storage = storage;
        this.forwarder = forwarder;
        this.time = time;
        this.random = random;
        hlc = new HybridLogicalClock(time);
        machine = new SiteStateMachine(options.Site);
        origin = NodeName(options.NodeId);
        events = Channel.CreateBounded<NodeEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });

        // Proposal ids start at a random point so that entries replayed from an earlier run of this node never
        // match a proposal of this run.
        proposalSeq = (ulong)random.NextInt64(1, long.MaxValue);

        // The clock is mixed in because a test or simulator may restart a node with the same seeded random source.
        incarnation = (ulong)random.NextInt64() ^ (ulong)time.GetUtcNow().UtcTicks ^ ((ulong)time.GetTimestamp() << 17);
    }

    /// <summary>This node's id.</summary>
    public ulong Id => options.NodeId;

    /// <summary>The site id.</summary>
    public string Site => options.Site;

    /// <summary>The node's name as an origin in the chain and deltas: "n" followed by its id.</summary>
    public string Origin => origin;

    /// <summary>The leader this node knows of (0: none).</summary>
    public ulong LeaderId => Volatile.Read(ref leaderId);

    /// <summary>Whether this node is the leader.</summary>
    public bool IsLeader => LeaderId == Id && failure is null;

    /// <summary>Counters for <c>/metrics</c>.</summary>
    public NodeMetrics Metrics { get; } = new();

    /// <summary>The index of this node's latest snapshot (taken or installed); read outside the loop only by tests.</summary>
    internal ulong LastSnapshotIndex => Volatile.Read(ref lastSnapshotIndex);

    /// <summary>The storage (for WAL counters and sizes).</summary>
    public WalRaftStorage Storage => storage;

    /// <summary>The transport.</summary>
    public IPeerTransport Transport => transport;

    /// <summary>The failure that stopped the node (a WAL failure, a broken invariant), or null.</summary>
    public Exception? Failure => failure;

    /// <summary>Completes when the node loop ends (stopped or failed).</summary>
    public Task Completion => loop;

    /// <summary>The Raft status after the latest loop round.</summary>
    public RaftStatus? RaftStatus => Volatile.Read(ref status);

    /// <summary>The origin name of node <paramref name="id"/>.</summary>
    public static string NodeName(ulong id) => "n" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Opens a node over <paramref name="storage"/> (which it then owns) and starts its loop: restores the newest
    /// snapshot, replays the log after it, or bootstraps a new site on empty storage. <paramref name="applyHook"/>
    /// (the outbox journal) sees every restore and chained entry from the start.
    /// </summary>
    public static async Task<EdgeNode> StartAsync(
        EdgeNodeOptions options,
        WalRaftStorage storage,
        Func<IRaftFeedback, IPeerTransport> transportFactory,
        IProposalForwarder? forwarder,
        TimeProvider time,
        Random random,
        IApplyHook? applyHook = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(transportFactory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid node options: " + string.Join("; ", errors), nameof(options));
        }

        var node = new EdgeNode(options, storage, forwarder, time, random, applyHook);
        node.Open();
        node.transport = transportFactory(node);
        node.LearnPeers();
        node.loop = Task.Run(node.RunAsync);
        node.pump = Task.Run(node.PumpAsync);
        node.ticker = time.CreateTimer(static s => ((EdgeNode)s!).Post(new TickEvent()), node, options.TickInterval, options.TickInterval);
        await Task.Yield();
        return node;
    }

    private void Open()
    {
        var raftOptions = new RaftOptions
        {
            Id = options.NodeId,
            Storage = storage,
            Random = random,
            ElectionTick = options.ElectionTicks,
            HeartbeatTick = options.HeartbeatTicks,
        };
        var snapshot = storage.Snapshot();
        var (hardState, _) = storage.InitialState();
        var hasState = storage.LastIndex() > 0 || !hardState.IsEmpty || !snapshot.IsEmpty;
        if (!snapshot.IsEmpty)
        {
            if (!SiteStateMachine.TryRestore(options.Site, snapshot.Data.Span, out var restored, out var error))
            {
                throw new InvalidOperationException($"the newest snapshot (index {snapshot.Metadata.Index}) does not restore: {error}");
            }

            machine = restored;
            confState = snapshot.Metadata.ConfState;
            lastSnapshotIndex = snapshot.Metadata.Index;
            raftOptions = raftOptions with { Applied = snapshot.Metadata.Index };
        }

        applyHook?.Restored(machine);
        if (hasState || options.Join)
        {
            raw = new RawNode(raftOptions);
        }
        else
        {
            var voters = options.InitialVoters.Count == 0 ? [options.NodeId] : options.InitialVoters;
            raw = RawNode.Bootstrap(raftOptions, voters);
        }

        if (hasState)
        {
            confState = storage.InitialState().ConfState;
        }

        status = raw.Status();
    }

    /// <summary>Stops the loop, fails what is pending, closes the transport and the storage.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        ticker?.Dispose();
        await stopping.CancelAsync().ConfigureAwait(false);
        events.Writer.TryComplete();
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        await transport.DisposeAsync().ConfigureAwait(false);
        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pump ends by cancellation.
        }

        FailPending(ProposalStatus.Stopped, "the node stopped");
        await storage.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <inheritdoc/>
    public void ReportUnreachable(ulong peerId) => Post(new UnreachableEvent(peerId));

    /// <inheritdoc/>
    public void ReportSnapshot(ulong peerId, bool failed) => Post(new SnapshotReportEvent(peerId, failed));

    private void Post(NodeEvent e) => events.Writer.TryWrite(e);

    private async Task PumpAsync()
    {
        var token = stopping.Token;
        try
        {
            await foreach (var message in transport.Incoming.ReadAllAsync(token).ConfigureAwait(false))
            {
                await events.Writer.WriteAsync(new StepEvent(message), token).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            // The node is stopping.
        }
    }
}

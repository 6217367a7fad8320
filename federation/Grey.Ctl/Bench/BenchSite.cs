using System.Net;
using Grey.Ctl.EdgeHarness;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Uplink;
using Grey.Edge.Node;
using Grey.Edge.Outbox;
using Grey.Edge.StateMachine;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Edge.Transport;
using Grey.Edge.Uplink.Nats;
using Microsoft.Extensions.Logging;

namespace Grey.Ctl.Bench;

/// <summary>
/// One site in this process, assembled as <c>grey-edge --region R --nats URL --insecure</c> assembles each of its
/// nodes (EdgeHost): a WAL on disk, the outbox journal as apply hook and log retention, the TCP peer transport on
/// loopback, and the daemon's <see cref="RegionLink"/> (software TPM, NATS uplink, enrollment, outbox), with the
/// node's signer behind the bench's <see cref="BenchGate"/>. Only the HTTP API is left out: the bench writes to
/// the leader in process.
/// </summary>
internal sealed class BenchSite : IAsyncDisposable
{
    private readonly List<(EdgeNode Node, OutboxJournal Journal, RegionLink? Link)> nodes = [];

    private BenchSite(string id) => Id = id;

    /// <summary>The site id.</summary>
    public string Id { get; }

    /// <summary>The site's region links (one per node).</summary>
    public IEnumerable<RegionLink> Links => nodes.Select(n => n.Link).OfType<RegionLink>();

    /// <summary>Starts the site's nodes under <paramref name="directory"/> (one data folder each).</summary>
    public static async Task<BenchSite> StartAsync(string id, string region, string natsUrl, string directory, BenchGate gate, int seed,
        TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var site = new BenchSite(id);
        int[] ports = LoopbackPorts.Free(E2eBenchOptions.NodesPerSite);
        var peers = new Dictionary<ulong, DnsEndPoint>();
        for (int i = 0; i < ports.Length; i++)
        {
            peers[(ulong)i + 1] = new DnsEndPoint("127.0.0.1", ports[i]);
        }

        try
        {
            for (int i = 0; i < ports.Length; i++)
            {
                ulong nodeId = (ulong)i + 1;
                var options = new DaemonOptions
                {
                    NodeId = nodeId,
                    Site = id,
                    DataDirectory = Path.Combine(directory, "n" + nodeId),
                    PeerListen = new IPEndPoint(IPAddress.Loopback, ports[i]),
                    Peers = peers,
                    Insecure = true,
                    Region = region,
                    NatsUrls = natsUrl,
                };
                await site.StartNodeAsync(options, gate, seed + i, time, loggerFactory, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await site.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return site;
    }

    /// <summary>The node that leads now, or null while there is none.</summary>
    public EdgeNode? Leader => nodes.Select(n => n.Node).FirstOrDefault(n => n.IsLeader);

    /// <summary>Writes one value through the site's leader; the log index it was applied at, or null when it failed.</summary>
    public async ValueTask<ulong?> WriteAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        EdgeNode? leader = Leader;
        if (leader is null)
        {
            return null;
        }

        ProposalResult result = await leader.ProposeLocalAsync(new Command { Kind = CommandKind.Put, Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
        return result.Status == ProposalStatus.Applied && result.Outcome.IsOk ? result.Outcome.Index : null;
    }

    /// <summary>Bytes of the delta publishes as the NATS uplinks framed them (HPUB line, headers, payload), all nodes so far.</summary>
    public long DeltaWireBytes => Links.Sum(l => l.Uplink is NatsUplink nats ? nats.Metrics.DeltaWireBytes : 0);

    /// <summary>Deltas the broker stored for the site's uplinks so far (all nodes).</summary>
    public long DeltasStored => Links.Sum(l => l.Uplink is NatsUplink nats ? nats.Metrics.DeltasAccepted : 0);

    /// <summary>Deltas the site's outboxes shipped so far (all nodes; only a leader ships).</summary>
    public long DeltasShipped => Links.Sum(l => l.Status().DeltasShipped);

    /// <summary>True when every node is attested and one of them leads and may ship.</summary>
    public bool Ready => Leader is not null && Links.All(l => l.Status().Attested) && Links.Any(l => l.Status().HasSigner);

    /// <summary>Stops every node: links first, then nodes, then journals (the daemon's order).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach ((EdgeNode node, OutboxJournal journal, RegionLink? link) in nodes)
        {
            if (link is not null)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }

            await node.DisposeAsync().ConfigureAwait(false);
            journal.Dispose();
        }

        nodes.Clear();
    }

    private async Task StartNodeAsync(DaemonOptions options, BenchGate gate, int seed, TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var journal = OutboxJournal.Open(PhysicalFileSystem.Instance, Path.Combine(options.DataDirectory, "outbox"), new OutboxJournalOptions(), time);
        EdgeNode node;
        WalRaftStorage? storage = null;
        try
        {
            storage = await WalRaftStorage.OpenAsync(PhysicalFileSystem.Instance, options.DataDirectory, new EdgeStorageOptions(), journal.Retention, time, cancellationToken).ConfigureAwait(false);
            var nodeOptions = new EdgeNodeOptions
            {
                NodeId = options.NodeId,
                Site = options.Site,
                InitialVoters = options.Peers.Keys.Order().ToArray(),
                ApiAddress = "http://127.0.0.1:1",
            };
            node = await EdgeNode.StartAsync(
                nodeOptions,
                storage,
                feedback => TcpPeerTransport.Start(
                    new PeerTransportOptions
                    {
                        NodeId = options.NodeId,
                        SiteId = options.Site,
                        ListenEndpoint = options.PeerListen!,
                        Peers = options.Peers.Where(p => p.Key != options.NodeId).ToDictionary(p => p.Key, p => (EndPoint?)p.Value),
                        Insecure = true,
                        Time = time,
                        Random = new Random(seed ^ 0x5EED),
                    },
                    feedback),
                forwarder: null,
                time,
                new Random(seed),
                journal).ConfigureAwait(false);
        }
        catch
        {
            // The node owns the storage once started; before that it is ours to close.
            if (storage is not null)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }

            journal.Dispose();
            throw;
        }

        nodes.Add((node, journal, null));
        RegionLink link = await RegionLink.StartAsync(options, node, journal, time, seed, loggerFactory, inner => new SignerGate(inner, gate)).ConfigureAwait(false);
        nodes[^1] = (node, journal, link);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Ctl.Brokers;
using Grey.Ctl.Dev;
using Grey.Ctl.EdgeHarness;
using Grey.Federation.Signing;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Quarantine;
using Grey.Region.Registry;
using Grey.Simulation.Fleet;

namespace Grey.Ctl.Fleet;

/// <summary>
/// The real-broker fleet (<c>greyctl sim fleet --broker nats|mosquitto|embedded</c>): a real nats-server or mosquitto
/// started (and restarted) by greyctl, or the embedded MQTTnet broker of the first region, or an external broker;
/// regions as in-process <c>grey-region --dev</c> daemons (with several, each names the others in
/// <c>--peer-regions</c>); sites as in-process <c>grey-edge</c> Raft groups whose uplinks each pass through a TCP
/// fault proxy to the broker. The seed picks the workload and the chaos schedule; after the writing window it waits
/// (bounded) for quiet and compares every site's committed state with every region's merged state.
/// </summary>
internal sealed class RealFleetRunner : IFleetRunner
{
    /// <summary>Longest wait for every site to elect a leader and attest at start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Default longest wait, after the writes and the last fault, for every site and region to converge.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Sites started at once (each start enrolls and attests its nodes; all at once overloads two cores).</summary>
    public const int StartBatch = 8;

    /// <summary>Writes the drop-deltas sabotage makes behind a cut link.</summary>
    public const int SabotageWrites = 5;

    /// <summary>
    /// Attempts to publish one duplicate, tampered or forged copy (a second apart). Generous: with the embedded broker
    /// a broker restart is a region restart, which took more than 5 s on a loaded machine (the copy was then never
    /// sent and the run failed on tampered 0/1).
    /// </summary>
    public const int MaxPublishAttempts = 30;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly RealFleetSabotage _sabotage;
    private readonly TimeProvider _time = TimeProvider.System;

    /// <summary>The runner greyctl uses.</summary>
    public RealFleetRunner()
        : this(RealFleetSabotage.None)
    {
    }

    /// <summary>A runner with deliberate breakage (tests only).</summary>
    internal RealFleetRunner(RealFleetSabotage sabotage)
    {
        _sabotage = sabotage;
    }

    /// <summary>Longest wait for quiet after the writes (tests of sabotaged runs shorten it: they never converge).</summary>
    internal TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    /// <inheritdoc />
    public async Task<FleetReport> RunAsync(FleetOptions options, TextWriter progress, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        options.EnsureValid();
        if (options.Broker == FleetBroker.Sim)
        {
            throw new NotSupportedException("the real-broker runner does not drive the simulated broker; use SimulatedFleetRunner");
        }

        string directory = Directory.CreateTempSubdirectory("grey-fleet-").FullName;
        try
        {
            await using var run = new Run(options, progress, directory, _sabotage, _time, DrainTimeout);
            return await run.ExecuteAsync(token).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temporary directory left behind is harmless.
            }
        }
    }

    /// <summary>One run's parts and counters.</summary>
    private sealed class Run(FleetOptions options, TextWriter progress, string directory, RealFleetSabotage sabotage, TimeProvider time, TimeSpan drainTimeout) : IAsyncDisposable
    {
        private readonly List<InProcessRegion> _regions = [];
        private readonly List<InProcessSite> _sites = [];
        private readonly List<FaultProxy> _proxies = [];
        private readonly List<SkewableTimeProvider[]> _clocks = [];
        private readonly ConcurrentDictionary<string, long> _chaos = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, QuarantineItem> _quarantined = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _tampered = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _forged = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<string> _violations = new();
        private readonly object _gate = new();
        private readonly SemaphoreSlim _regionLock = new(1, 1);
        private NatsServer? _nats;
        private MosquittoServer? _mosquitto;
        private IDeltaTap? _tap;
        private long _lastFaultEnd;
        private long _injected;

        public async Task<FleetReport> ExecuteAsync(CancellationToken token)
        {
            (string? natsUrl, string? mqttUrl, string? embedded) = await StartBrokerAsync(token).ConfigureAwait(false);
            await StartRegionsAsync(natsUrl, mqttUrl, embedded, token).ConfigureAwait(false);
            _tap = natsUrl is not null ? await NatsDeltaTap.StartAsync(natsUrl, token).ConfigureAwait(false) : await MqttDeltaTap.StartAsync(mqttUrl!, token).ConfigureAwait(false);
            Uri brokerUri = new(natsUrl ?? mqttUrl!);
            await StartSitesAsync(brokerUri, token).ConfigureAwait(false);
            if (!await WaitStartedAsync(token).ConfigureAwait(false))
            {
                Violation("start: not every site elected a leader and attested within " + StartTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
                return await ReportAsync(new FleetVerifier.Outcome(0, 0, 0, 0, false, []), 0).ConfigureAwait(false);
            }

            IReadOnlyList<ChaosEvent> plan = ChaosSchedule.Plan(options);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fleet: {_sites.Count} sites of {options.NodesPerSite} nodes, {_regions.Count} regions, broker {Describe(natsUrl, mqttUrl, embedded)}; writing for {options.Duration.TotalSeconds:0.#} s with {plan.Count} chaos events ({ChaosClasses.Format(options.Chaos)})"));
            long start = time.GetTimestamp();
            var workload = FleetWorkload.Start(_sites, options.Seed, time);
            var chaos = new List<Task>();
            await using (workload.ConfigureAwait(false))
            {
                bool crashedWhileOffline = false;
                foreach (ChaosEvent e in plan)
                {
                    TimeSpan wait = e.At - time.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, token).ConfigureAwait(false);
                    }

                    bool crashToo = e.Class == ChaosClass.UplinkOutage && (options.Chaos & ChaosClass.NodeCrash) != 0 && !crashedWhileOffline;
                    crashedWhileOffline |= crashToo;
                    chaos.Add(InjectAsync(e, crashToo, token));
                }

                TimeSpan rest = options.Duration - time.GetElapsedTime(start);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, time, token).ConfigureAwait(false);
                }

                await workload.StopAsync().ConfigureAwait(false);
                await Task.WhenAll(chaos).ConfigureAwait(false);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"fleet: writes stopped: {workload.Acknowledged} acknowledged, {workload.Failed} failed or cut (outcome unknown); faults healed; draining"));
            }

            if (sabotage == RealFleetSabotage.DropDeltas)
            {
                await DropDeltasAsync(token).ConfigureAwait(false);
            }

            MarkFaultEnd();
            using var verifier = new FleetVerifier();
            FleetVerifier.Outcome outcome;
            long drainStart = time.GetTimestamp();
            while (true)
            {
                outcome = await verifier.CompareAsync(_sites, _regions, token).ConfigureAwait(false);
                if (outcome.Converged || time.GetElapsedTime(drainStart) > drainTimeout)
                {
                    break;
                }

                await Task.Delay(Poll, time, token).ConfigureAwait(false);
            }

            double drain = time.GetElapsedTime(Interlocked.Read(ref _lastFaultEnd)).TotalSeconds;
            foreach (string d in outcome.Differences.Take(10))
            {
                progress.WriteLine("fleet: not converged: " + d);
            }

            return await ReportAsync(outcome, drain).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await Task.WhenAll(_sites.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
            if (_tap is not null)
            {
                await _tap.DisposeAsync().ConfigureAwait(false);
            }

            foreach (InProcessRegion region in _regions)
            {
                await region.DisposeAsync().ConfigureAwait(false);
            }

            foreach (FaultProxy proxy in _proxies)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            if (_nats is not null)
            {
                await _nats.DisposeAsync().ConfigureAwait(false);
            }

            if (_mosquitto is not null)
            {
                await _mosquitto.DisposeAsync().ConfigureAwait(false);
            }

            _regionLock.Dispose();
        }

        private async Task<FleetReport> ReportAsync(FleetVerifier.Outcome outcome, double drain)
        {
            await _regionLock.WaitAsync().ConfigureAwait(false);
            try
            {
                SnapshotQuarantine();
            }
            finally
            {
                _regionLock.Release();
            }

            var rejected = new Dictionary<string, long>(StringComparer.Ordinal);
            long tamperedRejected = 0, forgedRejected = 0;
            foreach (QuarantineItem q in _quarantined.Values)
            {
                string reason = RejectReasonCodes.ToCode(q.Reason);
                rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
                string sha = Convert.ToHexStringLower(SHA256.HashData(q.Bytes));
                tamperedRejected += !q.Truncated && _tampered.ContainsKey(sha) ? 1 : 0;
                forgedRejected += !q.Truncated && _forged.ContainsKey(sha) ? 1 : 0;
            }

            return new FleetReport
            {
                Seed = options.Seed,
                Broker = options.Broker,
                Sites = options.Sites,
                Regions = options.Regions,
                Committed = outcome.Committed,
                Merged = outcome.Merged,
                // The edges' fold counts are not gathered by this runner (no fold happens within the default outbox
                // budget in runs of minutes); folded entries would still be counted in merged by the counters.
                Folded = 0,
                Lost = outcome.Lost,
                Duplicated = outcome.Duplicated,
                Rejected = rejected,
                TamperedSent = _tampered.Count,
                ForgedSent = _forged.Count,
                TamperedRejected = tamperedRejected,
                ForgedRejected = forgedRejected,
                Converged = outcome.Converged,
                DrainSeconds = Math.Round(drain, 3),
                ChaosEvents = new Dictionary<string, long>(_chaos, StringComparer.Ordinal),
                Violations = [.. _violations.Take(FleetReport.MaxViolations)],
            };
        }

        private async Task<(string? Nats, string? Mqtt, string? Embedded)> StartBrokerAsync(CancellationToken token)
        {
            switch (options.Broker)
            {
                case FleetBroker.Nats when options.NatsUrl is not null:
                    return (options.NatsUrl, null, null);
                case FleetBroker.Nats:
                    (NatsServer? nats, string error) = await NatsServer.StartAsync(Path.Combine(directory, "nats"), cancellationToken: token).ConfigureAwait(false);
                    _nats = nats ?? throw new InvalidOperationException("nats-server: " + error);
                    return (nats.Url, null, null);
                case FleetBroker.Mosquitto when options.MqttUrl is not null:
                    return (null, options.MqttUrl, null);
                case FleetBroker.Mosquitto:
                    (MosquittoServer? mosquitto, string merror) = await MosquittoServer.StartAsync(Path.Combine(directory, "mosquitto"), cancellationToken: token).ConfigureAwait(false);
                    _mosquitto = mosquitto ?? throw new InvalidOperationException("mosquitto: " + merror);
                    return (null, mosquitto.Url, null);
                default:
                    string endpoint = "127.0.0.1:" + LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
                    return (null, "mqtt://" + endpoint, endpoint);
            }
        }

        private async Task StartRegionsAsync(string? natsUrl, string? mqttUrl, string? embedded, CancellationToken token)
        {
            string[] ids = [.. Enumerable.Range(1, options.Regions).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture))];
            string certs = Path.Combine(directory, "region-certs");
            Directory.CreateDirectory(certs);
            int[] ports = LoopbackPorts.Free(ids.Length);
            string[] tokens = [.. ids.Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)))];
            // The first region hosts the embedded broker; the others are its clients.
            string? MqttOf(int i) => embedded is not null && i == 0 ? null : mqttUrl;
            string? EmbeddedOf(int i) => i == 0 ? embedded : null;
            if (ids.Length > 1)
            {
                // A region's certificate exists once it has started (the development CA issues it): start each once
                // without peers to publish it (in order: the first may host the broker), so peers can name it in --peer-certs.
                var first = new List<InProcessRegion>();
                for (int i = 0; i < ids.Length; i++)
                {
                    string data = Path.Combine(directory, ids[i]);
                    IReadOnlyList<string> alone = InProcessRegion.Arguments(ids[i], data, ports[i], tokens[i], natsUrl, MqttOf(i), EmbeddedOf(i), [], null);
                    first.Add(await InProcessRegion.StartAsync(ids[i], data, ports[i], tokens[i], alone, new RegionDaemonDependencies { Time = time }, token).ConfigureAwait(false));
                    File.Copy(Path.Combine(data, "region-cert.pem"), Path.Combine(certs, ids[i] + ".pem"), overwrite: true);
                }

                for (int i = first.Count - 1; i >= 0; i--)
                {
                    await first[i].DisposeAsync().ConfigureAwait(false);
                }
            }

            for (int i = 0; i < ids.Length; i++)
            {
                string data = Path.Combine(directory, ids[i]);
                string[] peers = [.. ids.Where(p => p != ids[i])];
                IReadOnlyList<string> args = InProcessRegion.Arguments(ids[i], data, ports[i], tokens[i], natsUrl, MqttOf(i), EmbeddedOf(i), peers, peers.Length > 0 ? certs : null);
                _regions.Add(await InProcessRegion.StartAsync(ids[i], data, ports[i], tokens[i], args, new RegionDaemonDependencies { Time = time }, token).ConfigureAwait(false));
            }
        }

        private async Task StartSitesAsync(Uri broker, CancellationToken token)
        {
            var target = new IPEndPoint(IPAddress.Loopback, broker.Port);
            var pending = new List<Task<InProcessSite>>();
            for (int i = 0; i < options.Sites; i++)
            {
                string site = "site-" + (i + 1).ToString("D3", CultureInfo.InvariantCulture);
                string home = "r" + ((i % options.Regions) + 1).ToString(CultureInfo.InvariantCulture);
                FaultProxy proxy = FaultProxy.Start(target);
                _proxies.Add(proxy);
                string url = $"{broker.Scheme}://127.0.0.1:{proxy.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture)}";
                SkewableTimeProvider[] clocks = [.. Enumerable.Range(0, options.NodesPerSite).Select(_ => new SkewableTimeProvider())];
                _clocks.Add(clocks);
                bool nats = broker.Scheme is "nats" or "tls";
                pending.Add(InProcessSite.StartAsync(site, home, Path.Combine(directory, site), options.NodesPerSite, nats ? url : null, nats ? null : url, n => clocks[n], token));
                if (pending.Count == StartBatch || i == options.Sites - 1)
                {
                    _sites.AddRange(await Task.WhenAll(pending).ConfigureAwait(false));
                    pending.Clear();
                }
            }
        }

        private async Task<bool> WaitStartedAsync(CancellationToken token)
        {
            long start = time.GetTimestamp();
            while (time.GetElapsedTime(start) < StartTimeout)
            {
                bool ready = _sites.All(s => s.LeaderIndex() is not null);
                if (ready)
                {
                    foreach (InProcessSite site in _sites)
                    {
                        InProcessRegion home = _regions.First(r => r.Id == site.Region);
                        int passing = home.Sites().FirstOrDefault(x => x.Site == site.Id)?.Nodes.Count(n => n.Attestation == NodeAttestation.Passing) ?? 0;
                        ready &= passing == site.Count;
                    }
                }

                if (ready)
                {
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fleet: every site has a leader and every node is attested ({time.GetElapsedTime(start).TotalSeconds:F1} s)"));
                    return true;
                }

                await Task.Delay(Poll, time, token).ConfigureAwait(false);
            }

            foreach (InProcessSite site in _sites)
            {
                InProcessRegion home = _regions.First(r => r.Id == site.Region);
                int passing = home.Sites().FirstOrDefault(x => x.Site == site.Id)?.Nodes.Count(n => n.Attestation == NodeAttestation.Passing) ?? 0;
                if (site.LeaderIndex() is null || passing != site.Count)
                {
                    progress.WriteLine($"fleet: site {site.Id} (home {site.Region}) not ready: leader {(site.LeaderIndex() is { } l ? "n" + (l + 1).ToString(CultureInfo.InvariantCulture) : "none")}, {passing}/{site.Count} nodes attested");
                }
            }

            return false;
        }

        private async Task InjectAsync(ChaosEvent e, bool crashWhileOffline, CancellationToken token)
        {
            InProcessSite site = _sites[e.Site];
            string name = ChaosClasses.NameOf(e.Class);
            try
            {
                switch (e.Class)
                {
                    case ChaosClass.UplinkOutage:
                        FaultProxy proxy = _proxies[e.Site];
                        proxy.Block(LinkDirection.Both);
                        proxy.ResetConnections();
                        Count(name);
                        progress.WriteLine($"fleet: chaos uplink-outage: site {site.Id} cut for {e.Length.TotalSeconds:0.#} s{(crashWhileOffline ? ", its leader crashes while offline" : "")}");
                        if (crashWhileOffline)
                        {
                            await Task.Delay(e.Length / 3, time, token).ConfigureAwait(false);
                            await CrashAsync(site, site.LeaderIndex() ?? 0, e.Length / 3, token).ConfigureAwait(false);
                            await Task.Delay(e.Length / 3, time, token).ConfigureAwait(false);
                        }
                        else
                        {
                            await Task.Delay(e.Length, time, token).ConfigureAwait(false);
                        }

                        proxy.Heal();
                        break;
                    case ChaosClass.BrokerRestart:
                        Count(name);
                        if (_nats is not null)
                        {
                            progress.WriteLine("fleet: chaos broker-restart: nats-server killed and started again on its port and store");
                            await _nats.StopAsync(token).ConfigureAwait(false);
                            await Task.Delay(e.Length / 2, time, token).ConfigureAwait(false);
                            await _nats.RestartAsync(token).ConfigureAwait(false);
                        }
                        else if (_mosquitto is not null)
                        {
                            progress.WriteLine("fleet: chaos broker-restart: mosquitto killed and started again on its port and persistence");
                            await _mosquitto.StopAsync(token).ConfigureAwait(false);
                            await Task.Delay(e.Length / 2, time, token).ConfigureAwait(false);
                            await _mosquitto.RestartAsync(token).ConfigureAwait(false);
                        }
                        else
                        {
                            // The embedded broker lives in the first region's process: restarting it restarts that region.
                            progress.WriteLine("fleet: chaos broker-restart: the embedded broker restarts with its region r1");
                            await RestartRegionAsync(_regions[0], e.Length / 2, token).ConfigureAwait(false);
                        }

                        break;
                    case ChaosClass.NodeCrash:
                        // Every other crash takes the leader, so leaders are included whatever the seed picked.
                        int node = (Interlocked.Increment(ref _injected) & 1) == 0 ? site.LeaderIndex() ?? e.Node : e.Node;
                        await CrashAsync(site, node, e.Length, token).ConfigureAwait(false);
                        break;
                    case ChaosClass.Duplicate:
                        if (Captured(e.Site) is { } dup)
                        {
                            await PublishCopyAsync(dup, dup.Wire, "dup", token).ConfigureAwait(false);
                            Count(name);
                            progress.WriteLine($"fleet: chaos duplicate: a delta of site {dup.Site} published again");
                        }

                        break;
                    case ChaosClass.Tamper:
                        if (Captured(e.Site) is { } original)
                        {
                            byte[] wire = sabotage == RealFleetSabotage.AcceptedTamper ? original.Wire : Tamper(original.Wire);
                            _tampered[Convert.ToHexStringLower(SHA256.HashData(wire))] = 0;
                            await PublishCopyAsync(original, wire, "tamper", token).ConfigureAwait(false);
                            Count(name);
                            progress.WriteLine($"fleet: chaos tamper: a delta of site {original.Site} with one byte changed");
                        }

                        break;
                    case ChaosClass.Forge:
                        if (Captured(e.Site) is { } like && Forge(like.Wire) is { } forged)
                        {
                            _forged[Convert.ToHexStringLower(SHA256.HashData(forged))] = 0;
                            await PublishCopyAsync(like, forged, "forge", token).ConfigureAwait(false);
                            Count(name);
                            progress.WriteLine($"fleet: chaos forge: a delta of site {like.Site} signed by an unenrolled key");
                        }

                        break;
                    case ChaosClass.Revoke:
                        await RevokeAsync(site, e.Node, token).ConfigureAwait(false);
                        break;
                    case ChaosClass.RegionRestart:
                        InProcessRegion region = _regions[e.Site % _regions.Count];
                        Count(name);
                        progress.WriteLine($"fleet: chaos region-restart: region {region.Id} stopped and started again from its store");
                        await RestartRegionAsync(region, e.Length / 2, token).ConfigureAwait(false);
                        break;
                    case ChaosClass.ClockSkew:
                        _clocks[e.Site][e.Node].Offset = e.Skew;
                        Count(name);
                        progress.WriteLine($"fleet: chaos clock-skew: node {e.Node + 1} of site {site.Id} now runs {e.Skew.TotalSeconds:+0.###;-0.###} s off");
                        break;
                    default:
                        throw new InvalidOperationException($"chaos class {e.Class} has no injection");
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or HttpRequestException or ArgumentException
                or NATS.Client.Core.NatsException or MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException)
            {
                Violation($"chaos {name} on site {site.Id} could not be injected: {ex.Message}");
            }
            finally
            {
                MarkFaultEnd();
            }
        }

        /// <summary>
        /// Publishes a copy through the tap, retrying a few times: right after a broker restart the tap's own connection
        /// may still be coming back.
        /// </summary>
        private async Task PublishCopyAsync(CapturedDelta like, byte[] wire, string tag, CancellationToken token)
        {
            string id = tag + "-" + Interlocked.Increment(ref _injected).ToString(CultureInfo.InvariantCulture);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await _tap!.PublishAsync(like, wire, id, token).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (attempt < MaxPublishAttempts && !token.IsCancellationRequested
                    && e is OperationCanceledException or IOException or System.Net.Sockets.SocketException or NATS.Client.Core.NatsException or MQTTnet.Exceptions.MqttCommunicationException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, token).ConfigureAwait(false);
                }
            }
        }

        private async Task CrashAsync(InProcessSite site, int node, TimeSpan down, CancellationToken token)
        {
            bool leader = site.LeaderIndex() == node;
            if (!await site.StopNodeAsync(node).ConfigureAwait(false))
            {
                return;
            }

            Count("node-crash");
            progress.WriteLine($"fleet: chaos node-crash: node {node + 1}{(leader ? " (the leader)" : "")} of site {site.Id} stopped for {down.TotalSeconds:0.#} s");
            await Task.Delay(down, time, token).ConfigureAwait(false);
            await site.StartNodeAsync(node, token).ConfigureAwait(false);
        }

        private async Task RevokeAsync(InProcessSite site, int node, CancellationToken token)
        {
            if (site.Count < 3)
            {
                // A revoked node leaves its group; a site of one or two nodes would lose its quorum for good.
                progress.WriteLine($"fleet: chaos revoke skipped: it needs at least 3 nodes per site (the revoked node leaves its group), this fleet has {site.Count}");
                return;
            }

            InProcessRegion home = _regions.First(r => r.Id == site.Region);
            string nodeName = site.Id + "-n" + (node + 1).ToString(CultureInfo.InvariantCulture);
            await _regionLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                if (home.Daemon is not { } daemon)
                {
                    return;
                }

                (NodeView? view, ulong _, bool published) = await daemon.RevokeAsync(nodeName, token).ConfigureAwait(false);
                if (view is null)
                {
                    Violation($"revoke: region {home.Id} does not know node {nodeName}");
                    return;
                }

                Count("revoke");
                progress.WriteLine($"fleet: chaos revoke: node {nodeName} revoked at region {home.Id} (notice {(published ? "published" : "not published")})");
            }
            finally
            {
                _regionLock.Release();
            }
        }

        private async Task RestartRegionAsync(InProcessRegion region, TimeSpan down, CancellationToken token)
        {
            await _regionLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                SnapshotQuarantine();
                await region.StopAsync().ConfigureAwait(false);
                await Task.Delay(down, time, token).ConfigureAwait(false);
                await region.StartAsync(token).ConfigureAwait(false);
            }
            finally
            {
                _regionLock.Release();
            }
        }

        private async Task DropDeltasAsync(CancellationToken token)
        {
            InProcessSite site = _sites[0];
            _proxies[0].Block(LinkDirection.Both);
            _proxies[0].ResetConnections();
            using var http = new HttpClient { Timeout = FleetWorkload.WriteTimeout };
            int acknowledged = 0;
            for (int i = 0; i < SabotageWrites * 4 && acknowledged < SabotageWrites; i++)
            {
                try
                {
                    using HttpResponseMessage r = await http.PostAsync(new Uri($"{site.ApiUrls[site.LeaderIndex() ?? 0]}/v1/counters/{FleetWorkload.CounterKey(0)}"), new StringContent("1"), token).ConfigureAwait(false);
                    acknowledged += r.IsSuccessStatusCode ? 1 : 0;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Try again.
                }
            }

            progress.WriteLine($"fleet: SABOTAGE: site {site.Id}'s uplink cut for good after {acknowledged} more writes");
        }

        /// <summary>The latest captured delta of the site, or of any site when that one has none yet.</summary>
        private CapturedDelta? Captured(int site) =>
            _tap!.Latest(_sites[site].Id) ?? _sites.Select(s => _tap.Latest(s.Id)).FirstOrDefault(d => d is not null);

        /// <summary>One byte of the signed content changed (the signature kept), so the signature no longer verifies.</summary>
        private static byte[] Tamper(byte[] wire)
        {
            if (SignedEnvelope.Decode(wire).Value is not { } envelope)
            {
                byte[] copy = (byte[])wire.Clone();
                copy[copy.Length / 2] ^= 0x01;
                return copy;
            }

            // Prefer a digit inside a written value ("site-NNN-SEQ"): the delta still decodes, and only the signature
            // can tell; a delta of counters alone gets a byte changed three quarters in.
            byte[] content = envelope.Content.ToArray();
            int value = content.AsSpan().LastIndexOf("site-"u8);
            content[value >= 0 ? value + 5 : content.Length - 1 - (content.Length / 4)] ^= 0x01;
            return SignedEnvelope.Encode(content, envelope.SignedData.Span);
        }

        /// <summary>The same content signed by a fresh key the region never enrolled.</summary>
        private static byte[]? Forge(byte[] wire)
        {
            if (SignedEnvelope.Decode(wire).Value is not { } envelope)
            {
                return null;
            }

            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=forger", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
            return new MessageSigner(certificate).SignEnvelope(envelope.Content.Span);
        }

        private void SnapshotQuarantine()
        {
            foreach (InProcessRegion region in _regions)
            {
                IReadOnlyList<QuarantineItem>? items = region.Read(core => core.Quarantine.List());
                foreach (QuarantineItem q in items ?? [])
                {
                    _quarantined[$"{region.Id}/{q.Id}/{Convert.ToHexStringLower(SHA256.HashData(q.Bytes))}"] = q;
                }
            }
        }

        private void Count(string name) => _chaos.AddOrUpdate(name, 1, (_, v) => v + 1);

        private void Violation(string text)
        {
            _violations.Enqueue(text);
            progress.WriteLine("fleet: VIOLATION: " + text);
        }

        private void MarkFaultEnd()
        {
            lock (_gate)
            {
                _lastFaultEnd = Math.Max(_lastFaultEnd, time.GetTimestamp());
            }
        }

        private static string Describe(string? natsUrl, string? mqttUrl, string? embedded) =>
            embedded is not null ? "embedded MQTT " + mqttUrl : natsUrl is not null ? "nats " + natsUrl : "mqtt " + mqttUrl;
    }
}

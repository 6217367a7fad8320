using System.Globalization;
using Grey.Linearizability;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Runs <c>greyctl torture edge</c>: starts the site, runs the clients throughout, and per round lets them
/// settle, injects one fault (cycling through <see cref="TortureFault"/>, victims and lengths drawn from the
/// seed), repairs it and waits until every node is healthy again. At the end it heals everything, reads
/// every key once more through a linearizable read, and judges the history.
/// </summary>
internal sealed class TortureRunner
{
    /// <summary>How many times each final read is tried (on each node in turn) before the key counts as unreadable.</summary>
    public const int FinalReadAttempts = 30;

    private readonly EdgeCommandLine _edge;
    private readonly TortureOptions _options;
    private readonly TimeProvider _time;
    private readonly TextWriter _progress;

    public TortureRunner(EdgeCommandLine edge, TortureOptions options, TimeProvider time, TextWriter progress)
    {
        _edge = edge;
        _options = options;
        _time = time;
        _progress = progress;
    }

    public async Task<TortureReport> RunAsync(CancellationToken cancellationToken)
    {
        string directory = Path.Combine(Path.GetTempPath(), "grey-torture-" + Guid.NewGuid().ToString("N")[..12]);
        var rounds = new List<string>();
        var random = new Random(unchecked((int)_options.Seed));
        bool keep = false;
        EdgeCluster cluster = EdgeCluster.Start(_edge, _options.Nodes, directory, _time);
        using var http1 = new EdgeKvClient(_time, http: EdgeHttp.Http1);
        using var http2 = new EdgeKvClient(_time, http: EdgeHttp.Http2);
        try
        {
            IReadOnlyList<int> sick = await cluster.WaitHealthyAsync(_options.Recovery, cancellationToken).ConfigureAwait(false);
            if (sick.Count > 0)
            {
                keep = true;
                return Broken(rounds, [], $"the site never became healthy at start: {Describe(cluster, sick)}");
            }

            var workload = new TortureWorkload(cluster, http1, http2, _time, _options);
            using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task clients = workload.RunAsync(stopClients.Token);
            string? failure = null;
            for (int round = 0; round < _options.Rounds && failure is null; round++)
            {
                await Task.Delay(_options.Settle, _time, cancellationToken).ConfigureAwait(false);
                TortureFault fault = (TortureFault)(round % Enum.GetValues<TortureFault>().Length);
                TimeSpan length = TimeSpan.FromMilliseconds(random.Next(200, (int)_options.MaxFault.TotalMilliseconds + 1));
                string what = await InjectAsync(cluster, fault, random, cancellationToken).ConfigureAwait(false);
                await Task.Delay(length, _time, cancellationToken).ConfigureAwait(false);
                cluster.HealAll();
                for (int i = 0; i < cluster.Count; i++)
                {
                    cluster.Restart(i);
                }

                long repaired = _time.GetTimestamp();
                sick = await cluster.WaitHealthyAsync(_options.Recovery, cancellationToken).ConfigureAwait(false);
                string line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"round {round + 1}/{_options.Rounds}: {what} for {length.TotalMilliseconds:F0} ms; healthy again after {_time.GetElapsedTime(repaired).TotalMilliseconds:F0} ms; {workload.Snapshot().Count} operations so far");
                if (sick.Count > 0)
                {
                    failure = $"round {round + 1}: the site did not recover within {_options.Recovery.TotalSeconds:F0} s after {what}: {Describe(cluster, sick)}";
                    line = failure;
                }

                rounds.Add(line);
                _progress.WriteLine("torture edge: " + line);
            }

            await stopClients.CancelAsync().ConfigureAwait(false);
            await clients.ConfigureAwait(false);
            var finals = failure is null
                ? await ReadFinalValuesAsync(cluster, workload, cancellationToken).ConfigureAwait(false)
                : new Dictionary<string, long?>(StringComparer.Ordinal);
            List<HistoryOperation> history = workload.Snapshot();
            TortureVerdict verdict = TortureVerdict.Judge(
                history,
                finals,
                new CheckerOptions { Budget = _options.CheckBudget, TimeProvider = _time },
                failure);
            keep = verdict.ExitCode != 0;
            if (keep)
            {
                // The history of a failed run, for `greyctl lincheck` and for people.
                string historyPath = Path.Combine(directory, "history.grey");
                using (var writer = new StreamWriter(historyPath))
                {
                    HistoryFile.Write(writer, ModelKind.Kv, history);
                }

                _progress.WriteLine($"torture edge: history written to {historyPath}");
            }

            return new TortureReport(_options, rounds, history, finals, verdict);
        }
        finally
        {
            // Every node is killed in any case; the data and logs stay for a failed run, to be read.
            await cluster.DisposeAsync().ConfigureAwait(false);
            if (keep)
            {
                _progress.WriteLine($"torture edge: node data and logs kept in {directory}");
            }
            else
            {
                TryDelete(directory);
            }
        }
    }

    private TortureReport Broken(List<string> rounds, List<HistoryOperation> history, string failure)
    {
        var verdict = new TortureVerdict([], new CheckResult(Verdict.Unknown, null, "not checked: " + failure, 0), failure);
        return new TortureReport(_options, rounds, history, new Dictionary<string, long?>(), verdict);
    }

    private async Task<string> InjectAsync(EdgeCluster cluster, TortureFault fault, Random random, CancellationToken cancellationToken)
    {
        int n = cluster.Count;
        int victim = random.Next(n);
        switch (fault)
        {
            case TortureFault.KillOne:
                await cluster.KillAsync(victim, cancellationToken).ConfigureAwait(false);
                return $"SIGKILL {EdgeCluster.NodeName(victim)}";
            case TortureFault.KillMajority:
                int[] majority = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(n / 2 + 1).ToArray();
                await Task.WhenAll(majority.Select(i => cluster.KillAsync(i, cancellationToken))).ConfigureAwait(false);
                return "SIGKILL majority " + string.Join('+', majority.Select(EdgeCluster.NodeName));
            case TortureFault.KillAll:
                await Task.WhenAll(Enumerable.Range(0, n).Select(i => cluster.KillAsync(i, cancellationToken))).ConfigureAwait(false);
                return "SIGKILL all";
            case TortureFault.IsolateOne:
                cluster.Isolate(victim);
                return $"partition {EdgeCluster.NodeName(victim)} from all";
            case TortureFault.OneWayOut:
                for (int j = 0; j < n; j++)
                {
                    if (j != victim)
                    {
                        cluster.BlockOneWay(victim, j);
                    }
                }

                return $"one-way: {EdgeCluster.NodeName(victim)} cannot send";
            default:
                for (int j = 0; j < n; j++)
                {
                    if (j != victim)
                    {
                        cluster.BlockOneWay(j, victim);
                    }
                }

                return $"one-way: {EdgeCluster.NodeName(victim)} cannot receive";
        }
    }

    private async Task<Dictionary<string, long?>> ReadFinalValuesAsync(EdgeCluster cluster, TortureWorkload workload, CancellationToken cancellationToken)
    {
        var finals = new Dictionary<string, long?>(StringComparer.Ordinal);
        int finalClient = 1_000_000;
        foreach (string key in workload.Keys)
        {
            for (int attempt = 0; attempt < FinalReadAttempts; attempt++)
            {
                KvCallResult result = await workload.RecordedReadAsync(finalClient, attempt % cluster.Count, key, cancellationToken).ConfigureAwait(false);
                if (result.Status == KvCallStatus.NotFound)
                {
                    finals[key] = null;
                    break;
                }

                if (result.Status == KvCallStatus.Ok)
                {
                    finals[key] = TortureWorkload.TryParseValue(result.Value, out long v) ? v : long.MinValue;
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken).ConfigureAwait(false);
            }
        }

        return finals;
    }

    private static string Describe(EdgeCluster cluster, IReadOnlyList<int> nodes) => string.Join("; ", nodes.Select(i =>
    {
        ManagedProcess p = cluster.Node(i);
        string state = p.IsRunning ? "running, not healthy" : $"exited with {p.ExitCode}";
        return $"{p.Name} {state} (log {p.LogPath}): {p.Tail(5).Replace('\n', ' ')}";
    }));

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}

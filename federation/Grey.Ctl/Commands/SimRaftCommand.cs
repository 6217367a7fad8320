using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grey.Ctl.Cli;
using Grey.Linearizability;
using Grey.Simulation.Raft;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl sim raft --seeds A-B [--nodes 3|5] [--faults none|net|crash|all] [--steps N] [--json]</c>: runs one
/// deterministic simulation of a Raft group per seed, checking the Raft invariants after every step and
/// the client history for linearizability at the end. Exit 0 when every seed passed, 1 when any found a
/// violation or an undecided history (each failing seed is printed as <c>seed=S</c> with a short trace,
/// and replays exactly with <c>--seeds S</c> and the same options), 2 on bad input.
/// </summary>
internal static class SimRaftCommand
{
    /// <summary>Failing seeds listed in full (trace included); further failures are only counted and named.</summary>
    public const int MaxTracedFailures = 3;

    /// <summary>Trace lines printed per traced failure.</summary>
    public const int TraceLines = 40;

    public static Command Create(TimeProvider? clock = null)
    {
        var seeds = CliOptions.Seeds("--seeds", "Seeds to run, A-B (inclusive) or one seed", new SeedRange(1, 20));
        var nodes = new Option<int>("--nodes")
        {
            Description = "Voters in the group: 3 or 5 (a spare node is added for membership changes under --faults all)",
            DefaultValueFactory = _ => 3,
        };
        nodes.Validators.Add(result =>
        {
            int n = result.GetValueOrDefault<int>();
            if (n is not (3 or 5))
            {
                result.AddError($"--nodes must be 3 or 5, got {n}");
            }
        });

        var faults = new Option<string>("--faults")
        {
            Description = "Faults to inject: none, net (drop/delay/duplicate/reorder/partitions), crash (crash/restart, torn writes) or all (also clock skew, leader transfer, membership changes)",
            DefaultValueFactory = _ => "all",
        };
        faults.AcceptOnlyFromAmong("none", "net", "crash", "all");

        var steps = new Option<long>("--steps")
        {
            Description = $"Events per seed (default {RaftSimulationOptions.DefaultMaxSteps}: several elections under faults, well under a second per seed)",
            DefaultValueFactory = _ => RaftSimulationOptions.DefaultMaxSteps,
        };
        steps.Validators.Add(result =>
        {
            long n = result.GetValueOrDefault<long>();
            if (n < 1 || n > RaftSimulationOptions.MaxMaxSteps)
            {
                result.AddError($"--steps must lie in [1, {RaftSimulationOptions.MaxMaxSteps}], got {n}");
            }
        });

        var historyDir = new Option<string?>("--history-dir")
        {
            Description = "Write the client history of each failing seed to DIR/raft-seed-S.history (re-check it with greyctl lincheck)",
        };

        var json = CliOptions.Json();
        var command = new Command("raft", "Simulate a Raft group under faults, one run per seed; check safety after every step and linearizability at the end")
        {
            seeds,
            nodes,
            faults,
            steps,
            historyDir,
            json,
        };

        command.SetAction(parseResult =>
        {
            var settings = new Settings(
                parseResult.GetValue(seeds),
                parseResult.GetValue(nodes),
                ParseProfile(parseResult.GetValue(faults) ?? "all"),
                parseResult.GetValue(steps),
                parseResult.GetValue(json),
                parseResult.GetValue(historyDir));
            if (settings.HistoryDir is { } dir && !Directory.Exists(dir))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"greyctl sim raft: --history-dir '{dir}' is not an existing directory");
                return ExitCodes.BadInput;
            }

            return Run(settings, clock ?? TimeProvider.System, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        });
        return command;
    }

    private static FaultProfile ParseProfile(string text) => text switch
    {
        "none" => FaultProfile.None,
        "net" => FaultProfile.Net,
        "crash" => FaultProfile.Crash,
        _ => FaultProfile.All,
    };

    private static string Name(FaultProfile profile) => profile.ToString().ToLowerInvariant();

    private static int Run(Settings settings, TimeProvider clock, TextWriter stdout, TextWriter stderr)
    {
        TextWriter report = settings.Json ? stderr : stdout;
        long started = clock.GetTimestamp();
        var failures = new List<SimulationResult>();
        long passed = 0;
        long elections = 0;
        ulong commits = 0;
        long operations = 0;
        int longestHistory = -1;
        ulong longestSeed = 0;
        long progressEvery = Math.Max(1, (long)settings.Seeds.Count / 10);
        long done = 0;

        foreach (ulong seed in settings.Seeds.Seeds())
        {
            var result = RaftSimulation.RunSeed(new RaftSimulationOptions
            {
                Seed = seed,
                Nodes = settings.Nodes,
                Faults = settings.Faults,
                MaxSteps = settings.Steps,
            });
            done++;
            elections += result.Elections;
            commits += result.Commits;
            operations += result.HistoryOperations;
            if (result.HistoryOperations > longestHistory)
            {
                longestHistory = result.HistoryOperations;
                longestSeed = seed;
            }

            if (result.Passed)
            {
                passed++;
            }
            else
            {
                failures.Add(result);
                PrintFailure(result, settings, failures.Count, report);
                SaveHistory(result, settings, report);
            }

            if (settings.Seeds.Count >= 20 && done % progressEvery == 0)
            {
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sim raft: {done}/{settings.Seeds.Count} seeds, {failures.Count} failed"));
            }
        }

        TimeSpan elapsed = clock.GetElapsedTime(started);
        double rate = done / Math.Max(elapsed.TotalSeconds, 1e-9);
        if (settings.Json)
        {
            WriteJson(stdout, settings, passed, failures, elapsed, rate, elections, commits, operations, longestHistory, longestSeed);
        }
        else
        {
            stdout.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"sim raft: seeds {settings.Seeds.First}-{settings.Seeds.Last}, nodes {settings.Nodes}, faults {Name(settings.Faults)}, steps {settings.Steps}"));
            stdout.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{passed}/{done} seeds passed, {failures.Count} failed, in {elapsed.TotalSeconds:0.0}s ({rate:0.00} seeds/s)"));
            stdout.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"elections {elections}, commits {commits}, operations checked {operations}, longest history {longestHistory} ops (seed {longestSeed})"));
            if (failures.Count > 0)
            {
                stdout.WriteLine("failing seeds: " + string.Join(" ", failures.Select(f => $"seed={f.Seed}")));
            }
        }

        return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private static void PrintFailure(SimulationResult result, Settings settings, int ordinal, TextWriter writer)
    {
        string what = result.Violation?.ToString() ?? $"history verdict {result.Verdict}";
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={result.Seed} FAILED {what}"));
        if (ordinal > MaxTracedFailures)
        {
            return;
        }

        writer.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  after {result.Steps} steps, {result.VirtualTime.TotalMilliseconds:0}ms virtual, trace hash {result.TraceHash:x16}; last faults and role changes:"));
        foreach (string line in result.RecentNotable)
        {
            writer.WriteLine("    " + line);
        }

        writer.WriteLine("  last events:");
        foreach (string line in result.RecentTrace.TakeLast(TraceLines))
        {
            writer.WriteLine("    " + line);
        }

        writer.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  replay: greyctl sim raft --seeds {result.Seed} --nodes {settings.Nodes} --faults {Name(settings.Faults)} --steps {settings.Steps}"));
    }

    private static void SaveHistory(SimulationResult result, Settings settings, TextWriter writer)
    {
        if (settings.HistoryDir is null || result.History.Count == 0)
        {
            return;
        }

        string path = Path.Combine(settings.HistoryDir, string.Create(CultureInfo.InvariantCulture, $"raft-seed-{result.Seed}.history"));
        try
        {
            using var file = new StreamWriter(path);
            HistoryFile.Write(file, ModelKind.Kv, result.History);
            writer.WriteLine($"  history: {path}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            writer.WriteLine($"  history: could not write {path}: {ex.Message}");
        }
    }

    private static void WriteJson(
        TextWriter stdout,
        Settings settings,
        long passed,
        List<SimulationResult> failures,
        TimeSpan elapsed,
        double rate,
        long elections,
        ulong commits,
        long operations,
        int longestHistory,
        ulong longestSeed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("firstSeed", settings.Seeds.First);
            w.WriteNumber("lastSeed", settings.Seeds.Last);
            w.WriteNumber("seeds", settings.Seeds.Count);
            w.WriteNumber("nodes", settings.Nodes);
            w.WriteString("faults", Name(settings.Faults));
            w.WriteNumber("steps", settings.Steps);
            w.WriteNumber("passed", passed);
            w.WriteNumber("failed", failures.Count);
            w.WriteNumber("elapsedSeconds", Math.Round(elapsed.TotalSeconds, 3));
            w.WriteNumber("seedsPerSecond", Math.Round(rate, 3));
            w.WriteNumber("elections", elections);
            w.WriteNumber("commits", commits);
            w.WriteNumber("operationsChecked", operations);
            w.WriteNumber("longestHistory", longestHistory);
            w.WriteNumber("longestHistorySeed", longestSeed);
            w.WriteStartArray("failures");
            foreach (var f in failures)
            {
                w.WriteStartObject();
                w.WriteNumber("seed", f.Seed);
                w.WriteString("invariant", f.Violation?.Invariant ?? "history");
                w.WriteString("detail", f.Violation?.Detail ?? $"verdict {f.Verdict}");
                w.WriteString("traceHash", f.TraceHash.ToString("x16", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private sealed record Settings(SeedRange Seeds, int Nodes, FaultProfile Faults, long Steps, bool Json, string? HistoryDir);
}

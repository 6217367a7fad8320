using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grey.Ctl.Cli;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl torture edge [--nodes 3] [--rounds N] [--seed S] [--edge-bin PATH] [--json]</c>: starts real
/// grey-edge processes on loopback with a fault-injecting proxy between every pair, drives concurrent
/// clients, and per round SIGKILLs nodes (one, a majority, all), partitions them (both ways and one way),
/// restarts and heals. Exit 0 only when every acknowledged write survived and the history is linearizable;
/// 1 when a write was lost, the history is not linearizable or undecided, or the site never recovered;
/// 2 on bad input (including a missing grey-edge).
/// </summary>
internal static class TortureEdgeCommand
{
    /// <summary>The most rounds one invocation accepts.</summary>
    public const int MaxRounds = 10_000;

    /// <summary>Lost writes printed in full.</summary>
    public const int MaxPrintedLost = 10;

    public static Command Create(TimeProvider? clock = null)
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the site (3 to 7)", DefaultValueFactory = _ => 3 };
        nodes.Validators.Add(r =>
        {
            int n = r.GetValueOrDefault<int>();
            if (n < 3 || n > EdgeCluster.MaxNodes)
            {
                r.AddError($"--nodes must lie in [3, {EdgeCluster.MaxNodes}], got {n}");
            }
        });
        var rounds = new Option<int>("--rounds") { Description = "Fault rounds", DefaultValueFactory = _ => 10 };
        rounds.Validators.Add(r =>
        {
            int n = r.GetValueOrDefault<int>();
            if (n < 1 || n > MaxRounds)
            {
                r.AddError($"--rounds must lie in [1, {MaxRounds}], got {n}");
            }
        });
        var seed = new Option<ulong?>("--seed") { Description = "Seed of every random choice (default: drawn and printed)" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 5 };
        clients.Validators.Add(r =>
        {
            int n = r.GetValueOrDefault<int>();
            if (n < 1 || n > 64)
            {
                r.AddError($"--clients must lie in [1, 64], got {n}");
            }
        });
        var edgeBin = new Option<string?>("--edge-bin") { Description = "Path of the grey-edge executable (default: next to greyctl)" };
        var json = CliOptions.Json();
        var command = new Command("edge", "SIGKILL, restart and partition real grey-edge nodes under concurrent clients; check no acknowledged write is lost and the history is linearizable")
        {
            nodes, rounds, seed, clients, edgeBin, json,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            if (!EdgeBinaryLocator.TryLocate(parseResult.GetValue(edgeBin), out EdgeCommandLine edge, out string error))
            {
                stderr.WriteLine("greyctl torture edge: " + error);
                return ExitCodes.BadInput;
            }

            TimeProvider time = clock ?? TimeProvider.System;
            // An unseeded run draws its seed from the clock and prints it, so any run can be repeated.
            ulong chosenSeed = parseResult.GetValue(seed) ?? (ulong)(time.GetTimestamp() & 0x7FFF_FFFF);
            var options = new TortureOptions
            {
                Seed = chosenSeed,
                Nodes = parseResult.GetValue(nodes),
                Rounds = parseResult.GetValue(rounds),
                Clients = parseResult.GetValue(clients),
            };
            bool asJson = parseResult.GetValue(json);
            TextWriter progress = asJson ? stderr : stdout;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"torture edge: seed={options.Seed} nodes={options.Nodes} rounds={options.Rounds} clients={options.Clients} ({edge.FileName})"));
            TortureReport report = await new TortureRunner(edge, options, time, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            if (asJson)
            {
                WriteJson(stdout, report);
            }
            else
            {
                WriteText(stdout, report);
            }

            return report.Verdict.ExitCode;
        });
        return command;
    }

    private static void WriteText(TextWriter stdout, TortureReport report)
    {
        TortureVerdict v = report.Verdict;
        stdout.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"torture edge: {report.History.Count} operations, {report.AcknowledgedWrites} acknowledged writes, {report.UnknownOutcomes} unknown outcomes, {report.FinalValues.Count} keys read at the end"));
        if (v.Failure is not null)
        {
            stdout.WriteLine("torture edge: FAILED: " + v.Failure);
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"torture edge: lost acknowledged writes: {v.Lost.Count}"));
        foreach (LostWrite lost in v.Lost.Take(MaxPrintedLost))
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lost: key {lost.Key} value {lost.Value}: {lost.Reason}"));
        }

        stdout.WriteLine($"torture edge: {(v.Linearizability.Key is null ? "" : "key " + v.Linearizability.Key + ": ")}{v.Linearizability.Detail}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"torture edge: seed={report.Options.Seed} {(v.ExitCode == 0 ? "PASS" : "FAIL")}"));
    }

    private static void WriteJson(TextWriter stdout, TortureReport report)
    {
        TortureVerdict v = report.Verdict;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("seed", report.Options.Seed);
            w.WriteNumber("nodes", report.Options.Nodes);
            w.WriteNumber("rounds", report.Options.Rounds);
            w.WriteNumber("operations", report.History.Count);
            w.WriteNumber("acknowledged_writes", report.AcknowledgedWrites);
            w.WriteNumber("unknown_outcomes", report.UnknownOutcomes);
            w.WriteNumber("lost_writes", v.Lost.Count);
            w.WriteString("linearizability", Name(v.Linearizability.Verdict));
            w.WriteString("detail", v.Linearizability.Detail);
            if (v.Failure is not null)
            {
                w.WriteString("failure", v.Failure);
            }

            w.WriteBoolean("passed", v.ExitCode == 0);
            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string Name(Grey.Linearizability.Verdict verdict) => verdict switch
    {
        Grey.Linearizability.Verdict.Linearizable => "linearizable",
        Grey.Linearizability.Verdict.NotLinearizable => "not-linearizable",
        _ => "unknown",
    };
}

using System.CommandLine;
using System.Text.Json;
using Grey.Ctl.Cli;
using Grey.Simulation.Merge;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl sim merge --seeds A-B [--sites N] [--regions N] [--entries N] [--json]</c>: per seed, generates
/// site logs (with epochs, desired-state changes and checkpoints), cuts them into signed deltas at random
/// boundaries, delivers them to several regions in random orders with duplicates, exchanges region deltas,
/// and checks that every region ends with the state hash of the logs applied directly. Exit 0 when every
/// seed converged, 1 when any did not (each failing seed is printed as <c>seed=S</c> with the reason and
/// replays exactly with <c>--seeds S</c> and the same options), 2 on bad input.
/// </summary>
internal static class SimMergeCommand
{
    /// <summary>Failing seeds printed with their reason; further failures are only counted.</summary>
    public const int MaxReportedFailures = 20;

    public static Command Create()
    {
        var seeds = CliOptions.Seeds("--seeds", "Seeds to run, A-B (inclusive) or one seed", new SeedRange(1, 100));
        var sites = Bounded("--sites", "Sites per seed", 3, 1, MergeSimulationOptions.MaxSites);
        var regions = Bounded("--regions", "Regions per seed", 3, 1, MergeSimulationOptions.MaxRegions);
        var entries = Bounded("--entries", "Most data entries per site epoch", 30, 1, MergeSimulationOptions.MaxEntriesLimit);
        var json = CliOptions.Json();
        var command = new Command("merge", "Simulate deltas delivered to regions in random orders with duplicates, checkpoints and region exchanges; check every region converges on the direct application")
        {
            seeds, sites, regions, entries, json,
        };
        command.SetAction(parse => Run(
            parse.GetValue(seeds), parse.GetValue(sites), parse.GetValue(regions), parse.GetValue(entries), parse.GetValue(json),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static Option<int> Bounded(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = $"{description} ({min}-{max}, default {defaultValue})", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            int n = result.GetValueOrDefault<int>();
            if (n < min || n > max)
            {
                result.AddError($"{name} must lie in [{min}, {max}], got {n}");
            }
        });
        return option;
    }

    private static int Run(SeedRange range, int sites, int regions, int entries, bool json, TextWriter stdout, TextWriter stderr)
    {
        TextWriter report = json ? stderr : stdout;
        var failures = new List<MergeSimulationResult>();
        long passed = 0, deltas = 0, deliveries = 0, duplicates = 0, gaps = 0, folded = 0, violations = 0, conflicts = 0, exchanges = 0;
        foreach (ulong seed in range.Seeds())
        {
            MergeSimulationResult r = MergeSimulation.RunSeed(new MergeSimulationOptions { Seed = seed, Sites = sites, Regions = regions, MaxEntries = entries });
            if (r.Passed)
            {
                passed++;
            }
            else
            {
                failures.Add(r);
                if (failures.Count <= MaxReportedFailures)
                {
                    report.WriteLine($"seed={seed} FAILED: {r.Failure}");
                }
            }

            deltas += r.SignedDeltas;
            deliveries += r.Deliveries;
            duplicates += r.Duplicates;
            gaps += r.Gaps;
            folded += r.Folded;
            violations += r.OwnershipViolations;
            conflicts += r.Conflicts;
            exchanges += r.RegionExchanges;
        }

        string options = $"--sites {sites} --regions {regions} --entries {entries}";
        report.WriteLine($"sim merge: {range.Count} seeds ({range.First}-{range.Last}), {passed} converged, {failures.Count} failed; " +
                         $"{deltas} signed deltas, {deliveries} deliveries, {duplicates} duplicates, {gaps} gaps held, {folded} folded, " +
                         $"{exchanges} region exchanges, {violations} ownership violations skipped, {conflicts} conflicts resolved");
        if (failures.Count > 0)
        {
            report.WriteLine($"replay a failure with: greyctl sim merge --seeds {failures[0].Seed} {options}");
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["seeds"] = range.Count,
                ["converged"] = passed,
                ["failed"] = failures.Count,
                ["failedSeeds"] = failures.Select(f => f.Seed).ToList(),
                ["signedDeltas"] = deltas,
                ["deliveries"] = deliveries,
                ["duplicates"] = duplicates,
                ["gapsHeld"] = gaps,
                ["folded"] = folded,
                ["regionExchanges"] = exchanges,
                ["ownershipViolations"] = violations,
                ["conflicts"] = conflicts,
            }));
        }

        return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }
}

using System.CommandLine;
using System.Text;
using Grey.Ctl.Cli;
using Grey.Ctl.Fleet;
using Grey.Simulation.Fleet;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl sim fleet --sites N [--nodes-per-site 3] [--regions R] --duration D --seed S --chaos LIST
/// --broker sim|nats|mosquitto|embedded [--nats URL] [--mqtt URL] [--report FILE] [--json]</c>: runs a fleet of
/// sites (Raft groups) shipping signed deltas to regions under chaos, then drains and verifies (issue 8).
/// <c>--broker sim</c> runs inside the deterministic simulator (<see cref="SimulatedFleetRunner"/>); the other
/// brokers run real servers (<see cref="RealFleetRunner"/>). <c>--seed</c> also takes a range <c>A-B</c> (one
/// run per seed, the simulated CI form). Exit 0 only when every report passed; 1 with the failing seed(s);
/// 2 on bad arguments (every error listed).
/// </summary>
internal static class SimFleetCommand
{
    /// <summary>Failing seeds whose full report is printed; further failures are only named.</summary>
    public const int MaxPrintedFailures = 5;

    /// <summary>Picks the runner for the options' broker. Tests replace it to run a sabotaged fleet through the command line.</summary>
    internal delegate IFleetRunner RunnerFactory(FleetOptions options);

    public static Command Create(RunnerFactory? factory = null)
    {
        factory ??= DefaultRunner;
        var sites = new Option<int>("--sites") { Description = $"Edge sites, each a Raft group (1-{FleetOptions.MaxSites})", Required = true };
        var nodes = new Option<int>("--nodes-per-site") { Description = $"Nodes per site (1-{FleetOptions.MaxNodesPerSite}, default 3)", DefaultValueFactory = _ => 3 };
        var regions = new Option<int>("--regions") { Description = $"Regions; sites are spread over them and regions exchange region deltas (1-{FleetOptions.MaxRegions}, default 1)", DefaultValueFactory = _ => 1 };
        var duration = CliOptions.Duration("--duration", "How long the sites write (virtual time with --broker sim); drain and verification follow", TimeSpan.Zero);
        duration.Required = true;
        var seed = CliOptions.Seeds("--seed", "The seed (S), or a range A-B to run one fleet per seed", new SeedRange(1, 1));
        seed.Required = true;
        var chaos = new Option<string>("--chaos")
        {
            Description = "Chaos classes: all, none, or a comma-separated list of " + string.Join(", ", ChaosClasses.Names.Select(n => n.Name)),
            DefaultValueFactory = _ => "none",
        };
        chaos.Validators.Add(result =>
        {
            if (!ChaosClasses.TryParse(result.GetValueOrDefault<string>(), out _, out string error))
            {
                result.AddError("--chaos: " + error);
            }
        });
        var broker = new Option<string>("--broker")
        {
            Description = "sim (deterministic simulator), nats (nats-server started by greyctl, or --nats URL), mosquitto (started by greyctl, or --mqtt URL), embedded (MQTTnet in process)",
            Required = true,
        };
        broker.AcceptOnlyFromAmong("sim", "nats", "mosquitto", "embedded");
        var natsUrl = new Option<string?>("--nats") { Description = "An external NATS server (nats://HOST:PORT) for --broker nats" };
        var mqttUrl = new Option<string?>("--mqtt") { Description = "An external MQTT broker (mqtt://HOST:PORT) for --broker mosquitto" };
        var report = new Option<string?>("--report") { Description = "Write the JSON report to FILE" };
        var json = CliOptions.Json();
        var command = new Command("fleet", "Run a fleet of sites and regions under chaos; check nothing lost, nothing doubled, tampered and forged deltas rejected, regions converged")
        {
            sites, nodes, regions, duration, seed, chaos, broker, natsUrl, mqttUrl, report, json,
        };

        command.SetAction(async (parse, token) =>
        {
            ChaosClasses.TryParse(parse.GetValue(chaos), out ChaosClass chaosClasses, out _);
            var options = new FleetOptions
            {
                Sites = parse.GetValue(sites),
                NodesPerSite = parse.GetValue(nodes),
                Regions = parse.GetValue(regions),
                Duration = parse.GetValue(duration),
                Seed = parse.GetValue(seed).First,
                Chaos = chaosClasses,
                Broker = ParseBroker(parse.GetValue(broker)!),
                NatsUrl = parse.GetValue(natsUrl),
                MqttUrl = parse.GetValue(mqttUrl),
                ReportPath = parse.GetValue(report),
            };
            return await RunAsync(options, parse.GetValue(seed), parse.GetValue(json), factory,
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, token).ConfigureAwait(false);
        });
        return command;
    }

    internal static FleetBroker ParseBroker(string name) => name switch
    {
        "sim" => FleetBroker.Sim,
        "nats" => FleetBroker.Nats,
        "mosquitto" => FleetBroker.Mosquitto,
        "embedded" => FleetBroker.Embedded,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown broker"),
    };

    private static IFleetRunner DefaultRunner(FleetOptions options) =>
        options.Broker == FleetBroker.Sim ? new SimulatedFleetRunner() : new RealFleetRunner();

    private static async Task<int> RunAsync(
        FleetOptions options, SeedRange seeds, bool json, RunnerFactory factory, TextWriter stdout, TextWriter stderr, CancellationToken token)
    {
        IReadOnlyList<string> errors = options.Validate();
        if (seeds.Count > 1 && options.Broker != FleetBroker.Sim)
        {
            errors = [.. errors, "a seed range runs only with --broker sim (real-broker fleets take one seed)"];
        }

        if (errors.Count > 0)
        {
            foreach (string e in errors)
            {
                stderr.WriteLine($"greyctl: {e}");
            }

            return ExitCodes.BadInput;
        }

        TextWriter progress = json ? stderr : stdout;
        string replay = $"--sites {options.Sites} --nodes-per-site {options.NodesPerSite} --regions {options.Regions} " +
                        $"--duration {(long)options.Duration.TotalMilliseconds}ms --chaos {ChaosClasses.Format(options.Chaos)} --broker {options.Broker.ToString().ToLowerInvariant()}";
        var reports = new List<FleetReport>();
        var failed = new List<ulong>();
        foreach (ulong s in seeds.Seeds())
        {
            FleetOptions one = options with { Seed = s };
            IFleetRunner runner = factory(one);
            FleetReport r;
            try
            {
                r = await runner.RunAsync(one, progress, token).ConfigureAwait(false);
            }
            catch (NotSupportedException ex)
            {
                stderr.WriteLine($"greyctl: seed={s}: {ex.Message}");
                return ExitCodes.CheckFailed;
            }

            reports.Add(r);
            if (!r.Passed)
            {
                failed.Add(s);
            }

            if (seeds.Count == 1 || (!r.Passed && failed.Count <= MaxPrintedFailures))
            {
                progress.Write(r.Summary());
            }
        }

        if (seeds.Count > 1)
        {
            progress.WriteLine($"sim fleet: {seeds.Count} seeds ({seeds.First}-{seeds.Last}), {seeds.Count - (ulong)failed.Count} passed, {failed.Count} failed; " +
                               $"committed {reports.Sum(r => r.Committed)}, merged {reports.Sum(r => r.Merged)}, folded {reports.Sum(r => r.Folded)}, " +
                               $"lost {reports.Sum(r => r.Lost)}, duplicated {reports.Sum(r => r.Duplicated)}");
        }

        if (failed.Count > 0)
        {
            progress.WriteLine($"FAILED seed{(failed.Count > 1 ? "s" : string.Empty)} {string.Join(", ", failed.Take(20))}{(failed.Count > 20 ? ", ..." : string.Empty)}; " +
                               $"replay with: greyctl sim fleet --seed {failed[0]} {replay}");
        }
        else if (seeds.Count == 1)
        {
            progress.WriteLine($"seed {seeds.First} passed");
        }

        string text = seeds.Count == 1 ? reports[0].ToJson() : RangeJson(seeds, reports, failed);
        if (options.ReportPath is not null)
        {
            try
            {
                await File.WriteAllTextAsync(options.ReportPath, text + "\n", token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"greyctl: cannot write the report to '{options.ReportPath}': {ex.Message}");
                return ExitCodes.BadInput;
            }
        }

        if (json)
        {
            stdout.WriteLine(text);
        }

        return failed.Count == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    /// <summary>A seed range's report: the counts, the failing seeds and every seed's report object.</summary>
    private static string RangeJson(SeedRange seeds, List<FleetReport> reports, List<ulong> failed)
    {
        var s = new StringBuilder();
        s.Append($"{{\"seeds\":{seeds.Count},\"passed\":{seeds.Count - (ulong)failed.Count},\"failed\":{failed.Count},\"failed_seeds\":[");
        s.Append(string.Join(",", failed));
        s.Append("],\"reports\":[");
        s.Append(string.Join(",", reports.Select(r => r.ToJson())));
        s.Append("]}");
        return s.ToString();
    }
}

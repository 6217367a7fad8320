using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grey.Ctl.Bench;
using Grey.Ctl.Cli;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl bench e2e [--nats URL] [--sites 8] [--duration D] [--json]</c>: in one run, raw JetStream publish
/// throughput of 256-byte messages; the delta pipeline (outbox, signing, NATS, the region's verification, merge,
/// durable flush and signed ack) draining a backlog already committed at the sites, and its ratio to raw
/// JetStream; client writes through the sites' 3-node Raft groups to the region's durable merge at the maximum and
/// at half of it (latencies of the half-load run); bytes on the wire per operation. Sites and region run in this
/// process (docs/BENCHMARKS.md). Exit 0 when every phase ran, 1 when one could not, 2 on bad input.
/// </summary>
internal static class BenchE2eCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var nats = new Option<string?>("--nats") { Description = "NATS server with JetStream (default: start nats-server on a free loopback port)" };
        var sites = new Option<int>("--sites") { Description = "Sites, each a 3-node Raft group", DefaultValueFactory = _ => 8 };
        Option<TimeSpan> duration = CliOptions.Duration("--duration", "Length of each measured phase", TimeSpan.FromSeconds(10));
        var json = CliOptions.Json();
        var command = new Command("e2e", "Benchmark the edge-to-region pipeline against raw JetStream, and client writes to region-merged")
        {
            nats, sites, duration, json,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            var options = new E2eBenchOptions
            {
                NatsUrl = parseResult.GetValue(nats),
                Sites = parseResult.GetValue(sites),
                Duration = parseResult.GetValue(duration),
            };
            IReadOnlyList<string> errors = options.Validate();
            foreach (string error in errors)
            {
                stderr.WriteLine("greyctl bench e2e: " + error);
            }

            if (errors.Count > 0)
            {
                return ExitCodes.BadInput;
            }

            bool asJson = parseResult.GetValue(json);
            TextWriter progress = asJson ? stderr : stdout;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench e2e: sites={options.Sites} nodes/site={E2eBenchOptions.NodesPerSite} clients/site={options.ClientsPerSite} value={E2eBenchOptions.ValueBytes} B duration={options.Duration.TotalSeconds:0.###}s nats={options.NatsUrl ?? "(started here)"}"));
            E2eBenchReport report;
            try
            {
                report = await new E2eBenchRunner(options, clock ?? TimeProvider.System, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (BenchFailedException e)
            {
                stderr.WriteLine("greyctl bench e2e: " + e.Message);
                return ExitCodes.CheckFailed;
            }

            foreach ((string key, double value, bool integer) in report.Fields())
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-26} {(integer ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("F3", CultureInfo.InvariantCulture))}"));
            }

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  client check: the same client loop reached {report.ClientCeilingOpsPerSecond:F0} writes/s against a writer that does nothing, {(report.E2eOpsPerSecond > 0 ? report.ClientCeilingOpsPerSecond / report.E2eOpsPerSecond : 0):F1}x the end-to-end maximum"));
            if (asJson)
            {
                stdout.WriteLine(ToJson(report));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The report as one JSON object: counts as integers, the rest rounded to 3 decimals (null when not finite).</summary>
    public static string ToJson(E2eBenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach ((string key, double value, bool integer) in report.Fields())
            {
                if (!double.IsFinite(value))
                {
                    w.WriteNull(key);
                }
                else if (integer)
                {
                    w.WriteNumber(key, (long)value);
                }
                else
                {
                    w.WriteNumber(key, Math.Round(value, 3));
                }
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

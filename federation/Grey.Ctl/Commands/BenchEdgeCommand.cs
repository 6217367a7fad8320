using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grey.Ctl.Cli;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl bench edge [--nodes 3] [--clients 64] [--value-size 256] [--duration 20s] [--vs-etcd] [--edge-bin PATH] [--json]</c>:
/// writes per second and latency percentiles through the HTTP API of a real grey-edge group, at the given
/// client count and with one sequential client; with <c>--vs-etcd</c> also a real etcd group through its
/// gRPC API, in the same run. The grey-edge clients share one HTTP/2 connection per node (as etcd's share one
/// gRPC channel per member); both grey-edge phases run again over HTTP/1.1 for comparison (<c>grey_http1.*</c>,
/// <c>single.grey_http1.*</c>). It first measures the client's own ceiling against a trivial HTTP endpoint
/// and reports the client's CPU time in every phase, to show the client was not the bottleneck.
/// Exit 0 when every phase ran, 1 when a group could not start or no write succeeded, 2 on bad input.
/// </summary>
internal static class BenchEdgeCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes (and etcd members) in the group", DefaultValueFactory = _ => 3 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients, each writing in a closed loop", DefaultValueFactory = _ => 64 };
        var valueSize = new Option<int>("--value-size") { Description = "Bytes per value", DefaultValueFactory = _ => 256 };
        Option<TimeSpan> duration = CliOptions.Duration("--duration", "Measured time of each phase", TimeSpan.FromSeconds(20));
        var vsEtcd = new Option<bool>("--vs-etcd") { Description = "Also run a real etcd group (installed with apt-get when missing) in the same run" };
        var edgeBin = new Option<string?>("--edge-bin") { Description = "Path of the grey-edge executable (default: next to greyctl)" };
        var json = CliOptions.Json();
        var command = new Command("edge", "Benchmark writes through a real grey-edge group's HTTP API (over HTTP/2, and HTTP/1.1 for comparison), optionally against etcd")
        {
            nodes, clients, valueSize, duration, vsEtcd, edgeBin, json,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            var options = new BenchOptions
            {
                Nodes = parseResult.GetValue(nodes),
                Clients = parseResult.GetValue(clients),
                ValueSize = parseResult.GetValue(valueSize),
                Duration = parseResult.GetValue(duration),
                VsEtcd = parseResult.GetValue(vsEtcd),
            };
            IReadOnlyList<string> errors = options.Validate();
            foreach (string error in errors)
            {
                stderr.WriteLine("greyctl bench edge: " + error);
            }

            if (errors.Count > 0)
            {
                return ExitCodes.BadInput;
            }

            if (!EdgeBinaryLocator.TryLocate(parseResult.GetValue(edgeBin), out EdgeCommandLine edge, out string locateError))
            {
                stderr.WriteLine("greyctl bench edge: " + locateError);
                return ExitCodes.BadInput;
            }

            bool asJson = parseResult.GetValue(json);
            TextWriter progress = asJson ? stderr : stdout;
            string? etcd = null;
            if (options.VsEtcd)
            {
                (etcd, string etcdError) = await EtcdLocator.FindOrInstallAsync(progress, cancellationToken).ConfigureAwait(false);
                if (etcd is null)
                {
                    stderr.WriteLine("greyctl bench edge: " + etcdError);
                    return ExitCodes.BadInput;
                }
            }

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench edge: nodes={options.Nodes} clients={options.Clients} value-size={options.ValueSize} duration={options.Duration.TotalSeconds:F0}s (+{options.WarmUp.TotalSeconds:F1}s warm-up) vs-etcd={options.VsEtcd}"));
            BenchReport report;
            try
            {
                report = await new BenchRunner(edge, etcd, options, clock ?? TimeProvider.System, progress).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (BenchFailedException e)
            {
                stderr.WriteLine("greyctl bench edge: " + e.Message);
                return ExitCodes.CheckFailed;
            }

            Summarize(progress, report);
            if (asJson)
            {
                WriteJson(stdout, report);
            }

            bool wrote = report.Grey.Completed > 0 && report.GreySingle.Completed > 0
                && (!options.VsEtcd || (report.Etcd!.Completed > 0 && report.EtcdSingle!.Completed > 0));
            if (!wrote)
            {
                stderr.WriteLine("greyctl bench edge: a phase completed no write");
                return ExitCodes.CheckFailed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Summarize(TextWriter progress, BenchReport report)
    {
        foreach ((string key, double? value) in report.JsonFields())
        {
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key,-25} {(value is double v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-")}"));
        }

        double headroom = report.Grey.WritesPerSecond > 0 ? report.Ceiling.WritesPerSecond / report.Grey.WritesPerSecond : double.PositiveInfinity;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  client check: the same HTTP client reached {report.Ceiling.WritesPerSecond:F0} writes/s against a trivial endpoint over HTTP/2, {headroom:F1}x the grey-edge rate; client CPU {report.Grey.ClientCores:F2} cores ({report.Grey.ClientCpuMicrosPerWrite:F0} us per write) during the grey-edge phase{(report.Etcd is null ? "" : $", {report.Etcd.ClientCores:F2} cores ({report.Etcd.ClientCpuMicrosPerWrite:F0} us per write) during the etcd phase")} (of {Environment.ProcessorCount} cores)"));
    }

    private static void WriteJson(TextWriter stdout, BenchReport report)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach ((string key, double? value) in report.JsonFields())
            {
                if (value is double v && double.IsFinite(v))
                {
                    w.WriteNumber(key, Math.Round(v, 3));
                }
                else
                {
                    w.WriteNull(key);
                }
            }

            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

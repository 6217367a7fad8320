using System.CommandLine;
using Grey.Ctl.Cli;
using Grey.Ctl.Dev;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl dev [--sites 3] [--nodes 3] [--duration D] [--nats URL] [--mqtt URL] [--data DIR]</c>: a whole
/// federation in one process (one region, the sites' Raft groups, the software TPM, the embedded MQTT broker unless
/// a URL is given), with demo traffic and a live summary. Stops on Ctrl-C or after --duration with a final summary.
/// Exit 0 when every site ended merged with lag 0; 1 when one did not or a part failed; 2 on bad arguments.
/// </summary>
internal static class DevCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var sites = new Option<int>("--sites") { Description = $"Edge sites (1 to {DevOptions.MaxSites})", DefaultValueFactory = _ => 3 };
        var nodes = new Option<int>("--nodes") { Description = $"Nodes per site (1 to {DevOptions.MaxNodes})", DefaultValueFactory = _ => 3 };
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "Stop by itself after this long (an integer with a unit: 500ms, 15s, 2m, 1h); default: run until Ctrl-C",
            CustomParser = r =>
            {
                string? token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;
                if (DurationParser.TryParse(token, out TimeSpan value, out string error))
                {
                    return value;
                }

                r.AddError(error);
                return null;
            },
        };
        var nats = new Option<string?>("--nats") { Description = "Use this NATS server (JetStream on) instead of the embedded MQTT broker" };
        var mqtt = new Option<string?>("--mqtt") { Description = "Use this MQTT broker instead of the embedded one" };
        var data = new Option<string?>("--data") { Description = "Keep the data here (default: a temporary directory removed at the end)" };
        var command = new Command("dev", "Run a whole federation in this process (one region, the sites' Raft groups, the software TPM, an embedded MQTT broker), with demo traffic and a live summary")
        {
            sites, nodes, duration, nats, mqtt, data,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            var options = new DevOptions
            {
                Sites = parseResult.GetValue(sites),
                Nodes = parseResult.GetValue(nodes),
                Duration = parseResult.GetValue(duration),
                NatsUrl = parseResult.GetValue(nats),
                MqttUrl = parseResult.GetValue(mqtt),
                DataDirectory = parseResult.GetValue(data),
            };
            IReadOnlyList<string> errors = options.Validate();
            if (errors.Count > 0)
            {
                foreach (string error in errors)
                {
                    stderr.WriteLine("greyctl dev: " + error);
                }

                return ExitCodes.BadInput;
            }

            return await new DevRunner(options, stdout, clock ?? TimeProvider.System).RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

using System.Runtime.InteropServices;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Grey.Federation.Chain;

namespace Grey.Edge.Daemon;

/// <summary>
/// <c>grey-edge</c>: one node of an edge site. Exit codes: 0 clean shutdown (SIGTERM or SIGINT), 1 the node
/// failed (a WAL failure, damaged storage, a port in use), 2 bad configuration (every error listed).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            await Console.Out.WriteLineAsync(OptionsParser.Usage).ConfigureAwait(false);
            return 0;
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && k.StartsWith("GREY_EDGE_", StringComparison.Ordinal) && e.Value is string v)
            {
                environment[k] = v;
            }
        }

        var options = OptionsParser.Parse(args, environment, File.ReadAllText, out var errors);
        if (options is null)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync("grey-edge: " + error).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(OptionsParser.Usage).ConfigureAwait(false);
            return 2;
        }

        // A one-node site's only cryptography is the chain hash: there the managed SHA-256 keeps OpenSSL, about 3.5 MB
        // resident, out of the process (docs/EDGE.md, "What keeps the NativeAOT node small"); elsewhere the faster system one.
        ChainHash.UseImplementation(ChainHashChoice.For(options));
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        EdgeHost host;
        try
        {
            host = await EdgeHost.StartAsync(options, TimeProvider.System, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"grey-edge: cannot start: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync($"grey-edge: node {options.NodeId} of site {options.Site} serving {host.ApiUrl}").ConfigureAwait(false);
        if (host.Devices is { } devices)
        {
            await Console.Out.WriteLineAsync($"grey-edge: devices publish grey/kv/<key> over MQTT on {devices.Endpoint}").ConfigureAwait(false);
        }
        // A process-wide concern, so here and not in EdgeHost (tests and greyctl dev run many hosts in one process).
        using var trimmer = IdleMemoryTrimmer.ForProcess(TimeProvider.System);
        var stopped = Task.Delay(Timeout.Infinite, stop.Token);
        var finished = await Task.WhenAny(stopped, host.Node.Completion).ConfigureAwait(false);
        var failure = host.Node.Failure;
        await host.DisposeAsync().ConfigureAwait(false);
        if (failure is not null)
        {
            await Console.Error.WriteLineAsync($"grey-edge: the node failed and stopped: {failure.Message}").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync("grey-edge: stopped cleanly").ConfigureAwait(false);
        return finished == stopped || stop.IsCancellationRequested ? 0 : 1;
    }
}

using System.Runtime.InteropServices;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;

namespace Grey.Region.Daemon;

/// <summary>
/// <c>grey-region</c>: one cloud region. Exit codes: 0 clean shutdown (SIGTERM or SIGINT), 1 the region failed
/// (the broker unreachable at start, a damaged store, a port in use), 2 bad configuration (every error listed).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            await Console.Out.WriteLineAsync(RegionOptionsParser.Usage).ConfigureAwait(false);
            return 0;
        }

        if (Sharding.ShardOfCommand.Matches(args))
        {
            return Sharding.ShardOfCommand.Run(args, Console.Out, Console.Error);
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && k.StartsWith(RegionOptionsParser.EnvironmentPrefix, StringComparison.Ordinal) && e.Value is string v)
            {
                environment[k] = v;
            }
        }

        RegionDaemonOptions? options = RegionOptionsParser.Parse(args, environment, File.ReadAllText, File.Exists, Directory.Exists, out List<string> errors);
        if (options is null)
        {
            foreach (string error in errors)
            {
                await Console.Error.WriteLineAsync("grey-region: " + error).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(RegionOptionsParser.Usage).ConfigureAwait(false);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        RegionDaemon daemon;
        try
        {
            using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            startTimeout.CancelAfter(TimeSpan.FromSeconds(30));
            daemon = await RegionDaemon.StartAsync(options, new RegionDaemonDependencies(), startTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
            or ArgumentException or System.Net.Sockets.SocketException or NATS.Client.Core.NatsException or OperationCanceledException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"grey-region: cannot start: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync($"grey-region: region {options.Region} serving {daemon.ApiUrl} ({options})").ConfigureAwait(false);
        Task stopped = Task.Delay(Timeout.Infinite, stop.Token);
        Task finished = await Task.WhenAny(stopped, daemon.Completion).ConfigureAwait(false);
        Exception? failure = daemon.Completion.IsFaulted ? daemon.Completion.Exception?.GetBaseException() : null;
        await daemon.DisposeAsync().ConfigureAwait(false);
        if (failure is not null)
        {
            await Console.Error.WriteLineAsync($"grey-region: the region failed and stopped: {failure.Message}").ConfigureAwait(false);
            return 1;
        }

        await Console.Out.WriteLineAsync("grey-region: stopped cleanly").ConfigureAwait(false);
        return finished == stopped || stop.IsCancellationRequested ? 0 : 1;
    }
}

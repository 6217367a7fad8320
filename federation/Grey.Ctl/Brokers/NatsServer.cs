using System.Globalization;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Brokers;

/// <summary>
/// A real <c>nats-server -js</c> that greyctl (and the integration tests) start on a free loopback port with its
/// JetStream store in a folder of their own, and can stop and start again on the same port and store, as a
/// broker restart does in production.
/// </summary>
internal sealed class NatsServer : IAsyncDisposable
{
    /// <summary>How long a start may take before it is reported as failed.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly ManagedProcess _process;

    private NatsServer(ManagedProcess process, int port, string storeDirectory)
    {
        _process = process;
        Port = port;
        StoreDirectory = storeDirectory;
    }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The client URL.</summary>
    public string Url => "nats://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The JetStream store folder.</summary>
    public string StoreDirectory { get; }

    /// <summary>The server's log file.</summary>
    public string LogPath => _process.LogPath;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process.IsRunning;

    /// <summary>
    /// Starts a server in <paramref name="workDirectory"/> (store in <c>jetstream/</c>, log in <c>nats.log</c>),
    /// with an optional configuration file (users and permissions, as in deploy/nats). Returns an error instead
    /// of throwing when the binary is missing or the server does not come up.
    /// </summary>
    public static async Task<(NatsServer? Server, string Error)> StartAsync(string workDirectory, string? configFile = null, int? port = null, CancellationToken cancellationToken = default)
    {
        string? binary = ServerBinary.Find("nats-server");
        if (binary is null)
        {
            return (null, "nats-server is not installed (Debian: apt-get install -y nats-server)");
        }

        Directory.CreateDirectory(workDirectory);
        string store = Path.Combine(workDirectory, "jetstream");
        int chosen = port ?? LoopbackPorts.Free();
        var arguments = new List<string> { "-js", "-a", "127.0.0.1", "-p", chosen.ToString(CultureInfo.InvariantCulture), "-sd", store };
        if (configFile is not null)
        {
            arguments.InsertRange(0, ["-c", configFile]);
        }

        var process = new ManagedProcess("nats-server", binary, arguments, Path.Combine(workDirectory, "nats.log"));
        var server = new NatsServer(process, chosen, store);
        string? error = await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            return (null, error);
        }

        return (server, string.Empty);
    }

    /// <summary>Stops the server abruptly (SIGKILL), as a crash or a lost machine would.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _process.KillAsync(cancellationToken);

    /// <summary>Starts the stopped server again on the same port and store. Throws when it does not come up.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _process.KillAsync(cancellationToken).ConfigureAwait(false);
        string? error = await StartProcessAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private Task<string?> StartProcessAsync(CancellationToken cancellationToken) =>
        ServerStart.StartAndWaitAsync(_process, Port, StartTimeout, cancellationToken);
}

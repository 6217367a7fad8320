using System.Globalization;
using System.Text;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Brokers;

/// <summary>
/// A real mosquitto broker that greyctl (and the integration tests) start on a free loopback port with
/// persistence in a folder of their own, and can stop and start again on the same port and store.
/// </summary>
/// <remarks>
/// The generated configuration sets <c>set_tcp_nodelay true</c> (without it mosquitto is 7-9x slower for
/// request/acknowledge traffic) and <c>user root</c> when run as root: mosquitto otherwise drops to user
/// <c>mosquitto</c>, which cannot write a persistence folder created by root.
/// </remarks>
internal sealed class MosquittoServer : IAsyncDisposable
{
    /// <summary>How long a start may take before it is reported as failed.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly ManagedProcess _process;

    private MosquittoServer(ManagedProcess process, int port, string configFile)
    {
        _process = process;
        Port = port;
        ConfigFile = configFile;
    }

    /// <summary>The listener port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The client URL.</summary>
    public string Url => "mqtt://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The configuration file greyctl wrote.</summary>
    public string ConfigFile { get; }

    /// <summary>The broker's log file.</summary>
    public string LogPath => _process.LogPath;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => _process.IsRunning;

    /// <summary>
    /// Writes a configuration into <paramref name="workDirectory"/> (persistence under <c>data/</c>) and starts
    /// mosquitto. <paramref name="extraConfiguration"/> is appended verbatim (password file, ACL file; deploy/mqtt
    /// shows them); without it anonymous clients are allowed. Returns an error instead of throwing when the binary
    /// is missing or the broker does not come up.
    /// </summary>
    public static async Task<(MosquittoServer? Server, string Error)> StartAsync(string workDirectory, string? extraConfiguration = null, int? port = null, CancellationToken cancellationToken = default)
    {
        string? binary = ServerBinary.Find("mosquitto");
        if (binary is null)
        {
            return (null, "mosquitto is not installed (Debian: apt-get install -y mosquitto)");
        }

        Directory.CreateDirectory(workDirectory);
        string data = Path.Combine(workDirectory, "data");
        Directory.CreateDirectory(data);
        int chosen = port ?? LoopbackPorts.Free();
        string config = Path.Combine(workDirectory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, Configuration(chosen, data, extraConfiguration), cancellationToken).ConfigureAwait(false);
        var process = new ManagedProcess("mosquitto", binary, ["-c", config], Path.Combine(workDirectory, "mosquitto.log"));
        var server = new MosquittoServer(process, chosen, config);
        string? error = await server.StartProcessAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            return (null, error);
        }

        return (server, string.Empty);
    }

    /// <summary>The configuration text for a broker on <paramref name="port"/> persisting into <paramref name="dataDirectory"/>.</summary>
    public static string Configuration(int port, string dataDirectory, string? extraConfiguration)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by greyctl; see deploy/mqtt for the production form.");
        text.AppendLine(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1");
        text.AppendLine("set_tcp_nodelay true");
        text.AppendLine("persistence true");
        text.AppendLine(CultureInfo.InvariantCulture, $"persistence_location {dataDirectory.TrimEnd('/')}/");
        text.AppendLine("autosave_interval 1");
        text.AppendLine("max_queued_messages 100000");
        text.AppendLine("log_dest stdout");
        if (Environment.UserName == "root")
        {
            text.AppendLine("user root");
        }

        if (extraConfiguration is null)
        {
            text.AppendLine("allow_anonymous true");
        }
        else
        {
            text.AppendLine(extraConfiguration);
        }

        return text.ToString();
    }

    /// <summary>Stops the broker abruptly (SIGKILL).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _process.KillAsync(cancellationToken);

    /// <summary>Starts the stopped broker again on the same port and persistence. Throws when it does not come up.</summary>
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

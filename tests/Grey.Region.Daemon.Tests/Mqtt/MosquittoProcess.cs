using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>
/// A real mosquitto on a free loopback port with persistence in a temp folder (<c>set_tcp_nodelay true</c>,
/// <c>user root</c> when run as root, as federation/Grey.Ctl/Brokers/MosquittoServer.cs writes it), which can be
/// stopped (SIGTERM: it saves its store) and started again on the same port and store.
/// </summary>
internal sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string _config;
    private Process? _process;

    private MosquittoProcess(string folder, int port)
    {
        _folder = folder;
        Port = port;
        _config = Path.Combine(folder, "mosquitto.conf");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1");
        text.AppendLine("set_tcp_nodelay true");
        text.AppendLine("persistence true");
        text.AppendLine(CultureInfo.InvariantCulture, $"persistence_location {folder}/");
        text.AppendLine("autosave_interval 1");
        text.AppendLine("max_queued_messages 100000");
        text.AppendLine("allow_anonymous true");
        text.AppendLine(CultureInfo.InvariantCulture, $"log_dest file {folder}/mosquitto.log");
        if (Environment.UserName == "root")
        {
            text.AppendLine("user root");
        }

        File.WriteAllText(_config, text.ToString());
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    public static async Task<MosquittoProcess> StartAsync()
    {
        string folder = Path.Combine(Path.GetTempPath(), "grey-regiond-mqtt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var broker = new MosquittoProcess(folder, port);
        await broker.StartProcessAsync();
        return broker;
    }

    /// <summary>Stops the broker with SIGTERM (it writes its store) and starts it again on the same port and store.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task StartProcessAsync()
    {
        _process = Process.Start(new ProcessStartInfo("mosquitto", ["-c", _config]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("mosquitto did not start");
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited at start ({_process.ExitCode}): {await _process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("mosquitto did not listen within 20 s");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

/// <summary>
/// A real mosquitto on a free loopback port with its own persistence folder, for one fixture. Stopped gracefully
/// (SIGTERM, so the persistence file is written) or killed, and started again on the same port and store.
/// </summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    private readonly string configFile;
    private readonly string logFile;
    private Process? process;

    private Mosquitto(string directory, int port, string configFile)
    {
        Directory = directory;
        Port = port;
        this.configFile = configFile;
        logFile = Path.Combine(directory, "mosquitto.log");
    }

    public string Directory { get; }

    public int Port { get; }

    public string Url => "mqtt://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static string Binary => File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

    /// <summary>Starts mosquitto with a configuration made from (port, data folder, work folder).</summary>
    public static async Task<Mosquitto> StartWithConfigAsync(Func<int, string, string, string> configuration)
    {
        var directory = Path.Combine(Path.GetTempPath(), "grey-mqtt-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "data"));
        var port = FreePort();
        var configFile = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configFile, configuration(port, Path.Combine(directory, "data"), directory));
        var broker = new Mosquitto(directory, port, configFile);
        await broker.StartProcessAsync();
        return broker;
    }

    /// <summary>Starts mosquitto with the test essentials plus <paramref name="extra"/> (anonymous when null).</summary>
    public static Task<Mosquitto> StartAsync(string? extra = null) => StartWithConfigAsync((port, data, _) =>
    {
        var config = new StringBuilder();
        config.AppendLine(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1");
        config.AppendLine("set_tcp_nodelay true");
        config.AppendLine("persistence true");
        config.AppendLine(CultureInfo.InvariantCulture, $"persistence_location {data}/");
        config.AppendLine("autosave_interval 1");
        config.AppendLine("log_dest stdout");
        config.AppendLine("log_type all");
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root");
        }

        config.AppendLine(extra ?? "allow_anonymous true");
        return config.ToString();
    });

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public string Log() => File.Exists(logFile) ? File.ReadAllText(logFile) : string.Empty;

    /// <summary>SIGTERM: mosquitto writes its persistence file and exits.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false } p)
        {
            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>SIGKILL: what was not saved yet is lost.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
        }
    }

    public Task StartAgainAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        await Task.Yield();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held: the temp folder is cleaned by the system later.
        }
    }

    private async Task StartProcessAsync()
    {
        process?.Dispose();
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(configFile);
        var started = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
        process = started;
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        started.OutputDataReceived += (_, e) => Write(log, e.Data);
        started.ErrorDataReceived += (_, e) => Write(log, e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited at start ({started.ExitCode}):\n{Log()}");
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

        throw new InvalidOperationException($"mosquitto did not listen on {Port}:\n{Log()}");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }
}

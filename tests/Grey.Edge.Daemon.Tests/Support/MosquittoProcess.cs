using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Grey.Edge.Daemon.Tests.Support;

/// <summary>
/// A real mosquitto on a free loopback port (anonymous, <c>set_tcp_nodelay true</c>, persistence in its own temp
/// folder, <c>user root</c> when run as root), the approach of tests/Grey.Edge.Uplink.Mqtt.Tests. Killed on dispose.
/// </summary>
internal sealed class MosquittoProcess : IDisposable
{
    private readonly Process process;

    private MosquittoProcess(Process process, string directory, int port)
    {
        this.process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Url => "mqtt://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<MosquittoProcess> StartAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("grey-edge-mosq-").FullName;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Path.Combine(directory, "mosquitto.conf");
        var lines = new List<string>
        {
            $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            "set_tcp_nodelay true",
            "persistence true",
            $"persistence_location {directory}/",
            "allow_anonymous true",
        };
        if (Environment.UserName == "root")
        {
            lines.Add("user root");
        }

        await File.WriteAllLinesAsync(config, lines);
        var binary = File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
        var process = Process.Start(new ProcessStartInfo(binary, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("mosquitto did not start");
        var broker = new MosquittoProcess(process, directory, port);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited at start: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return broker;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        broker.Dispose();
        throw new InvalidOperationException($"mosquitto did not listen on {port}");
    }

    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held: the temp folder is cleaned by the system later.
        }
    }
}

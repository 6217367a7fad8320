using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>A real <c>nats-server -js</c> on a free loopback port with its store in a temp folder; killable and restartable on the same port and store.</summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly string _binary;
    private Process? _process;

    private NatsServerProcess(string binary, string directory, int port)
    {
        _binary = binary;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Url => "nats://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<NatsServerProcess> StartAsync()
    {
        string binary = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed (apt-get install -y nats-server)");
        string dir = Path.Combine(Path.GetTempPath(), "grey-regiond-nats-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var server = new NatsServerProcess(binary, dir, FreePort());
        await server.StartProcessAsync();
        return server;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Kills the server (SIGKILL, as a crash) and starts it again on the same port and store.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        Kill();
        await Task.Delay(down);
        await StartProcessAsync();
    }

    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temp folder is left behind.
        }

        return ValueTask.CompletedTask;
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(_binary) { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
        foreach (string a in new[] { "-js", "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-sd", Path.Combine(Directory, "js"), "-l", Path.Combine(Directory, "nats.log") })
        {
            info.ArgumentList.Add(a);
        }

        _process = Process.Start(info)!;
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}: {File.ReadAllText(Path.Combine(Directory, "nats.log"))}");
            }

            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"nats-server did not listen on {Port} within 20 s");
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Grey.Edge.Uplink.Nats.Tests.Support;

/// <summary>
/// A real <c>nats-server -js</c> on a free loopback port with its store in a temp folder, for one fixture.
/// It can be stopped and started again on the same port and store (the broker-outage tests).
/// </summary>
public sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly string? configFile;
    private readonly StringBuilder output = new();
    private Process? process;

    private NatsServerProcess(string directory, int port, string? configFile)
    {
        Directory = directory;
        Port = port;
        this.configFile = configFile;
    }

    /// <summary>The temp folder (store and config).</summary>
    public string Directory { get; }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>nats://127.0.0.1:port.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>What the server printed so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The nats-server binary.</summary>
    public static string Binary =>
        new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("nats-server is not installed (apt-get install nats-server)");

    /// <summary>Starts a server; <paramref name="config"/> is extra nats-server configuration text (users, limits).</summary>
    public static async Task<NatsServerProcess> StartAsync(string? config = null, string? directory = null, int? port = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("grey-nats-").FullName;
        string? configFile = null;
        if (config is not null)
        {
            configFile = Path.Combine(directory, "nats-server.conf");
            await File.WriteAllTextAsync(configFile, config);
        }

        var server = new NatsServerProcess(directory, port ?? FreePort(), configFile);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a server on a given port.</summary>
    public static Task<NatsServerProcess> StartOnPortAsync(int port) => StartAsync(port: port);

    /// <summary>A free TCP port on loopback (bound, read, released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts the server process (again) on the same port and store, and waits until it accepts clients.</summary>
    public async Task StartAgainAsync()
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException("already running");
        }

        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (configFile is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(configFile);
        }

        foreach (var a in new[] { "-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", Path.Combine(Directory, "store") })
        {
            info.ArgumentList.Add(a);
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Server is ready", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        p.OutputDataReceived += onLine;
        p.ErrorDataReceived += onLine;
        p.Exited += (_, _) => started.TrySetException(new InvalidOperationException("nats-server exited: " + Output));
        p.Start();
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        process = p;
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Kills the server (SIGKILL: an outage, not a clean shutdown).</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A store file still held open: the temp folder is cleaned by the system later.
        }
    }
}

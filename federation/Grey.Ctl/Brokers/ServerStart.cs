using System.Net.Sockets;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Brokers;

/// <summary>
/// Starts a broker process and waits until it accepts TCP connections on its loopback port: the one readiness
/// signal nats-server (whose client port opens only once JetStream is ready) and mosquitto share.
/// </summary>
internal static class ServerStart
{
    /// <summary>Starts <paramref name="process"/>; returns null once <paramref name="port"/> accepts, else an error naming the server and its log tail.</summary>
    public static async Task<string?> StartAndWaitAsync(ManagedProcess process, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        process.Start();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (!deadline.IsCancellationRequested)
        {
            if (!process.IsRunning)
            {
                return $"{process.Name} exited at start (code {process.ExitCode}):\n{process.Tail()}";
            }

            if (await AcceptsAsync(port, deadline.Token).ConfigureAwait(false))
            {
                return null;
            }

            try
            {
                await Task.Delay(50, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return $"{process.Name} did not accept connections on port {port} within {timeout.TotalSeconds:0} s:\n{process.Tail()}";
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// The smallest HTTP/1.1 server that answers every request with an empty 200, on loopback. The benchmark
/// runs its HTTP load against it to measure the client's own ceiling: if the client reaches many times the
/// rate it measured against grey-edge, the client was not what limited that rate.
/// </summary>
internal sealed class TrivialHttpServer : IAsyncDisposable
{
    /// <summary>The largest request head accepted; a larger one closes the connection.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nETag: \"1\"\r\n\r\n");
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private long _requests;

    private TrivialHttpServer(TcpListener listener)
    {
        _listener = listener;
        _accept = Task.Run(AcceptAsync);
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public long Requests => Interlocked.Read(ref _requests);

    public static TrivialHttpServer Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(512);
        return new TrivialHttpServer(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accept.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Socket socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                _ = Task.Run(() => ServeAsync(socket));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            socket.NoDelay = true;
            byte[] buffer = new byte[MaxHeadBytes * 2];
            int filled = 0;
            long bodyToSkip = 0;
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    filled += n;
                    int consumed = 0;
                    while (true)
                    {
                        if (bodyToSkip > 0)
                        {
                            int skip = (int)Math.Min(bodyToSkip, filled - consumed);
                            bodyToSkip -= skip;
                            consumed += skip;
                            if (bodyToSkip > 0)
                            {
                                break;
                            }

                            await socket.SendAsync(Response, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                            Interlocked.Increment(ref _requests);
                            continue;
                        }

                        int end = buffer.AsSpan(consumed, filled - consumed).IndexOf("\r\n\r\n"u8);
                        if (end < 0)
                        {
                            break;
                        }

                        string head = Encoding.ASCII.GetString(buffer, consumed, end);
                        consumed += end + 4;
                        bodyToSkip = ContentLength(head);
                        if (bodyToSkip == 0)
                        {
                            await socket.SendAsync(Response, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                            Interlocked.Increment(ref _requests);
                        }
                    }

                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                    if (filled >= MaxHeadBytes)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client or the server closed the connection.
            }
        }
    }

    private static long ContentLength(string head)
    {
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(line.AsSpan(15).Trim(), out long length) && length >= 0)
            {
                return length;
            }
        }

        return 0;
    }
}

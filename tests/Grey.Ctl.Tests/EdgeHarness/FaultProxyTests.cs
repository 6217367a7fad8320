using System.Net;
using System.Net.Sockets;
using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>The fault-injecting proxy over real TCP on loopback: a target that greets, and echoes what it receives.</summary>
public sealed class FaultProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly TcpListener _target = new(IPAddress.Loopback, 0);
    private readonly List<byte> _received = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _serve = Task.CompletedTask;

    private IPEndPoint Target => (IPEndPoint)_target.LocalEndpoint;

    public Task InitializeAsync()
    {
        _target.Start();
        _serve = Task.Run(ServeAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _target.Stop();
        await _serve;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _target.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (s)
                {
                    try
                    {
                        await s.SendAsync("G"u8.ToArray(), SocketFlags.None);
                        byte[] buffer = new byte[1024];
                        while (true)
                        {
                            int n = await s.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                            if (n == 0)
                            {
                                return;
                            }

                            lock (_received)
                            {
                                _received.AddRange(buffer.AsSpan(0, n).ToArray());
                            }

                            await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                    }
                }
            });
        }
    }

    private static async Task<Socket> DialAsync(FaultProxy proxy)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(proxy.LocalEndPoint);
        return s;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, or returns what came before <paramref name="wait"/> passed or the peer closed.</summary>
    private static async Task<byte[]> ReadAsync(Socket s, int count, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        var got = new List<byte>();
        byte[] buffer = new byte[1024];
        try
        {
            while (got.Count < count)
            {
                int n = await s.ReceiveAsync(buffer.AsMemory(0, count - got.Count), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    break;
                }

                got.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        return [.. got];
    }

    private int ReceivedCount()
    {
        lock (_received)
        {
            return _received.Count;
        }
    }

    [Fact]
    public async Task Proxy_NoFault_ForwardsBothWays()
    {
        await using var proxy = FaultProxy.Start(Target);
        using Socket s = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(s, 1, Patience));
        await s.SendAsync("hello"u8.ToArray(), SocketFlags.None);
        Assert.Equal("hello"u8.ToArray(), await ReadAsync(s, 5, Patience));
        Assert.Equal(1 + 5 + 5, proxy.BytesForwarded); // greeting, request, echo
        Assert.Equal(0, proxy.BytesDropped);
    }

    [Fact]
    public async Task Block_Forward_TargetHearsNothingButDialerStillHearsTarget()
    {
        await using var proxy = FaultProxy.Start(Target);
        proxy.Block(LinkDirection.Forward);
        using Socket s = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(s, 1, Patience));
        await s.SendAsync("lost"u8.ToArray(), SocketFlags.None);
        Assert.Empty(await ReadAsync(s, 4, Quiet));
        Assert.Equal(0, ReceivedCount());
        Assert.Equal(4, proxy.BytesDropped);
    }

    [Fact]
    public async Task Block_Backward_TargetHearsDialerButDialerHearsNothing()
    {
        await using var proxy = FaultProxy.Start(Target);
        proxy.Block(LinkDirection.Backward);
        using Socket s = await DialAsync(proxy);
        await s.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        Assert.Empty(await ReadAsync(s, 1, Quiet));
        for (int i = 0; i < 50 && ReceivedCount() < 4; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(4, ReceivedCount());
    }

    [Fact]
    public async Task Heal_AfterDroppedBytes_ClosesBrokenConnectionAndNewOnesWork()
    {
        await using var proxy = FaultProxy.Start(Target);
        using Socket s = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(s, 1, Patience));
        proxy.Block(LinkDirection.Both);
        await s.SendAsync("x"u8.ToArray(), SocketFlags.None);
        Assert.Empty(await ReadAsync(s, 1, Quiet));
        proxy.Heal();
        Assert.Equal(LinkDirection.None, proxy.Blocked);
        Assert.Empty(await ReadAsync(s, 1, Patience)); // closed: the read ends with nothing
        using Socket fresh = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(fresh, 1, Patience));
        await fresh.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        Assert.Equal("ok"u8.ToArray(), await ReadAsync(fresh, 2, Patience));
    }

    [Fact]
    public async Task Heal_ConnectionThatDroppedNothing_StaysOpen()
    {
        await using var proxy = FaultProxy.Start(Target);
        using Socket s = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(s, 1, Patience));
        proxy.Block(LinkDirection.Forward);
        proxy.Heal();
        await s.SendAsync("still"u8.ToArray(), SocketFlags.None);
        Assert.Equal("still"u8.ToArray(), await ReadAsync(s, 5, Patience));
    }

    [Fact]
    public async Task Dial_TargetDown_ConnectionIsClosed()
    {
        int deadPort = LoopbackPorts.Free();
        await using var proxy = FaultProxy.Start(new IPEndPoint(IPAddress.Loopback, deadPort));
        using Socket s = await DialAsync(proxy);
        Assert.Empty(await ReadAsync(s, 1, Patience));
        Assert.Equal(0, proxy.OpenConnections);
    }

    [Fact]
    public async Task ResetConnections_ClosesOpenConnections()
    {
        await using var proxy = FaultProxy.Start(Target);
        using Socket s = await DialAsync(proxy);
        Assert.Equal("G"u8.ToArray(), await ReadAsync(s, 1, Patience));
        proxy.ResetConnections();
        Assert.Empty(await ReadAsync(s, 1, Patience));
    }
}

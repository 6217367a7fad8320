using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Protocol;

namespace Grey.Edge.Tests.Transport;

/// <summary>A hand-driven plaintext peer that writes arbitrary bytes, for the protocol-violation tests.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient client = new() { NoDelay = true };
    private FrameReader? reader;

    public NetworkStream Stream => client.GetStream();

    public static async Task<RawPeer> ConnectAsync(IPEndPoint endpoint)
    {
        var peer = new RawPeer();
        await peer.client.ConnectAsync(endpoint);
        peer.reader = new FrameReader(peer.Stream);
        return peer;
    }

    public async Task SendHandshakeAsync(byte version, string site, ulong sender, ulong receiver)
    {
        var output = new ArrayBufferWriter<byte>();
        HandshakeCodec.WriteHandshake(output, new Handshake(version, site, sender, receiver));
        await SendAsync(output.WrittenMemory);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    public async Task<Frame> ReadFrameAsync(int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var (frame, error, end) = await reader!.ReadAsync(cts.Token);
        Assert.Null(error);
        Assert.False(end, "the connection closed instead of answering");
        return frame;
    }

    /// <summary>True once the other side closed the connection (reads end or fail) within the timeout.</summary>
    public async Task<bool> IsClosedByPeerAsync(int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (await Stream.ReadAsync(buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Transport.Protocol;

namespace Grey.Edge.Transport;

/// <summary>The accepting side: connections from peers with lower ids.</summary>
internal sealed partial class TcpPeerTransport
{
    private async Task AcceptLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                Report($"accept failed: {e.SocketErrorCode}");
                continue;
            }

            // Bounded: a flood of connections that never finish their handshake cannot hold more than this.
            if (!await pendingHandshakes.WaitAsync(0, CancellationToken.None).ConfigureAwait(false))
            {
                Report($"closed a connection from {accepted.RemoteEndPoint}: {options.MaxPendingHandshakes} handshakes already pending");
                accepted.Dispose();
                continue;
            }

            Track(Task.Run(
                async () =>
                {
                    try
                    {
                        await AcceptOneAsync(accepted, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        pendingHandshakes.Release();
                    }
                },
                CancellationToken.None));
        }
    }

    private async Task AcceptOneAsync(Socket socket, CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var established = false;
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout, options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            X509Certificate? peerCertificate = null;
            if (options.Security is { } security)
            {
                string? tlsError = null;
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    await ssl.AuthenticateAsServerAsync(ServerTlsOptions(security, e => tlsError = e), linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Metrics.TlsFailed();
                    Report($"inbound TLS handshake from {remote} failed: {tlsError ?? e.Message}");
                    return;
                }

                peerCertificate = ssl.RemoteCertificate;
            }

            var reader = new FrameReader(stream);
            var (frame, error, endOfStream) = await reader.ReadAsync(linked.Token, handshakeOnly: true).ConfigureAwait(false);
            if (endOfStream)
            {
                Report($"connection from {remote} closed before its handshake");
                return;
            }

            if (error is not null)
            {
                Metrics.DecodeFailed();
                var reason = error.Code == DecodeErrorCode.UnsupportedVersion ? RefusalReason.UnsupportedVersion : RefusalReason.MalformedHandshake;
                await RefuseAsync(stream, ProtocolVersion.Current, reason, $"{error}", linked.Token).ConfigureAwait(false);
                return;
            }

            Handshake? handshake = null;
            error = frame.Header.Type == FrameType.Handshake
                ? HandshakeCodec.TryDecodeHandshake(frame.Payload, frame.Header.Version, out handshake)
                : new DecodeError(DecodeErrorCode.ProtocolViolation, $"expected a Handshake frame first, got {frame.Header.Type}");
            if (error is not null)
            {
                Metrics.DecodeFailed();
                await RefuseAsync(stream, frame.Header.Version, RefusalReason.MalformedHandshake, $"{error}", linked.Token).ConfigureAwait(false);
                return;
            }

            var refusal = CheckPeerHandshake(handshake!, expectedPeer: null, peerDialed: true, peerCertificate);
            if (refusal is { } r)
            {
                await RefuseAsync(stream, frame.Header.Version, r.Reason, r.Text, linked.Token).ConfigureAwait(false);
                return;
            }

            var version = Math.Min(options.ProtocolVersion, handshake!.Version);
            await WriteHandshakeAsync(stream, new Handshake(version, options.SiteId, options.NodeId, handshake.SenderId), linked.Token).ConfigureAwait(false);
            Metrics.FrameReceived(FrameCodec.FrameSize(frame.Payload.Length));
            if (!links.TryGetValue(handshake.SenderId, out var link))
            {
                Report($"node {handshake.SenderId} was removed during its handshake");
                return;
            }

            var connection = new PeerConnection(options.NodeId, handshake.SenderId, version, socket, stream, reader, options.Time);
            Establish(link, connection);
            established = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Report($"inbound connection from {remote} failed during its handshake: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (!established)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Grey.Edge.Transport.Protocol;

namespace Grey.Edge.Transport;

/// <summary>The dialing side: connections to peers with higher ids, redialed with back-off.</summary>
internal sealed partial class TcpPeerTransport
{
    private async Task DialLoopAsync(PeerLink link, EndPoint endpoint, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var connection = await TryDialAsync(link, endpoint, cancellationToken).ConfigureAwait(false);
            try
            {
                if (connection is not null)
                {
                    failures = 0;
                    await connection.Closed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                failures++;
                await Task.Delay(backoff.Delay(failures), options.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<PeerConnection?> TryDialAsync(PeerLink link, EndPoint endpoint, CancellationToken cancellationToken)
    {
        Metrics.DialAttempted();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        PeerConnection? connection = null;
        try
        {
            using (var connectTimeout = new CancellationTokenSource(options.ConnectTimeout, options.Time))
            using (var connectLinked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token))
            {
                await socket.ConnectAsync(endpoint, connectLinked.Token).ConfigureAwait(false);
            }

            stream = new NetworkStream(socket, ownsSocket: true);
            using var timeout = new CancellationTokenSource(options.HandshakeTimeout, options.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            if (options.Security is { } security)
            {
                string? tlsError = null;
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                try
                {
                    await ssl.AuthenticateAsClientAsync(ClientTlsOptions(security, link.PeerId, e => tlsError = e), linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Metrics.TlsFailed();
                    Report($"peer {link.PeerId}: TLS handshake with {endpoint} failed: {tlsError ?? e.Message}");
                    return null;
                }
            }

            await WriteHandshakeAsync(stream, new Handshake(options.ProtocolVersion, options.SiteId, options.NodeId, link.PeerId), linked.Token).ConfigureAwait(false);
            var reader = new FrameReader(stream);
            var (frame, error, endOfStream) = await reader.ReadAsync(linked.Token, handshakeOnly: true).ConfigureAwait(false);
            if (endOfStream)
            {
                Report($"peer {link.PeerId}: {endpoint} closed the connection during the handshake");
                return null;
            }

            if (error is null && frame.Header.Type == FrameType.Refusal)
            {
                error = HandshakeCodec.TryDecodeRefusal(frame.Payload, out var reason, out var text);
                if (error is null)
                {
                    Metrics.HandshakeRefused();
                    Report($"peer {link.PeerId}: refused our handshake: {reason}: {text}");
                    return null;
                }
            }

            Handshake? handshake = null;
            if (error is null)
            {
                error = frame.Header.Type == FrameType.Handshake
                    ? HandshakeCodec.TryDecodeHandshake(frame.Payload, frame.Header.Version, out handshake)
                    : new DecodeError(DecodeErrorCode.ProtocolViolation, $"expected a Handshake frame in answer, got {frame.Header.Type}");
            }

            if (error is not null)
            {
                Metrics.DecodeFailed();
                Report($"peer {link.PeerId}: bad handshake answer: {error}");
                return null;
            }

            var refusal = CheckPeerHandshake(handshake!, expectedPeer: link.PeerId, peerDialed: false, peerCertificate: (stream as SslStream)?.RemoteCertificate);
            if (refusal is null && handshake!.Version > options.ProtocolVersion)
            {
                refusal = (RefusalReason.UnsupportedVersion, $"the peer answered with version {handshake.Version}, above the offered {options.ProtocolVersion}");
            }

            if (refusal is { } r)
            {
                await RefuseAsync(stream, handshake!.Version, r.Reason, r.Text, linked.Token).ConfigureAwait(false);
                return null;
            }

            Metrics.FrameReceived(FrameCodec.FrameSize(frame.Payload.Length));
            connection = new PeerConnection(options.NodeId, link.PeerId, handshake!.Version, socket, stream, reader, options.Time);
            Establish(link, connection);
            return connection;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                Report($"peer {link.PeerId}: dial {endpoint} failed: {e.GetType().Name}: {e.Message}");
            }

            return null;
        }
        finally
        {
            if (connection is null)
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                socket.Dispose();
            }
        }
    }
}

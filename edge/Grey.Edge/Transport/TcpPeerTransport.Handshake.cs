using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grey.Edge.Transport.Protocol;
using Grey.Edge.Transport.Security;

namespace Grey.Edge.Transport;

/// <summary>The handshake rules shared by both directions, and the TLS settings.</summary>
internal sealed partial class TcpPeerTransport
{
    /// <summary>The TLS versions between nodes.</summary>
    private const SslProtocols TlsProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>
    /// Checks a peer's handshake: the site, the peer's id (a known member), that it meant to reach this node,
    /// that the lower id dialed, and (with TLS) that its certificate names it. Null when it passes.
    /// </summary>
    private (RefusalReason Reason, string Text)? CheckPeerHandshake(Handshake h, ulong? expectedPeer, bool peerDialed, X509Certificate? peerCertificate)
    {
        if (h.SiteId != options.SiteId)
        {
            return (RefusalReason.WrongSite, $"node {h.SenderId} belongs to site '{h.SiteId}', this is site '{options.SiteId}'");
        }

        if (expectedPeer is { } expected ? h.SenderId != expected : (!links.ContainsKey(h.SenderId)))
        {
            return (RefusalReason.UnknownNode, expectedPeer is { } e
                ? $"expected node {e}, the peer says it is node {h.SenderId}"
                : $"node {h.SenderId} is not a member of site '{options.SiteId}' known to node {options.NodeId}");
        }

        if (h.ReceiverId != options.NodeId)
        {
            return (RefusalReason.WrongReceiver, $"the peer wants node {h.ReceiverId}, this is node {options.NodeId}");
        }

        if (peerDialed && h.SenderId > options.NodeId)
        {
            return (RefusalReason.WrongDialer, $"node {h.SenderId} dialed node {options.NodeId}: the lower id dials");
        }

        if (options.Security is not null)
        {
            var error = PeerCertificateValidator.CheckName(peerCertificate, NodeCertificateNames.DnsName(options.SiteId, h.SenderId));
            if (error is not null)
            {
                return (RefusalReason.CertificateMismatch, error);
            }
        }

        return null;
    }

    private async Task WriteHandshakeAsync(Stream stream, Handshake h, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(128);
        HandshakeCodec.WriteHandshake(output, h);
        await stream.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        Metrics.FrameSent(output.WrittenCount);
    }

    private async Task RefuseAsync(Stream stream, byte version, RefusalReason reason, string text, CancellationToken cancellationToken)
    {
        Metrics.HandshakeRefused();
        Report($"refused a peer: {reason}: {text}");
        try
        {
            var output = new ArrayBufferWriter<byte>(64 + ProtocolLimits.MaxRefusalTextBytes);
            HandshakeCodec.WriteRefusal(output, ProtocolVersion.IsSupported(version) ? version : ProtocolVersion.Current, reason, text);
            await stream.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
            Metrics.FrameSent(output.WrittenCount);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is being refused anyway; the reason is in the events.
        }
    }

    private SslServerAuthenticationOptions ServerTlsOptions(TransportSecurity security, Action<string> onRejected) => new()
    {
        ServerCertificateContext = certificateContext,
        ClientCertificateRequired = true,
        EnabledSslProtocols = TlsProtocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

        // The peer's id is not known until its Grey handshake, so the name is checked then; here only the
        // chain, and only against the site CA.
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            var error = PeerCertificateValidator.CheckChain(certificate, security.SiteCa, options.Time.GetUtcNow());
            if (error is not null)
            {
                onRejected(error);
            }

            return error is null;
        },
    };

    private SslClientAuthenticationOptions ClientTlsOptions(TransportSecurity security, ulong peerId, Action<string> onRejected)
    {
        var expectedName = NodeCertificateNames.DnsName(options.SiteId, peerId);
        return new SslClientAuthenticationOptions
        {
            TargetHost = expectedName,
            ClientCertificateContext = certificateContext,
            EnabledSslProtocols = TlsProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                var error = PeerCertificateValidator.CheckChain(certificate, security.SiteCa, options.Time.GetUtcNow())
                    ?? PeerCertificateValidator.CheckName(certificate, expectedName);
                if (error is not null)
                {
                    onRejected(error);
                }

                return error is null;
            },
        };
    }
}

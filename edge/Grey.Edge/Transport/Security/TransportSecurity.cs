using System.Security.Cryptography.X509Certificates;

namespace Grey.Edge.Transport.Security;

/// <summary>
/// Mutual TLS between the nodes of a site: each node presents <see cref="NodeCertificate"/> (with its private
/// key) and accepts only peers whose certificate chains to <see cref="SiteCa"/> and names the peer's node id
/// (see <see cref="NodeCertificateNames"/>).
/// </summary>
internal sealed class TransportSecurity
{
    public TransportSecurity(X509Certificate2 nodeCertificate, X509Certificate2 siteCa)
    {
        ArgumentNullException.ThrowIfNull(nodeCertificate);
        ArgumentNullException.ThrowIfNull(siteCa);
        if (!nodeCertificate.HasPrivateKey)
        {
            throw new ArgumentException("the node certificate needs its private key", nameof(nodeCertificate));
        }

        NodeCertificate = nodeCertificate;
        SiteCa = siteCa;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 NodeCertificate { get; }

    /// <summary>The site's certificate authority: the only trust anchor for peers.</summary>
    public X509Certificate2 SiteCa { get; }
}

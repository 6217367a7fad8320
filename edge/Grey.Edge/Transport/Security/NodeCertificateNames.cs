namespace Grey.Edge.Transport.Security;

/// <summary>
/// The name a node's certificate must carry: the DNS subject alternative name
/// <c>node-{id}.{site}.grey</c>. Binding the site as well as the id keeps a certificate of one site from
/// passing as a node of another site that shares a CA.
/// </summary>
internal static class NodeCertificateNames
{
    /// <summary>The DNS name of node <paramref name="nodeId"/> of <paramref name="siteId"/>.</summary>
    public static string DnsName(string siteId, ulong nodeId) => $"node-{nodeId}.{siteId}.grey";
}

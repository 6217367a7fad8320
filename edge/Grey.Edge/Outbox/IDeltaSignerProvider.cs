using Grey.Federation.Signing;

namespace Grey.Edge.Outbox;

/// <summary>
/// The node's current delta-signing key: the certificate the region issued at enrollment, bound in the node's
/// attestation. Null until the node is enrolled and attested (the outbox then ships nothing and the backlog
/// grows), or after it was revoked. The outbox calls it from its one loop task only.
/// </summary>
internal interface IDeltaSignerProvider
{
    /// <summary>The signer to use now, or null when this node may not ship.</summary>
    MessageSigner? Current { get; }
}

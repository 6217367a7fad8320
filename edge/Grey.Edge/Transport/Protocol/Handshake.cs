namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// The first frame each side sends. The frame header carries the sender's protocol version; the payload names
/// the site and both ends, so a node refuses a peer of another site, an unknown node, or a connection meant
/// for someone else.
/// </summary>
/// <param name="Version">The protocol version of the frame (the sender's highest on a dial, the negotiated one on the answer).</param>
/// <param name="SiteId">The sender's site.</param>
/// <param name="SenderId">The sender's node id.</param>
/// <param name="ReceiverId">The node id the sender expects at the other end.</param>
internal sealed record Handshake(byte Version, string SiteId, ulong SenderId, ulong ReceiverId);

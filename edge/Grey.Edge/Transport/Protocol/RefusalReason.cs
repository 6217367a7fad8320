namespace Grey.Edge.Transport.Protocol;

/// <summary>Why a handshake was refused; sent in a Refusal frame. Values are part of the wire format.</summary>
internal enum RefusalReason : byte
{
    /// <summary>The peer speaks a protocol version this node does not.</summary>
    UnsupportedVersion = 1,

    /// <summary>The peer belongs to another site.</summary>
    WrongSite = 2,

    /// <summary>The peer's node id is not a member this node knows (or is this node's own id).</summary>
    UnknownNode = 3,

    /// <summary>The peer expected another node at this end.</summary>
    WrongReceiver = 4,

    /// <summary>The peer's TLS certificate does not name the node id it claims.</summary>
    CertificateMismatch = 5,

    /// <summary>The handshake frame could not be decoded.</summary>
    MalformedHandshake = 6,

    /// <summary>The connection was dialed by the node that should have accepted it (the lower id dials).</summary>
    WrongDialer = 7,
}

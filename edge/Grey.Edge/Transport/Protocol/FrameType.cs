namespace Grey.Edge.Transport.Protocol;

/// <summary>What a frame carries. The values are part of the wire format and never change meaning.</summary>
internal enum FrameType : byte
{
    /// <summary>The first frame of each side: protocol version, site, and the node ids of both sides.</summary>
    Handshake = 1,

    /// <summary>The handshake was refused: a reason code and a text; the sender closes the connection after it.</summary>
    Refusal = 2,

    /// <summary>One Raft message other than a snapshot.</summary>
    Message = 3,

    /// <summary>One Raft snapshot message; it has its own, larger size limit.</summary>
    SnapshotMessage = 4,

    /// <summary>A keepalive with an empty payload, sent when a connection has been idle for a heartbeat interval.</summary>
    Heartbeat = 5,
}

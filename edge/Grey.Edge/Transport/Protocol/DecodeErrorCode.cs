namespace Grey.Edge.Transport.Protocol;

/// <summary>Why a frame or a payload could not be decoded. Each one closes the connection it arrived on.</summary>
internal enum DecodeErrorCode
{
    /// <summary>The first two bytes are not the Grey magic.</summary>
    BadMagic = 1,

    /// <summary>The version byte names a version this node does not speak.</summary>
    UnsupportedVersion,

    /// <summary>The frame type byte is unknown.</summary>
    UnknownFrameType,

    /// <summary>The length field exceeds the limit of the frame type.</summary>
    FrameTooLarge,

    /// <summary>The stream or buffer ended inside a frame.</summary>
    Truncated,

    /// <summary>The CRC-32C does not match.</summary>
    ChecksumMismatch,

    /// <summary>The payload is structurally invalid (unknown message type, bad field, trailing bytes, ...).</summary>
    MalformedPayload,

    /// <summary>A count in the payload exceeds its limit (entries, context bytes, configuration members).</summary>
    LimitExceeded,

    /// <summary>A frame arrived that is not allowed at this point (a message before the handshake, a second handshake, a message naming another sender).</summary>
    ProtocolViolation,

    /// <summary>The frame version differs from the version negotiated for the connection.</summary>
    VersionMismatch,
}

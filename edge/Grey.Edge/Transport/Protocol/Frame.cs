namespace Grey.Edge.Transport.Protocol;

/// <summary>A decoded frame: its header and its payload (checksum already verified).</summary>
internal readonly record struct Frame(FrameHeader Header, ReadOnlyMemory<byte> Payload);

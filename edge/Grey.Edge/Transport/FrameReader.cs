using Grey.Edge.Transport.Protocol;

namespace Grey.Edge.Transport;

/// <summary>
/// Reads frames from a stream through a fixed read buffer. The header is checked (magic, version, type,
/// length limit) before the payload is read, so an oversized length costs no allocation; each payload gets
/// its own array, which the decoded message then owns.
/// </summary>
internal sealed class FrameReader
{
    /// <summary>Bytes of the read buffer: 64 KiB.</summary>
    internal const int BufferSize = 64 * 1024;

    private readonly Stream stream;
    private readonly byte[] buffer = new byte[BufferSize];
    private int start;
    private int end;

    public FrameReader(Stream stream) => this.stream = stream;

    /// <summary>
    /// Reads the next frame. Returns (frame, null, false) on success, (default, error, false) on a decode
    /// error, and (default, null, true) when the stream ended cleanly between frames. With
    /// <paramref name="handshakeOnly"/>, any frame type but Handshake and Refusal is refused from its header,
    /// so a peer that has not identified itself cannot make this node allocate a large payload.
    /// </summary>
    public async ValueTask<(Frame Frame, DecodeError? Error, bool EndOfStream)> ReadAsync(CancellationToken cancellationToken, bool handshakeOnly = false)
    {
        if (!await FillAsync(ProtocolLimits.HeaderSize, cancellationToken).ConfigureAwait(false))
        {
            return end == start
                ? (default, null, true)
                : (default, new DecodeError(DecodeErrorCode.Truncated, $"stream ended {end - start} bytes into a frame header"), false);
        }

        var error = FrameHeader.TryParse(buffer.AsSpan(start, ProtocolLimits.HeaderSize), out var header);
        if (error is not null)
        {
            return (default, error, false);
        }

        if (handshakeOnly && header.Type is not (FrameType.Handshake or FrameType.Refusal))
        {
            return (default, new DecodeError(DecodeErrorCode.ProtocolViolation, $"expected a Handshake frame first, got a {header.Type} frame header announcing {header.PayloadLength} bytes"), false);
        }

        var body = new byte[ProtocolLimits.HeaderSize + header.PayloadLength];
        var got = await ReadExactAsync(body, cancellationToken).ConfigureAwait(false);
        if (got < body.Length)
        {
            return (default, new DecodeError(DecodeErrorCode.Truncated, $"stream ended {got} bytes into a {header.Type} frame of {FrameCodec.FrameSize(header.PayloadLength)} bytes"), false);
        }

        if (!await FillAsync(ProtocolLimits.TrailerSize, cancellationToken).ConfigureAwait(false))
        {
            return (default, new DecodeError(DecodeErrorCode.Truncated, $"stream ended inside the checksum of a {header.Type} frame"), false);
        }

        error = FrameCodec.VerifyChecksum(body, buffer.AsSpan(start, ProtocolLimits.TrailerSize));
        start += ProtocolLimits.TrailerSize;
        return error is not null ? (default, error, false) : (new Frame(header, body.AsMemory(ProtocolLimits.HeaderSize)), null, false);
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered; false when the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (end - start >= count)
        {
            return true;
        }

        if (buffer.Length - start < count)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        while (end - start < count)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            end += n;
        }

        return true;
    }

    /// <summary>Fills <paramref name="destination"/> from the buffer, then straight from the stream; returns the bytes read.</summary>
    private async ValueTask<int> ReadExactAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var fromBuffer = Math.Min(end - start, destination.Length);
        buffer.AsMemory(start, fromBuffer).CopyTo(destination);
        start += fromBuffer;
        var filled = fromBuffer;
        while (filled < destination.Length)
        {
            var remaining = destination.Length - filled;
            if (remaining >= BufferSize / 2)
            {
                // Large payloads bypass the buffer: one copy fewer for snapshots and big Appends.
                var n = await stream.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return filled;
                }

                filled += n;
            }
            else
            {
                start = 0;
                end = 0;
                var n = await stream.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return filled;
                }

                end = n;
                var take = Math.Min(n, remaining);
                buffer.AsMemory(0, take).CopyTo(destination[filled..]);
                start = take;
                filled += take;
            }
        }

        return filled;
    }
}

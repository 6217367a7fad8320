using System.Buffers.Binary;

namespace Grey.Edge.Transport.Protocol;

/// <summary>
/// Bounds-checked little-endian reads over a payload. Every read first checks what is left, so a field that
/// runs past the end becomes a <see cref="DecodeErrorCode.Truncated"/> error instead of an exception.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlyMemory<byte> memory;
    private readonly ReadOnlySpan<byte> span;
    private int position;

    public WireReader(ReadOnlyMemory<byte> payload)
    {
        memory = payload;
        span = payload.Span;
        position = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => span.Length - position;

    /// <summary>The offset of the next read, for error messages.</summary>
    public readonly int Position => position;

    public bool TryReadByte(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return false;
        }

        value = span[position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(position, 2));
        position += 2;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(position, 4));
        position += 4;
        return true;
    }

    public bool TryReadUInt64(out ulong value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(span.Slice(position, 8));
        position += 8;
        return true;
    }

    /// <summary>Slices <paramref name="length"/> bytes without copying: the result shares the payload's buffer.</summary>
    public bool TryReadBytes(int length, out ReadOnlyMemory<byte> value)
    {
        if (length < 0 || Remaining < length)
        {
            value = default;
            return false;
        }

        value = memory.Slice(position, length);
        position += length;
        return true;
    }
}

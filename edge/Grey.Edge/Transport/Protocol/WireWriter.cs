using System.Buffers.Binary;

namespace Grey.Edge.Transport.Protocol;

/// <summary>Little-endian writes into a span sized in advance by the codec (an overrun is a codec bug and throws).</summary>
internal ref struct WireWriter
{
    private readonly Span<byte> span;
    private int position;

    public WireWriter(Span<byte> destination)
    {
        span = destination;
        position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Written => position;

    public void WriteByte(byte value) => span[position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span.Slice(position, 2), value);
        position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span.Slice(position, 4), value);
        position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(span.Slice(position, 8), value);
        position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(span.Slice(position, value.Length));
        position += value.Length;
    }
}

using System.Buffers.Binary;

namespace Grey.Attestation.Tpm;

/// <summary>A big-endian writer producing TPM 2.0 wire format; the inverse of <see cref="TpmReader"/>.</summary>
internal sealed class TpmWriter
{
    private readonly MemoryStream _stream = new();

    public int Length => (int)_stream.Length;

    public TpmWriter U8(byte value)
    {
        _stream.WriteByte(value);
        return this;
    }

    public TpmWriter U16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        _stream.Write(b);
        return this;
    }

    public TpmWriter Alg(TpmAlgId alg) => U16((ushort)alg);

    public TpmWriter U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _stream.Write(b);
        return this;
    }

    public TpmWriter U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        _stream.Write(b);
        return this;
    }

    public TpmWriter Bytes(ReadOnlySpan<byte> value)
    {
        _stream.Write(value);
        return this;
    }

    /// <summary>Writes a TPM2B: u16 size then the bytes.</summary>
    public TpmWriter Sized(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "a TPM2B holds at most 65535 bytes");
        }

        U16((ushort)value.Length);
        return Bytes(value);
    }

    public byte[] ToArray() => _stream.ToArray();
}

using System.Buffers.Binary;

namespace Grey.Attestation.Tpm;

/// <summary>
/// A strict big-endian reader for TPM 2.0 structures: every read is bounds-checked, every sized buffer has
/// a caller-given maximum, and <see cref="End"/> refuses trailing bytes.
/// </summary>
internal ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly string _what;
    private int _position;

    public TpmReader(ReadOnlySpan<byte> buffer, string what)
    {
        _buffer = buffer;
        _what = what;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public byte U8(string field) => Take(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    public ReadOnlySpan<byte> Bytes(int count, string field) => Take(count, field);

    /// <summary>A u64 of Unix milliseconds, refused beyond what <see cref="DateTimeOffset"/> holds.</summary>
    public DateTimeOffset UnixMilliseconds(string field)
    {
        ulong ms = U64(field);
        if (ms > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new TpmFormatException($"{_what}: {field} = {ms} ms is beyond the year 9999");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
    }

    /// <summary>Reads a TPM2B: a u16 size, then that many bytes, refusing sizes above <paramref name="max"/>.</summary>
    public ReadOnlySpan<byte> Sized(int max, string field)
    {
        ushort size = U16(field + ".size");
        if (size > max)
        {
            throw new TpmFormatException($"{_what}: {field} is {size} bytes, above the maximum of {max}");
        }

        return Take(size, field);
    }

    public TpmAlgId Alg(string field)
    {
        ushort raw = U16(field);
        if (!Enum.IsDefined(typeof(TpmAlgId), raw))
        {
            throw new TpmFormatException($"{_what}: {field} names unknown algorithm 0x{raw:x4}");
        }

        return (TpmAlgId)raw;
    }

    public TpmAlgId HashAlg(string field)
    {
        TpmAlgId alg = Alg(field);
        if (!TpmHash.IsHash(alg))
        {
            throw new TpmFormatException($"{_what}: {field} is 0x{(ushort)alg:x4}, not a hash algorithm");
        }

        return alg;
    }

    public readonly void End()
    {
        if (_position != _buffer.Length)
        {
            throw new TpmFormatException($"{_what}: {_buffer.Length - _position} trailing bytes after the structure");
        }
    }

    public readonly TpmFormatException Error(string message) => new($"{_what}: {message}");

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > _buffer.Length - _position)
        {
            throw new TpmFormatException(
                $"{_what}: truncated at byte {_position} reading {field} ({count} bytes wanted, {_buffer.Length - _position} left)");
        }

        ReadOnlySpan<byte> slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}

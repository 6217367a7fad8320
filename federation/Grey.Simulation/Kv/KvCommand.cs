using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Grey.Simulation.Kv;

/// <summary>
/// A client command as it travels in a Raft Data entry. The client id and sequence number let the store
/// recognise a command it already applied and answer it again instead of applying it twice.
/// </summary>
/// <param name="Client">The issuing client.</param>
/// <param name="Sequence">The client's command number; each client's numbers rise by one per command.</param>
/// <param name="Operation">Write or compare-and-set.</param>
/// <param name="Key">The key, 1 to <see cref="MaxKeyBytes"/> ASCII bytes.</param>
/// <param name="Value">The value to write.</param>
/// <param name="Expected">For a compare-and-set, the value the key must hold (null: the key must be absent).</param>
internal sealed record KvCommand(int Client, long Sequence, KvOperation Operation, string Key, long Value, long? Expected)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The longest key.</summary>
    public const int MaxKeyBytes = 64;

    private const int FixedBytes = 1 + 1 + 4 + 8 + 1 + 8 + 1 + 8;

    /// <summary>
    /// Encodes as <c>[version][op][i32 client][i64 sequence][u8 key length][key][i64 value][u8 has expected][i64 expected]</c>,
    /// little-endian.
    /// </summary>
    public byte[] Encode()
    {
        if (Key.Length == 0 || Key.Length > MaxKeyBytes || !Ascii.IsValid(Key))
        {
            throw new InvalidOperationException($"a key has 1 to {MaxKeyBytes} ASCII characters: '{Key}'");
        }

        var bytes = new byte[FixedBytes + Key.Length];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        span[1] = (byte)Operation;
        BinaryPrimitives.WriteInt32LittleEndian(span[2..], Client);
        BinaryPrimitives.WriteInt64LittleEndian(span[6..], Sequence);
        span[14] = (byte)Key.Length;
        Encoding.ASCII.GetBytes(Key, span[15..]);
        int o = 15 + Key.Length;
        BinaryPrimitives.WriteInt64LittleEndian(span[o..], Value);
        span[o + 8] = Expected.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(span[(o + 9)..], Expected ?? 0);
        return bytes;
    }

    /// <summary>Decodes strictly: every byte accounted for, every field valid; otherwise says why.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out KvCommand? command, [NotNullWhen(false)] out string? error)
    {
        command = null;
        if (bytes.Length < FixedBytes + 1)
        {
            error = $"kv command: {bytes.Length} bytes are fewer than the minimum {FixedBytes + 1}";
            return false;
        }

        if (bytes[0] != FormatVersion)
        {
            error = $"kv command: unknown format version {bytes[0]}";
            return false;
        }

        var op = (KvOperation)bytes[1];
        if (op is not (KvOperation.Write or KvOperation.Cas))
        {
            error = $"kv command: unknown operation {bytes[1]}";
            return false;
        }

        int keyLength = bytes[14];
        if (keyLength == 0 || keyLength > MaxKeyBytes)
        {
            error = $"kv command: key length {keyLength} outside 1..{MaxKeyBytes}";
            return false;
        }

        if (bytes.Length != FixedBytes + keyLength)
        {
            error = $"kv command: a {keyLength}-byte key needs {FixedBytes + keyLength} bytes, got {bytes.Length}";
            return false;
        }

        var keyBytes = bytes.Slice(15, keyLength);
        if (!Ascii.IsValid(keyBytes))
        {
            error = "kv command: the key is not ASCII";
            return false;
        }

        int o = 15 + keyLength;
        byte hasExpected = bytes[o + 8];
        if (hasExpected > 1)
        {
            error = $"kv command: expected-value flag {hasExpected} is neither 0 nor 1";
            return false;
        }

        long expected = BinaryPrimitives.ReadInt64LittleEndian(bytes[(o + 9)..]);
        if (hasExpected == 0 && expected != 0)
        {
            error = "kv command: an absent expected value must be encoded as zero";
            return false;
        }

        if (op == KvOperation.Write && hasExpected != 0)
        {
            error = "kv command: a write carries no expected value";
            return false;
        }

        command = new KvCommand(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[2..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[6..]),
            op,
            Encoding.ASCII.GetString(keyBytes),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[o..]),
            hasExpected == 1 ? expected : null);
        error = null;
        return true;
    }
}

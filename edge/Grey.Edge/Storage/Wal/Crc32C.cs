using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace Grey.Edge.Storage.Wal;

/// <summary>CRC-32C (Castagnoli), the checksum of every WAL record, segment header, snapshot file and peer frame.</summary>
internal static class Crc32C
{
    /// <summary>
    /// The CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF, as iSCSI and ext4 use it).
    /// With SSE4.2 (the JIT sees the CPU; a NativeAOT build only when its target instruction set includes it)
    /// this uses the CPU's CRC32 instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>; otherwise
    /// System.IO.Hashing's table-driven code, which is faster than BitOperations' byte-at-a-time fallback.
    /// </summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        if (!Sse42.X64.IsSupported)
        {
            return Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
        }

        var crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}

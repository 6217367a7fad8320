using System.IO.Hashing;

namespace Grey.Edge.Storage.Wal;

/// <summary>CRC-32C (Castagnoli), the checksum of every WAL record, segment header and snapshot file.</summary>
internal static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
}

using System.IO.Hashing;
using System.Text;
using Grey.Edge.Storage.Wal;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_KnownVector_MatchesCastagnoliCheckValue()
    {
        // The standard check value of CRC-32C (Castagnoli) for "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Compute_EveryLengthAndAlignment_MatchesTheTableDrivenReference()
    {
        // The hardware path works on 8-byte words then single bytes: every length 0..64 and a few offsets cover
        // each tail length and unaligned starts, against System.IO.Hashing's table-driven CRC-32C (the
        // implementation the WAL used before, so files written by it still verify).
        const int seed = 20261126;
        var random = new Random(seed);
        var data = new byte[300];
        random.NextBytes(data);
        for (var offset = 0; offset < 9; offset++)
        {
            for (var length = 0; length <= 64; length++)
            {
                var span = data.AsSpan(offset, length);
                Assert.True(
                    Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, span) == Crc32C.Compute(span),
                    $"offset {offset}, length {length}, seed {seed}");
            }
        }

        Assert.Equal(Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data), Crc32C.Compute(data));
    }
}

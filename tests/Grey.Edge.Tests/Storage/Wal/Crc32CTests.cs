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
}

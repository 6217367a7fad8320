using System.Text;
using Grey.Simulation.Disk;

namespace Grey.Simulation.Tests.Disk;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_StandardCheckValue_Matches()
    {
        // The CRC-32C check value from the catalogue of CRC algorithms.
        Assert.Equal(0xE306_9283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Append_InPieces_EqualsWhole()
    {
        byte[] data = Encoding.ASCII.GetBytes("the quick brown fox");
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 7)), data.AsSpan(7)));
    }
}

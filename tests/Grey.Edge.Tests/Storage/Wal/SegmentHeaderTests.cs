using Grey.Edge.Storage.Wal;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class SegmentHeaderTests
{
    [Fact]
    public void TryRead_WrittenHeader_RoundTripsAndNameParses()
    {
        var header = new SegmentHeader(3, 1000, 123456);
        var bytes = new byte[SegmentHeader.Size];
        header.Write(bytes);
        Assert.Equal(WalDecodeStatus.Ok, SegmentHeader.TryRead(bytes, out var read, out _));
        Assert.Equal(header, read);
        Assert.True(SegmentHeader.TryParseName(header.FileName, out var seq, out var first));
        Assert.Equal((3UL, 1000UL), (seq, first));
        Assert.False(SegmentHeader.TryParseName("0000000000000003-00000000000003e8.wal.bak", out _, out _));
        Assert.False(SegmentHeader.TryParseName("zz00000000000003-00000000000003e8.wal", out _, out _));
        bytes[4] = 2;
        Assert.Equal(WalDecodeStatus.Invalid, SegmentHeader.TryRead(bytes, out _, out _));
    }
}

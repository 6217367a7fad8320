using Grey.Raft.Tracker;

namespace Grey.Raft.Tests.Tracker;

public sealed class InflightsTests
{
    [Fact]
    public void Add_UpToMaxCount_ThenFull()
    {
        var f = new Inflights(3, 0);
        f.Add(1, 10);
        f.Add(2, 10);
        Assert.False(f.Full);
        f.Add(3, 10);
        Assert.True(f.Full);
        Assert.Throws<InvalidOperationException>(() => f.Add(4, 10));
    }

    [Fact]
    public void Add_UpToMaxBytes_ThenFull()
    {
        var f = new Inflights(100, 25);
        f.Add(1, 10);
        f.Add(2, 10);
        Assert.False(f.Full);
        f.Add(3, 10);
        Assert.True(f.Full);
        Assert.Equal(30UL, f.Bytes);
    }

    [Fact]
    public void FreeLE_ReleasesPrefixAndWrapsAround()
    {
        var f = new Inflights(4, 0);
        for (ulong i = 1; i <= 4; i++)
        {
            f.Add(i, i);
        }

        f.FreeLE(2);
        Assert.Equal(2, f.Count);
        Assert.Equal(7UL, f.Bytes);
        f.Add(5, 5);
        f.Add(6, 6);
        Assert.True(f.Full);
        f.FreeLE(5);
        Assert.Equal(1, f.Count);
        Assert.Equal(6UL, f.Bytes);
        f.FreeLE(100);
        Assert.Equal(0, f.Count);
        Assert.Equal(0UL, f.Bytes);
    }

    [Fact]
    public void Clone_IsIndependent()
    {
        var f = new Inflights(4, 0);
        f.Add(1, 1);
        var g = f.Clone();
        g.Add(2, 2);
        Assert.Equal(1, f.Count);
        Assert.Equal(2, g.Count);
    }
}

using Grey.Simulation.Fleet;

namespace Grey.Simulation.Tests.Fleet;

public sealed class SimulatedRegionFileSystemTests
{
    [Fact]
    public void Crash_KeepsOnlySyncedBytesAndSyncedNames()
    {
        var fs = new SimulatedRegionFileSystem();
        using (var f = fs.OpenAppend("log"))
        {
            f.Append([1, 2, 3]);
            f.Sync();
            fs.SyncDirectory();
            f.Append([4, 5]);
        }

        using (var g = fs.OpenAppend("new"))
        {
            g.Append([9]);
            g.Sync();
        }

        fs.Crash();
        Assert.Equal([1, 2, 3], fs.ReadAll("log"));
        Assert.Equal(["log"], fs.List());
    }

    [Fact]
    public void Rename_DurableOnlyAfterDirectorySync()
    {
        var fs = new SimulatedRegionFileSystem();
        using (var f = fs.OpenAppend("a"))
        {
            f.Append([7]);
            f.Sync();
        }

        fs.SyncDirectory();
        fs.Rename("a", "b");
        fs.Crash();
        Assert.Equal(["a"], fs.List());
        fs.Rename("a", "b");
        fs.SyncDirectory();
        fs.Crash();
        Assert.Equal(["b"], fs.List());
        Assert.Equal([7], fs.ReadAll("b"));
    }
}

using Grey.Edge.Storage.Files;

namespace Grey.Edge.Tests.Storage.Files;

public sealed class SimulatedFileSystemTests
{
    [Fact]
    public void AfterCrash_PowerLoss_KeepsOnlySyncedDataAndEntries()
    {
        var fs = new SimulatedFileSystem();
        fs.CreateDirectory("/d");
        using (var a = fs.Open("/d/a", createNew: true))
        {
            a.Write(0, [1, 2, 3]);
            a.Flush();
            a.Write(3, [4, 5]);
        }

        fs.SyncDirectory("/d");
        using (var b = fs.Open("/d/b", createNew: true))
        {
            b.Write(0, [9]);
            b.Flush();
        }

        var process = fs.AfterCrash(powerLoss: false);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, process.ReadAllBytes("/d/a"));
        Assert.True(process.FileExists("/d/b"));

        var power = fs.AfterCrash(powerLoss: true);
        Assert.Equal(new byte[] { 1, 2, 3 }, power.ReadAllBytes("/d/a"));
        Assert.False(power.FileExists("/d/b"));
    }

    [Fact]
    public void AfterCrash_PowerLossAfterTruncateWithoutSync_RestoresDurableContent()
    {
        var fs = new SimulatedFileSystem();
        fs.CreateDirectory("/d");
        using (var a = fs.Open("/d/a", createNew: true))
        {
            a.Write(0, [1, 2, 3, 4]);
            a.Flush();
            a.SetLength(1);
            a.Write(1, [7]);
        }

        fs.SyncDirectory("/d");
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, fs.AfterCrash(powerLoss: true, tear: new Random(1)).ReadAllBytes("/d/a"));
        Assert.Equal(new byte[] { 1, 7 }, fs.AfterCrash(powerLoss: false).ReadAllBytes("/d/a"));
    }

    [Fact]
    public void CrashAtOperation_StopsThereAndAfter()
    {
        var fs = new SimulatedFileSystem { CrashAtOperation = 2 };
        fs.CreateDirectory("/d");
        var a = fs.Open("/d/a", createNew: true);
        Assert.Throws<SimulatedCrashException>(() => a.Write(0, [1]));
        Assert.True(fs.Crashed);
        Assert.Throws<SimulatedCrashException>(() => fs.ListFiles("/d"));
        Assert.Empty(fs.AfterCrash(powerLoss: false).ReadAllBytes("/d/a"));
    }
}

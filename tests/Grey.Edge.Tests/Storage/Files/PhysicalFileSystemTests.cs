using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Raft;

namespace Grey.Edge.Tests.Storage.Files;

public sealed class PhysicalFileSystemTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "grey-edge-fs-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Operations_OnRealDisk_Work()
    {
        var fs = PhysicalFileSystem.Instance;
        fs.CreateDirectory(root);
        var path = Path.Combine(root, "a");
        using (var h = fs.Open(path, createNew: true))
        {
            h.Write(0, [1, 2, 3]);
            h.Write(5, [6]);
            h.Flush();
            Assert.Equal(6, h.Length);
            h.SetLength(2);
            Assert.Equal(2, h.Length);
        }

        Assert.Throws<IOException>(() => fs.Open(path, createNew: true));
        fs.SyncDirectory(root);
        fs.Rename(path, Path.Combine(root, "b"));
        Assert.Equal(["b"], fs.ListFiles(root));
        using (var r = fs.OpenRead(Path.Combine(root, "b")))
        {
            var buffer = new byte[10];
            Assert.Equal(2, r.Read(0, buffer));
        }

        fs.Delete(Path.Combine(root, "b"));
        Assert.Empty(fs.ListFiles(root));
        Assert.Throws<IOException>(() => fs.SyncDirectory(Path.Combine(root, "missing")));
    }

    [Fact]
    public async Task WalRaftStorage_OnRealDisk_SurvivesReopen()
    {
        await using (var storage = await WalRaftStorage.OpenAsync(PhysicalFileSystem.Instance, root, new EdgeStorageOptions(), NoRetention.Instance, TimeProvider.System))
        {
            await storage.AppendAsync([new Entry(1, 1, EntryKind.NoOp, default), new Entry(1, 2, EntryKind.Data, new byte[] { 42 })], new HardState(1, 1, 2));
            await storage.CreateSnapshotAsync(2, ConfState.OfVoters(1), new byte[] { 9 });
        }

        await using var reopened = await WalRaftStorage.OpenAsync(PhysicalFileSystem.Instance, root, new EdgeStorageOptions(), NoRetention.Instance, TimeProvider.System);
        Assert.Equal(2UL, reopened.LastIndex());
        Assert.Equal(new byte[] { 42 }, reopened.Entries(2, 3, 100)[0].Data.ToArray());
        Assert.Equal(new HardState(1, 1, 2), reopened.HardState);
        Assert.Equal(2UL, reopened.Snapshot().Metadata.Index);
    }
}

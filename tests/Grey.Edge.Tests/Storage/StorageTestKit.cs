using System.Globalization;
using System.Text;
using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Wal;
using Grey.Raft;

namespace Grey.Edge.Tests.Storage;

/// <summary>Helpers shared by the storage adapter tests.</summary>
internal static class StorageTestKit
{
    public const string Dir = "/data/node";

    public static EdgeStorageOptions Small { get; } = new()
    {
        Wal = new WalOptions { SegmentBytes = 4096, MaxRecordBytes = 1024, MaxPendingOperations = 64 },
        SnapshotsKept = 2,
    };

    public static Task<WalRaftStorage> OpenAsync(IFileSystem fs, TimeProvider? time = null, ILogRetention? retention = null, EdgeStorageOptions? options = null) =>
        WalRaftStorage.OpenAsync(fs, Dir, options ?? Small, retention ?? NoRetention.Instance, time ?? TimeProvider.System);

    /// <summary>
    /// Everything a node can read from a storage, as one string. The hard state's commit is shown as at least
    /// the snapshot index: a reopened storage raises it so (a snapshot holds only committed state).
    /// </summary>
    public static string Signature(IRaftStorage storage)
    {
        var sb = new StringBuilder();
        var first = storage.FirstIndex();
        var last = storage.LastIndex();
        var snapshot = storage.Snapshot();
        var (hs, cs) = storage.InitialState();
        sb.Append(CultureInfo.InvariantCulture, $"first={first} last={last} floorTerm={storage.Term(first - 1)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"hs={hs.Term}/{hs.Vote}/{Math.Max(hs.Commit, snapshot.Metadata.Index)} cs={cs}\n");
        sb.Append(CultureInfo.InvariantCulture, $"snap={snapshot.Metadata.Index}/{snapshot.Metadata.Term} {snapshot.Metadata.ConfState} {Convert.ToHexString(snapshot.Data.Span)}\n");
        if (last >= first)
        {
            foreach (var e in storage.Entries(first, last + 1, ulong.MaxValue))
            {
                sb.Append(CultureInfo.InvariantCulture, $"{e.Index}@{e.Term}/{e.Kind}:{Convert.ToHexString(e.Data.Span)} ");
            }

            sb.Append(CultureInfo.InvariantCulture, $"\npage={storage.Entries(first, last + 1, 100).Count}");
        }

        return sb.ToString();
    }
}

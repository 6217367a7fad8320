using Grey.Edge.Storage.Files;
using Grey.Edge.Storage.Wal;
using Grey.Raft;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Edge.Tests.Storage.Wal;

/// <summary>Helpers shared by the WAL tests.</summary>
internal static class WalTestKit
{
    public const string Dir = "/data/wal";

    public static WalOptions SmallSegments { get; } = new() { SegmentBytes = 4096, MaxRecordBytes = 1024, MaxPendingOperations = 64 };

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static WriteAheadLog Open(IFileSystem fs, out WalRecoveredState state, WalOptions? options = null, TimeProvider? time = null, WalWriterMode mode = WalWriterMode.Background) =>
        WriteAheadLog.Open(fs, Dir, options ?? SmallSegments, time ?? Clock(), out state, mode);

    public static Entry E(ulong term, ulong index, int size = 8) =>
        new(term, index, EntryKind.Data, Payload(term, index, size));

    public static Entry[] Range(ulong term, ulong from, ulong to, int size = 8)
    {
        var list = new List<Entry>();
        for (var i = from; i <= to; i++)
        {
            list.Add(E(term, i, size));
        }

        return list.ToArray();
    }

    public static byte[] Payload(ulong term, ulong index, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)((term * 31) + (index * 7) + (ulong)i);
        }

        return bytes;
    }

    public static string Describe(IEnumerable<Entry> entries) =>
        string.Join(",", entries.Select(e => $"{e.Index}@{e.Term}:{Convert.ToHexString(e.Data.Span)}"));

    public static void AssertEntries(IEnumerable<Entry> expected, IEnumerable<Entry> actual) =>
        Assert.Equal(Describe(expected), Describe(actual));

    public static string SegmentPath(SimulatedFileSystem fs, int position) =>
        Path.Combine(Dir, fs.ListFiles(Dir).Where(n => n.EndsWith(".wal", StringComparison.Ordinal)).ElementAt(position));

    public static IReadOnlyList<string> SegmentPaths(SimulatedFileSystem fs) =>
        fs.ListFiles(Dir).Where(n => n.EndsWith(".wal", StringComparison.Ordinal)).Select(n => Path.Combine(Dir, n)).ToArray();

    /// <summary>The segment's bytes up to the end of its last record: without the preallocated zeros after it.</summary>
    public static byte[] ReadRecords(SimulatedFileSystem fs, string path)
    {
        var bytes = fs.ReadAllBytes(path);
        var offset = SegmentHeader.Size;
        while (offset < bytes.Length && WalRecordCodec.TryRead(bytes.AsSpan(offset), 1 << 20, out _, out var size, out _) == WalDecodeStatus.Ok)
        {
            offset += size;
        }

        Assert.True(bytes.AsSpan(offset).IndexOfAnyExcept((byte)0) < 0, "only zeros follow the last record");
        return bytes[..offset];
    }

    /// <summary>Offsets of the records of a segment's bytes (after the header).</summary>
    public static List<(long Offset, int Size)> RecordOffsets(byte[] bytes)
    {
        var list = new List<(long, int)>();
        var offset = SegmentHeader.Size;
        while (offset < bytes.Length)
        {
            Assert.Equal(WalDecodeStatus.Ok, WalRecordCodec.TryRead(bytes.AsSpan(offset), 1 << 20, out _, out var size, out var error));
            Assert.Null(error);
            list.Add((offset, size));
            offset += size;
        }

        return list;
    }
}

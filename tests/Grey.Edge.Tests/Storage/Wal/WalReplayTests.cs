using Grey.Edge.Storage.Wal;
using Grey.Raft;

namespace Grey.Edge.Tests.Storage.Wal;

public sealed class WalReplayTests
{
    private static WalRecord Ent(ulong term, ulong index) => new(WalRecordType.Entry, new Entry(term, index, EntryKind.Data, default), default, 0, 0);

    private static WalRecord Marker(WalRecordType type, ulong index, ulong term) => new(type, default, default, index, term);

    private static WalReplay Fresh()
    {
        var replay = new WalReplay();
        replay.BeginSegment(1);
        Assert.Null(replay.Apply(Marker(WalRecordType.Compacted, 0, 0), 0));
        return replay;
    }

    private static string Terms(WalReplay r) => string.Join(",", r.Entries.Select(e => $"{e.Index}@{e.Term}"));

    [Fact]
    public void Apply_EntryAtOrBelowLast_ReplacesSuffix()
    {
        var r = Fresh();
        foreach (var i in new ulong[] { 1, 2, 3, 4 })
        {
            Assert.Null(r.Apply(Ent(1, i), 0));
        }

        Assert.Null(r.Apply(Ent(2, 3), 0));
        Assert.Equal("1@1,2@1,3@2", Terms(r));
    }

    [Fact]
    public void Apply_EntryAfterGap_ReportsIt()
    {
        var r = Fresh();
        Assert.Null(r.Apply(Ent(1, 1), 0));
        Assert.Contains("gap", r.Apply(Ent(1, 3), 0), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CompactedMarker_DropsPrefixAndChecksTerm()
    {
        var r = Fresh();
        foreach (var i in new ulong[] { 1, 2, 3 })
        {
            Assert.Null(r.Apply(Ent(i, i), 0));
        }

        Assert.Contains("term", r.Apply(Marker(WalRecordType.Compacted, 2, 9), 0), StringComparison.Ordinal);
        Assert.Null(r.Apply(Marker(WalRecordType.Compacted, 2, 2), 0));
        Assert.Equal((2UL, (ulong?)2UL), (r.Floor, r.FloorTerm));
        Assert.Equal("3@3", Terms(r));
        Assert.Contains("past the last index", r.Apply(Marker(WalRecordType.Compacted, 7, 1), 0), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SnapshotReset_DropsEverything()
    {
        var r = Fresh();
        Assert.Null(r.Apply(Ent(1, 1), 0));
        Assert.Null(r.Apply(Marker(WalRecordType.SnapshotReset, 40, 5), 0));
        Assert.Equal((40UL, 40UL), (r.Floor, r.LastIndex));
        Assert.Null(r.Apply(Ent(5, 41), 0));
        Assert.Null(r.Finish());
    }

    [Fact]
    public void BeginSegment_FirstRetainedStartsMidHistory_NeedsALaterMarker()
    {
        // The first retained segment was created when the log ended at 50; its start marker says compacted
        // through 10 (older segments were deleted after a later compaction to 60).
        var r = new WalReplay();
        r.BeginSegment(51);
        Assert.Null(r.Apply(Marker(WalRecordType.Compacted, 10, 1), 0));
        Assert.Null(r.FloorTerm);
        Assert.Null(r.Apply(Ent(1, 51), 0));
        Assert.NotNull(r.Finish());

        // An entry at or below the floor means the history was truncated below it: everything after the floor goes.
        Assert.Null(r.Apply(Ent(2, 45), 0));
        Assert.Empty(r.Entries);
        for (ulong i = 46; i <= 62; i++)
        {
            Assert.Null(r.Apply(Ent(2, i), 0));
        }

        Assert.Null(r.Apply(Marker(WalRecordType.Compacted, 60, 2), 0));
        Assert.Null(r.Finish());
        Assert.Equal("61@2,62@2", Terms(r));
    }
}

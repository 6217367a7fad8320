using Grey.Edge.Storage;

namespace Grey.Edge.Tests.Storage;

public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (ulong, RetentionOverride) Plan(ulong requested, ulong lowestNeeded, int count = 10, int bytes = 100, long maxBytes = 10_000, TimeSpan? maxAge = null, TimeSpan? elapsed = null)
    {
        // Entries 1..count, each written one minute after the previous.
        var sizes = Enumerable.Repeat(bytes, count).ToArray();
        var written = Enumerable.Range(0, count).Select(i => T0.AddMinutes(i)).ToArray();
        var budget = new RetentionBudget { MaxBytes = maxBytes, MaxAge = maxAge ?? TimeSpan.FromDays(1) };
        return RetentionPlanner.Plan(requested, 0, lowestNeeded, sizes, written, T0 + (elapsed ?? TimeSpan.Zero), budget);
    }

    [Fact]
    public void Plan_NothingNeeded_CompactsAsRequested() =>
        Assert.Equal((8UL, RetentionOverride.None), Plan(8, ulong.MaxValue));

    [Fact]
    public void Plan_HookNeedsEntries_HoldsBelowThem() =>
        Assert.Equal((4UL, RetentionOverride.None), Plan(8, lowestNeeded: 5));

    [Fact]
    public void Plan_HookNeedsEverything_CompactsNothing() =>
        Assert.Equal((0UL, RetentionOverride.None), Plan(8, lowestNeeded: 1));

    [Fact]
    public void Plan_HeldBytesOverBudget_DropsOldestUntilWithin()
    {
        // Entries 1..8 held (800 bytes) with a 350-byte budget: 1..5 go, 6..8 (300 bytes) stay.
        Assert.Equal((5UL, RetentionOverride.Bytes), Plan(8, lowestNeeded: 1, maxBytes: 350));
    }

    [Fact]
    public void Plan_HeldEntriesOlderThanBudget_DropsThem()
    {
        // At T0 + 10 min with a 7-minute budget, entries written at minutes 0, 1 and 2 are older than it.
        Assert.Equal((3UL, RetentionOverride.Age), Plan(8, lowestNeeded: 1, maxAge: TimeSpan.FromMinutes(7), elapsed: TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Plan_NeverPastRequested() =>
        Assert.Equal((8UL, RetentionOverride.Age), Plan(8, lowestNeeded: 1, maxAge: TimeSpan.Zero, elapsed: TimeSpan.FromDays(1)));
}

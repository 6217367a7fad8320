namespace Grey.Edge.Storage;

/// <summary>
/// Decides how far a compaction may go (a pure function): up to the requested index, but not past the
/// entries the retention hook still needs, unless those exceed the byte or age budget, in which case the
/// oldest of them go until the rest fits.
/// </summary>
internal static class RetentionPlanner
{
    /// <summary>Plans a compaction.</summary>
    /// <param name="requested">The index the caller wants to compact through (already at most the last index).</param>
    /// <param name="floor">The current floor (entries at or below it are already gone).</param>
    /// <param name="lowestNeeded">The retention hook's lowest needed index.</param>
    /// <param name="recordBytes">For entry floor + 1 + i, the bytes of its WAL record.</param>
    /// <param name="writtenNoLaterThan">For entry floor + 1 + i, a time by which it was surely written (non-decreasing).</param>
    /// <param name="now">The current time.</param>
    /// <param name="budget">The retention budget.</param>
    public static (ulong Through, RetentionOverride Override) Plan(
        ulong requested,
        ulong floor,
        ulong lowestNeeded,
        IReadOnlyList<int> recordBytes,
        IReadOnlyList<DateTimeOffset> writtenNoLaterThan,
        DateTimeOffset now,
        RetentionBudget budget)
    {
        if (requested <= floor)
        {
            return (floor, RetentionOverride.None);
        }

        var allowed = lowestNeeded == 0 ? floor : Math.Max(floor, Math.Min(requested, lowestNeeded - 1));
        if (allowed >= requested)
        {
            return (requested, RetentionOverride.None);
        }

        // Entries (allowed, requested] are held only for the hook.
        long held = 0;
        for (var i = allowed + 1; i <= requested; i++)
        {
            held += recordBytes[(int)(i - floor - 1)];
        }

        var reason = RetentionOverride.None;
        var byBytes = allowed;
        while (held > budget.MaxBytes && byBytes < requested)
        {
            byBytes++;
            held -= recordBytes[(int)(byBytes - floor - 1)];
        }

        if (byBytes > allowed)
        {
            reason |= RetentionOverride.Bytes;
        }

        var byAge = allowed;
        while (byAge < requested && now - writtenNoLaterThan[(int)(byAge - floor)] > budget.MaxAge)
        {
            byAge++;
        }

        if (byAge > allowed)
        {
            reason |= RetentionOverride.Age;
        }

        var through = Math.Max(byBytes, byAge);
        return (through, reason);
    }
}

namespace Grey.Linearizability.Checking;

/// <summary>
/// The memo of the search: configurations (linearized operations as a bitset, register state) that were
/// explored completely without finding a linearization.
/// </summary>
/// <remarks>
/// Lowe's memoization prunes a configuration equal to a failed one. This memo also prunes a configuration
/// that is <em>dominated</em> by a failed one: same completed operations linearized, same state, and a
/// superset of the unknown-outcome operations linearized. It is sound because an unknown operation may
/// also never take effect and imposes no real-time constraint on others: every way to finish from the
/// configuration with more unknown operations used is also a way to finish from the one with fewer.
/// Without this, a history with k timed-out writes can revisit each configuration once per subset of them.
/// </remarks>
internal sealed class FailedConfigurations
{
    private readonly Dictionary<ulong, List<(ulong[] Bits, long? State)>> _byCompleted = [];
    private readonly ulong[] _completedMask;

    /// <param name="completedMask">One bit per operation, set for the operations that completed.</param>
    public FailedConfigurations(ulong[] completedMask)
    {
        _completedMask = completedMask;
    }

    /// <summary>Records that <paramref name="bits"/> (kept, not copied) with <paramref name="state"/> failed.</summary>
    public void Add(ulong key, ulong[] bits, long? state)
    {
        if (!_byCompleted.TryGetValue(key, out List<(ulong[] Bits, long? State)>? list))
        {
            list = [];
            _byCompleted.Add(key, list);
        }

        list.Add((bits, state));
    }

    /// <summary>True when a failed configuration equals or dominates (<paramref name="bits"/>, <paramref name="state"/>).</summary>
    /// <param name="key">A hash of the completed part of <paramref name="bits"/> and of <paramref name="state"/>.</param>
    public bool IsDominated(ulong key, ulong[] bits, long? state)
    {
        if (!_byCompleted.TryGetValue(key, out List<(ulong[] Bits, long? State)>? list))
        {
            return false;
        }

        foreach ((ulong[] failed, long? failedState) in list)
        {
            if (failedState == state && Dominates(failed, bits))
            {
                return true;
            }
        }

        return false;
    }

    private bool Dominates(ulong[] failed, ulong[] current)
    {
        for (int w = 0; w < current.Length; w++)
        {
            // Everything the failed configuration linearized is linearized now, and no completed operation more.
            if ((failed[w] & ~current[w]) != 0 || (current[w] & ~failed[w] & _completedMask[w]) != 0)
            {
                return false;
            }
        }

        return true;
    }
}

namespace Grey.Federation.Clock;

/// <summary>
/// A hybrid logical clock after Kulkarni et al. (2014), reading physical time only through the injected
/// <see cref="TimeProvider"/>. Stamps it issues never go backwards, are greater than every stamp it has
/// received, and stay within the bounds of <see cref="HlcTimestamp"/>: when the logical part would pass
/// <see cref="HlcTimestamp.MaxLogical"/>, the wall part moves one millisecond ahead and the logical part
/// restarts, which keeps stamps strictly rising at the price of running slightly ahead of physical time.
/// Thread-safe.
/// </summary>
public sealed class HybridLogicalClock
{
    private readonly TimeProvider _time;
    private readonly HlcOptions _options;
    private readonly Lock _gate = new();
    private HlcTimestamp _last;

    /// <summary>Creates a clock. Throws <see cref="ArgumentException"/> when the options are invalid.</summary>
    public HybridLogicalClock(TimeProvider time, HlcOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _options = options ?? new HlcOptions();
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _time = time;
    }

    /// <summary>The last stamp this clock issued or moved past.</summary>
    public HlcTimestamp Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>The send/local-event rule: a stamp greater than every stamp issued or received so far.</summary>
    public HlcTimestamp Now()
    {
        lock (_gate)
        {
            long pt = PhysicalMs();
            HlcTimestamp next = pt > _last.WallMs ? new HlcTimestamp(pt, 0) : Bump(_last.WallMs, _last.Logical + 1);
            _last = next;
            return next;
        }
    }

    /// <summary>
    /// The receive rule: takes in a stamp from a message and returns the stamp of the receive event, greater
    /// than both the remote stamp and every stamp issued before. Drift is reported in the result.
    /// Throws <see cref="ArgumentOutOfRangeException"/> when the remote stamp is out of bounds.
    /// </summary>
    public HlcUpdate Receive(HlcTimestamp remote)
    {
        remote.Validated(nameof(remote));
        lock (_gate)
        {
            long pt = PhysicalMs();
            long wall = Math.Max(Math.Max(_last.WallMs, remote.WallMs), pt);
            HlcTimestamp next;
            if (wall == _last.WallMs && wall == remote.WallMs)
            {
                next = Bump(wall, Math.Max(_last.Logical, remote.Logical) + 1);
            }
            else if (wall == _last.WallMs)
            {
                next = Bump(wall, _last.Logical + 1);
            }
            else if (wall == remote.WallMs)
            {
                next = Bump(wall, remote.Logical + 1);
            }
            else
            {
                next = new HlcTimestamp(wall, 0);
            }

            _last = next;
            return Report(next, remote, pt);
        }
    }

    /// <summary>
    /// For a new leader: moves this clock past the stamp of the last entry in its log, so that the next
    /// stamp it issues is greater and stamps rise strictly with the log index across leader changes.
    /// Issues no stamp itself. Drift is reported in the result, never refused: the entry is committed.
    /// </summary>
    public HlcUpdate MovePast(HlcTimestamp lastEntryStamp)
    {
        lastEntryStamp.Validated(nameof(lastEntryStamp));
        lock (_gate)
        {
            long pt = PhysicalMs();
            _last = HlcTimestamp.Max(_last, lastEntryStamp);
            return Report(_last, lastEntryStamp, pt);
        }
    }

    private HlcUpdate Report(HlcTimestamp stamp, HlcTimestamp observed, long pt)
    {
        TimeSpan ahead = TimeSpan.FromMilliseconds(Math.Max(0, observed.WallMs - pt));
        return new HlcUpdate(stamp, ahead, ahead > _options.MaxDrift);
    }

    private static HlcTimestamp Bump(long wall, int logical)
    {
        if (logical <= HlcTimestamp.MaxLogical)
        {
            return new HlcTimestamp(wall, logical);
        }

        if (wall >= HlcTimestamp.MaxWallMs)
        {
            // Reaching the year 10889 means a corrupt stamp got in; continuing would wrap or repeat stamps.
            throw new InvalidOperationException("HLC wall time exhausted");
        }

        return new HlcTimestamp(wall + 1, 0);
    }

    private long PhysicalMs() => Math.Clamp(_time.GetUtcNow().ToUnixTimeMilliseconds(), 0, HlcTimestamp.MaxWallMs);
}

namespace Grey.Federation.State;

public sealed partial class RegionState
{
    /// <summary>Whether this state records which entries changed (see <see cref="TrackChanges"/>).</summary>
    public bool IsTrackingChanges => _changes is not null;

    /// <summary>Number of entries (registers, counters, sets, progress rows) changed since the last <see cref="TakeChanges"/>.</summary>
    public int PendingChangeCount => _changes?.Count ?? 0;

    /// <summary>
    /// Starts recording which entries change, for <see cref="TakeChanges"/>. Off by default, so a state that is never
    /// exported incrementally (a site's, a decoded one, a region without peers) pays nothing for it. Idempotent.
    /// </summary>
    public void TrackChanges() => _changes ??= new ChangeSet();

    /// <summary>
    /// A new state holding the current value of every entry changed since tracking started or since the last call
    /// (a whole counter or set key when any of its slots or elements changed), and forgets them. Because every entry
    /// only grows in the join's order, a peer that joined every earlier export (or one full state after them) and
    /// then joins this one holds exactly what joining this whole state would give it. Throws when not tracking.
    /// </summary>
    public RegionState TakeChanges()
    {
        ChangeSet changes = _changes ?? throw new InvalidOperationException("this state does not track changes; call TrackChanges first");
        var part = new RegionState();
        foreach (StateKey sk in changes.Registers)
        {
            if (_registers.TryGetValue(sk, out Register reg))
            {
                part._registers.Add(sk, reg);
            }
        }

        foreach (StateKey sk in changes.Counters)
        {
            if (_counters.TryGetValue(sk, out var slots))
            {
                part._counters.Add(sk, new Dictionary<CounterSlot, PnTotals>(slots));
            }
        }

        foreach (StateKey sk in changes.Sets)
        {
            // A set element emptied again (every tag refused) is gone; a key left without elements is gone too.
            if (_sets.TryGetValue(sk, out var elements))
            {
                part._sets.Add(sk, elements.ToDictionary(e => e.Key, e => e.Value.Clone(), StringComparer.Ordinal));
            }
        }

        foreach ((string Site, ulong Epoch) key in changes.Progress)
        {
            part._progress.Add(key, _progress[key]);
        }

        changes.Clear();
        return part;
    }

    /// <summary>The keys changed since the last <see cref="TakeChanges"/>; bounded by the state's own size.</summary>
    private sealed class ChangeSet
    {
        public HashSet<StateKey> Registers { get; } = [];

        public HashSet<StateKey> Counters { get; } = [];

        public HashSet<StateKey> Sets { get; } = [];

        public HashSet<(string Site, ulong Epoch)> Progress { get; } = [];

        public int Count => Registers.Count + Counters.Count + Sets.Count + Progress.Count;

        public void Clear()
        {
            Registers.Clear();
            Counters.Clear();
            Sets.Clear();
            Progress.Clear();
        }
    }
}

using System.Globalization;

namespace Grey.Simulation.Core;

/// <summary>
/// What happened in a run: a running hash over every recorded event (two runs of one seed must end with
/// the same hash) and the last <see cref="Capacity"/> events as text, printed when a seed fails. Events
/// are recorded as numbers and formatted only when someone asks, so tracing costs little per step.
/// </summary>
internal sealed class SimulationTrace
{
    /// <summary>Default number of recent events kept for the failure report.</summary>
    public const int DefaultCapacity = 64;

    /// <summary>Notable events (those with a note: faults, leader changes, membership) kept apart, so a failure report shows them even when message traffic has pushed them out of the main ring.</summary>
    public const int NotableCapacity = 24;

    private readonly TraceEvent[] ring;
    private readonly TraceEvent[] notable = new TraceEvent[NotableCapacity];
    private long count;
    private long notableCount;
    private ulong hash = 14695981039346656037UL;

    public SimulationTrace(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ring = new TraceEvent[capacity];
    }

    /// <summary>How many recent events are kept.</summary>
    public int Capacity => ring.Length;

    /// <summary>Events recorded so far.</summary>
    public long Count => count;

    /// <summary>The running hash over every event recorded so far.</summary>
    public ulong Hash => hash;

    /// <summary>Records one event. <paramref name="note"/> is for rare events (faults); it is hashed too.</summary>
    public void Record(TimeSpan time, string kind, ulong node, ulong peer, long a = 0, long b = 0, string? note = null)
    {
        var e = new TraceEvent(time, kind, node, peer, a, b, note);
        ring[count % ring.Length] = e;
        count++;
        if (note is not null)
        {
            notable[notableCount % notable.Length] = e;
            notableCount++;
        }

        Fold((ulong)time.Ticks);
        FoldString(kind);
        Fold(node);
        Fold(peer);
        Fold((ulong)a);
        Fold((ulong)b);
        if (note is not null)
        {
            FoldString(note);
        }
    }

    /// <summary>The most recent events, oldest first, one per line.</summary>
    public IReadOnlyList<string> Recent(int max)
    {
        int n = (int)Math.Min(Math.Min(max, ring.Length), count);
        var lines = new List<string>(n);
        for (long i = count - n; i < count; i++)
        {
            lines.Add(ring[i % ring.Length].ToString());
        }

        return lines;
    }

    /// <summary>The most recent notable events (those recorded with a note), oldest first.</summary>
    public IReadOnlyList<string> RecentNotable(int max)
    {
        int n = (int)Math.Min(Math.Min(max, notable.Length), notableCount);
        var lines = new List<string>(n);
        for (long i = notableCount - n; i < notableCount; i++)
        {
            lines.Add(notable[i % notable.Length].ToString());
        }

        return lines;
    }

    private void FoldString(string s)
    {
        foreach (char c in s)
        {
            Fold(c);
        }
    }

    private void Fold(ulong value)
    {
        unchecked
        {
            hash = (hash ^ value) * 1099511628211UL;
            hash ^= hash >> 29;
        }
    }

    private readonly record struct TraceEvent(TimeSpan Time, string Kind, ulong Node, ulong Peer, long A, long B, string? Note)
    {
        public override string ToString()
        {
            string t = (Time.Ticks / (double)TimeSpan.TicksPerMillisecond).ToString("0.000", CultureInfo.InvariantCulture);
            string who = Node == 0 ? "sim" : string.Create(CultureInfo.InvariantCulture, $"n{Node}");
            string peer = Peer == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"->{Peer}");
            string numbers = A == 0 && B == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" {A} {B}");
            string note = string.IsNullOrEmpty(Note) ? string.Empty : " " + Note;
            return $"{t}ms {who}{peer} {Kind}{numbers}{note}";
        }
    }
}

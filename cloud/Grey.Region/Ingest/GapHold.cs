namespace Grey.Region.Ingest;

/// <summary>
/// Verified deltas that arrived ahead of a missing range, kept as their wire bytes (so that, once merged,
/// they enter the log exactly as received). Bounded per site epoch, in all, and in bytes; when a site
/// epoch is full the farthest delta is dropped (the nearest ones unblock merging first; the site resends).
/// </summary>
internal sealed class GapHold(int maxPerSiteEpoch, int maxTotal, long maxBytes)
{
    private readonly Dictionary<(string Site, ulong Epoch), List<Held>> _held = [];

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>Holds a delta; false when it was dropped because the hold is full.</summary>
    public bool TryHold(string site, ulong epoch, ulong first, ulong last, byte[] wire)
    {
        if (!_held.TryGetValue((site, epoch), out List<Held>? list))
        {
            list = [];
            _held.Add((site, epoch), list);
        }

        if (list.Any(h => h.First == first && h.Last == last && h.Wire.AsSpan().SequenceEqual(wire)))
        {
            return true;
        }

        if (list.Count >= maxPerSiteEpoch)
        {
            Held? farthest = list.MaxBy(h => h.First);
            if (farthest is null || farthest.First <= first)
            {
                Tidy(site, epoch, list);
                return false;
            }

            Remove(list, farthest);
        }

        if (Count >= maxTotal || Bytes + wire.Length > maxBytes)
        {
            Tidy(site, epoch, list);
            return false;
        }

        list.Add(new Held(first, last, wire));
        Count++;
        Bytes += wire.Length;
        return true;
    }

    /// <summary>Takes every held delta of the site epoch that starts at or before <paramref name="upTo"/>, nearest first.</summary>
    public IReadOnlyList<byte[]> TakeReady(string site, ulong epoch, ulong upTo)
    {
        if (!_held.TryGetValue((site, epoch), out List<Held>? list))
        {
            return [];
        }

        var ready = list.Where(h => h.First <= upTo).OrderBy(h => h.First).ToList();
        foreach (Held h in ready)
        {
            Remove(list, h);
        }

        Tidy(site, epoch, list);
        return [.. ready.Select(h => h.Wire)];
    }

    /// <summary>The site epochs with held deltas.</summary>
    public IReadOnlyList<(string Site, ulong Epoch)> Keys() => [.. _held.Keys];

    private void Remove(List<Held> list, Held h)
    {
        list.Remove(h);
        Count--;
        Bytes -= h.Wire.Length;
    }

    private void Tidy(string site, ulong epoch, List<Held> list)
    {
        if (list.Count == 0)
        {
            _held.Remove((site, epoch));
        }
    }

    private sealed record Held(ulong First, ulong Last, byte[] Wire);
}

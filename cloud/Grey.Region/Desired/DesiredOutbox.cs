using Grey.Federation.Messages;

namespace Grey.Region.Desired;

/// <summary>
/// The region's side of desired-state delivery as a pure core: every change issued, per site in sequence order with
/// its signed envelope; each site's applied mark; and the resend rules. A site gets its pending changes (sequence
/// above its applied mark, oldest first, at most <see cref="DesiredOptions.MaxChangesPerRound"/>) at once when a
/// change is issued, when a status report shows it online (at most every <see cref="DesiredOptions.MinReportResendGap"/>),
/// and again every <see cref="DesiredOptions.ResendInterval"/> while any is pending. No clock, no I/O, not thread-safe:
/// the caller passes the time and serialises calls. Envelopes are signed on first send (through the injected signing
/// function) and kept, so a region restarting over a long journal does not sign every change before it serves.
/// </summary>
internal sealed class DesiredOutbox
{
    private readonly DesiredOptions _options;
    private readonly Func<DesiredChange, byte[]> _sign;
    private readonly Dictionary<string, SiteQueue> _sites = new(StringComparer.Ordinal);

    /// <summary>Creates an empty outbox for <paramref name="region"/>; <paramref name="sign"/> makes a change's signed envelope.</summary>
    public DesiredOutbox(string region, DesiredOptions options, Func<DesiredChange, byte[]> sign)
    {
        _sign = sign ?? throw new ArgumentNullException(nameof(sign));
        Region = Grey.Federation.Identifiers.FederationId.Require(region, nameof(region));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
    }

    /// <summary>The issuing region.</summary>
    public string Region { get; }

    /// <summary>Changes issued in all.</summary>
    public int Count { get; private set; }

    /// <summary>Changes sent again after a first send (a count since this outbox was made).</summary>
    public long Resends { get; private set; }

    /// <summary>Changes sent for the first time (a count since this outbox was made).</summary>
    public long FirstSends { get; private set; }

    /// <summary>The sites that have changes, ordered.</summary>
    public IEnumerable<string> Sites => _sites.Keys.Order(StringComparer.Ordinal);

    /// <summary>The sequence the next change for <paramref name="site"/> gets (1 for the first).</summary>
    public ulong NextSequence(string site) => _sites.TryGetValue(site, out SiteQueue? q) ? (ulong)q.Changes.Count + 1 : 1;

    /// <summary>
    /// Adds an issued change (its sequence must be the site's next: a gap or a repeat is a bug, or a journal that does
    /// not belong to this region) and makes its site due at once.
    /// </summary>
    public void Add(DesiredChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Region != Region)
        {
            throw new InvalidOperationException($"change {change.Sequence} for {change.Site} was issued by {change.Region}, not {Region}");
        }

        if (change.Sequence != NextSequence(change.Site))
        {
            throw new InvalidOperationException($"change for {change.Site} has sequence {change.Sequence}, expected {NextSequence(change.Site)}");
        }

        if (Count >= _options.MaxIssuedChanges)
        {
            throw new InvalidOperationException($"the outbox holds {Count} changes, the most allowed ({_options.MaxIssuedChanges})");
        }

        if (!_sites.TryGetValue(change.Site, out SiteQueue? queue))
        {
            queue = new SiteQueue();
            _sites.Add(change.Site, queue);
        }

        queue.Changes.Add(new Slot(change));
        queue.Keys.Add(change.Key);
        queue.Due = true;
        Count++;
    }

    /// <summary>Whether one more change may be issued (<see cref="DesiredOptions.MaxIssuedChanges"/>).</summary>
    public bool IsFull => Count >= _options.MaxIssuedChanges;

    /// <summary>The keys <paramref name="site"/>'s changes wrote (where its applied mark is read from).</summary>
    public IReadOnlyCollection<string> KeysOf(string site) => _sites.TryGetValue(site, out SiteQueue? q) ? q.Keys : [];

    /// <summary>The site's applied mark (0 when nothing is known applied).</summary>
    public ulong AppliedOf(string site) => _sites.TryGetValue(site, out SiteQueue? q) ? q.Applied : 0;

    /// <summary>Changes issued for <paramref name="site"/> and not yet applied.</summary>
    public ulong PendingOf(string site) => _sites.TryGetValue(site, out SiteQueue? q) ? (ulong)q.Changes.Count - q.Applied : 0;

    /// <summary>
    /// Records that <paramref name="site"/> applied every change up to <paramref name="applied"/> (a mark never goes
    /// back; one beyond what was issued is clamped: it can only come from changes this region's journal lost, and
    /// those are resent when reissued). Returns whether the mark moved.
    /// </summary>
    public bool MarkApplied(string site, ulong applied)
    {
        if (!_sites.TryGetValue(site, out SiteQueue? queue))
        {
            return false;
        }

        ulong mark = Math.Min(applied, (ulong)queue.Changes.Count);
        if (mark <= queue.Applied)
        {
            return false;
        }

        queue.Applied = mark;

        // A site catching up in rounds gets its next round as soon as it applied the last one.
        if (queue.Pending > 0 && queue.HighestSent < (ulong)queue.Changes.Count)
        {
            queue.Due = true;
        }

        return true;
    }

    /// <summary>A status report from <paramref name="site"/> arrived: it is online, so its pending changes go out soon.</summary>
    public void SiteReported(string site, DateTimeOffset now)
    {
        if (_sites.TryGetValue(site, out SiteQueue? queue) && queue.Pending > 0
            && (queue.LastSent is not { } last || now - last >= _options.MinReportResendGap))
        {
            queue.Due = true;
        }
    }

    /// <summary>
    /// The sends due at <paramref name="now"/>, site by site (ordered), each site's pending changes oldest first and
    /// at most <see cref="DesiredOptions.MaxChangesPerRound"/> of them; the sites sent to are not due again until an
    /// issue, a report or the resend interval.
    /// </summary>
    public IReadOnlyList<DesiredSend> TakeDue(DateTimeOffset now)
    {
        var sends = new List<DesiredSend>();
        foreach ((string site, SiteQueue queue) in _sites.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (queue.Pending == 0)
            {
                queue.Due = false;
                continue;
            }

            bool timer = queue.LastSent is not { } last || now - last >= _options.ResendInterval;
            if (!queue.Due && !timer)
            {
                continue;
            }

            ulong from = queue.Applied + 1;
            ulong to = Math.Min((ulong)queue.Changes.Count, queue.Applied + (ulong)_options.MaxChangesPerRound);
            for (ulong sequence = from; sequence <= to; sequence++)
            {
                bool resend = sequence <= queue.HighestSent;
                Slot slot = queue.Changes[(int)(sequence - 1)];
                slot.Signed ??= _sign(slot.Change);
                sends.Add(new DesiredSend(site, sequence, slot.Signed, resend));
                if (resend)
                {
                    Resends++;
                }
                else
                {
                    FirstSends++;
                }
            }

            queue.HighestSent = Math.Max(queue.HighestSent, to);
            queue.LastSent = now;
            queue.Due = false;
        }

        return sends;
    }

    /// <summary>How long until the next site is due by the resend timer (null when nothing is pending; zero when one is due now).</summary>
    public TimeSpan? NextDueIn(DateTimeOffset now)
    {
        TimeSpan? next = null;
        foreach (SiteQueue queue in _sites.Values)
        {
            if (queue.Pending == 0)
            {
                continue;
            }

            TimeSpan wait = queue.Due || queue.LastSent is not { } last ? TimeSpan.Zero : last + _options.ResendInterval - now;
            wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            next = next is { } n && n <= wait ? n : wait;
        }

        return next;
    }

    /// <summary>Every change issued for <paramref name="site"/>, in sequence order, with whether it is applied.</summary>
    public IReadOnlyList<IssuedChange> List(string site) => _sites.TryGetValue(site, out SiteQueue? q)
        ? [.. q.Changes.Select(c => new IssuedChange(c.Change, c.Change.Sequence <= q.Applied))]
        : [];

    private sealed class SiteQueue
    {
        public List<Slot> Changes { get; } = [];

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public ulong Applied { get; set; }

        public ulong HighestSent { get; set; }

        public DateTimeOffset? LastSent { get; set; }

        public bool Due { get; set; }

        public ulong Pending => (ulong)Changes.Count - Applied;
    }

    private sealed class Slot(DesiredChange change)
    {
        public DesiredChange Change { get; } = change;

        public byte[]? Signed { get; set; }
    }
}

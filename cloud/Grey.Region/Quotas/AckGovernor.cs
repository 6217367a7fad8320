using Grey.Region.Ingest;

namespace Grey.Region.Quotas;

/// <summary>
/// Enforces per-site quotas by delaying signed acknowledgements, never data. Every authenticated delta a site sends
/// is charged to its buckets (one delta, its wire bytes) as it is ingested; the acknowledgements a flush produced
/// then pass through <see cref="Admit"/>: a site out of debt gets its acknowledgement at once, a site in debt has it
/// held until its buckets are back at zero. Acknowledgements are cumulative, so only the newest per site is held (a
/// newer one replaces it; at most one per metered site, so the hold is bounded by <see cref="QuotaOptions.MaxSites"/>).
/// The site's bounded in-flight window fills while it waits, and it slows down to its quota. The merge, the flush and
/// the broker settlement are untouched. Pure and single-threaded: the caller (<c>RegionHost</c>, under its lock)
/// passes the acks, and time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AckGovernor
{
    private readonly QuotaOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SiteMeter> _sites = new(StringComparer.Ordinal);

    public AckGovernor(QuotaOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Whether any site can be limited (otherwise every call passes straight through).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>Charges that found no room in the site table (the site went unmetered for that delta).</summary>
    public long Unmetered { get; private set; }

    /// <summary>Acknowledgements held now.</summary>
    public int HeldCount => _sites.Values.Count(m => m.Held is not null);

    /// <summary>Charges one authenticated delta of <paramref name="site"/> with <paramref name="wireBytes"/> bytes.</summary>
    public void Charge(string site, int wireBytes)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentOutOfRangeException.ThrowIfNegative(wireBytes);
        if (!_options.Enabled)
        {
            return;
        }

        long now = _time.GetTimestamp();
        SiteMeter? meter = Meter(site, now);
        if (meter is null)
        {
            Unmetered++;
            return;
        }

        meter.Deltas?.Charge(1, now);
        meter.Bytes?.Charge(wireBytes, now);
    }

    /// <summary>
    /// Decides the acknowledgements a flush produced, and releases held ones that are due: returns what to send now
    /// (the new ones sent at once, then the released held ones). A held acknowledgement replaced by a newer one is
    /// never sent: the newer covers it.
    /// </summary>
    public IReadOnlyList<SignedAck> Admit(IReadOnlyList<SignedAck> acks)
    {
        ArgumentNullException.ThrowIfNull(acks);
        if (!_options.Enabled)
        {
            return acks;
        }

        long now = _time.GetTimestamp();
        var send = new List<SignedAck>(acks.Count);
        foreach (SignedAck ack in acks)
        {
            SiteMeter? meter = _sites.GetValueOrDefault(ack.Site);
            if (meter is null || meter.Delay(now) == TimeSpan.Zero)
            {
                if (meter?.Held is not null)
                {
                    // Superseded by this newer acknowledgement, which goes out now: the hold ends here.
                    meter.EndHold(now, _time.TimestampFrequency);
                }

                send.Add(ack);
                continue;
            }

            meter.AcksDelayed++;
            meter.HeldSince ??= now;
            meter.Held = ack;
        }

        // Then the other sites' held acknowledgements that are due (a site that just got a newer one holds none now).
        ReleaseDue(now, send);
        return send;
    }

    /// <summary>The held acknowledgements that are due now (for a turn that produced no acknowledgement of its own).</summary>
    public IReadOnlyList<SignedAck> ReleaseDue()
    {
        if (!_options.Enabled)
        {
            return [];
        }

        var send = new List<SignedAck>();
        ReleaseDue(_time.GetTimestamp(), send);
        return send;
    }

    /// <summary>The status of a metered site, or null when it is not metered (unlimited, or not seen since its bucket was pruned).</summary>
    public SiteQuotaStatus? Status(string site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return _sites.TryGetValue(site, out SiteMeter? meter) ? meter.Status(site, _options.For(site), _time.GetTimestamp(), _time.TimestampFrequency) : null;
    }

    /// <summary>Every metered site's status, ordered by site id.</summary>
    public IReadOnlyList<SiteQuotaStatus> Statuses()
    {
        long now = _time.GetTimestamp();
        return [.. _sites.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.Status(p.Key, _options.For(p.Key), now, _time.TimestampFrequency))];
    }

    private void ReleaseDue(long now, List<SignedAck> send)
    {
        foreach (SiteMeter meter in _sites.Values)
        {
            if (meter.Held is { } held && meter.Delay(now) == TimeSpan.Zero)
            {
                meter.EndHold(now, _time.TimestampFrequency);
                send.Add(held);
            }
        }
    }

    private SiteMeter? Meter(string site, long now)
    {
        if (_sites.TryGetValue(site, out SiteMeter? meter))
        {
            return meter;
        }

        SiteQuota quota = _options.For(site);
        if (quota.IsUnlimited)
        {
            return null;
        }

        if (_sites.Count >= _options.MaxSites)
        {
            // Forget sites whose buckets refilled and that hold nothing and were never delayed: they carry no
            // information. Only done when full, so the scan is rare.
            foreach (string idle in _sites.Where(p => p.Value.IsIdle(now)).Select(p => p.Key).ToList())
            {
                _sites.Remove(idle);
            }

            if (_sites.Count >= _options.MaxSites)
            {
                return null;
            }
        }

        double burst = _options.Burst.TotalSeconds;
        double maxDelay = _options.MaxDelay.TotalSeconds;
        long frequency = _time.TimestampFrequency;
        meter = new SiteMeter(
            quota.DeltasPerSecond > 0 ? new TokenBucket(quota.DeltasPerSecond, Math.Max(1, quota.DeltasPerSecond * burst), quota.DeltasPerSecond * maxDelay, now, frequency) : null,
            quota.BytesPerSecond > 0 ? new TokenBucket(quota.BytesPerSecond, Math.Max(1, quota.BytesPerSecond * burst), quota.BytesPerSecond * maxDelay, now, frequency) : null);
        _sites[site] = meter;
        return meter;
    }

    /// <summary>One metered site: its buckets (null for an unlimited measure), its counters and its held acknowledgement.</summary>
    private sealed class SiteMeter(TokenBucket? deltas, TokenBucket? bytes)
    {
        public TokenBucket? Deltas { get; } = deltas;

        public TokenBucket? Bytes { get; } = bytes;

        public SignedAck? Held { get; set; }

        /// <summary>When the current hold began (kept when a newer acknowledgement replaces the held one).</summary>
        public long? HeldSince { get; set; }

        public long AcksDelayed { get; set; }

        public double DelaySecondsTotal { get; private set; }

        public TimeSpan Delay(long now)
        {
            TimeSpan d = Deltas?.Delay(now) ?? TimeSpan.Zero;
            TimeSpan b = Bytes?.Delay(now) ?? TimeSpan.Zero;
            return d > b ? d : b;
        }

        public void EndHold(long now, long frequency)
        {
            if (HeldSince is { } since)
            {
                DelaySecondsTotal += (now - since) / (double)frequency;
            }

            Held = null;
            HeldSince = null;
        }

        public bool IsIdle(long now) => Held is null && AcksDelayed == 0 && (Deltas?.IsFull(now) ?? true) && (Bytes?.IsFull(now) ?? true);

        public SiteQuotaStatus Status(string site, SiteQuota quota, long now, long frequency)
        {
            TimeSpan delay = Delay(now);
            double holding = HeldSince is { } since ? (now - since) / (double)frequency : 0;
            return new SiteQuotaStatus(site, quota, Held is not null || delay > TimeSpan.Zero, AcksDelayed, DelaySecondsTotal + holding, Held?.MergedIndex, delay);
        }
    }
}

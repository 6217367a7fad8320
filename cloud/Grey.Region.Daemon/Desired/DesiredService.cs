using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Region.Desired;
using Grey.Region.Hosting;

namespace Grey.Region.Daemon.Desired;

/// <summary>
/// The daemon's desired-state delivery: issues changes (sequence per site, journaled and fsynced, added to the ledger
/// under the host's lock, then queued), and runs the sender, which publishes each site's pending changes on every
/// configured transport (<see cref="IRegionTransport.PublishDesiredAsync"/>) by the rules of <see cref="DesiredOutbox"/>
/// and reads each site's applied mark from the merged state (<see cref="DesiredAppliedMark"/>) whenever a delta of a
/// site with pending changes was settled, a status report of it arrived, or a round is due. Envelopes are signed with
/// the region's signing certificate, the one its acknowledgements are signed with, so a site verifies them with the
/// trust it already has.
/// </summary>
internal sealed class DesiredService : IDesiredSiteObserver, IAsyncDisposable
{
    /// <summary>How long the sender sleeps when nothing is pending (a wake-up ends the sleep at once).</summary>
    public static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(30);

    private readonly string _region;
    private readonly DesiredJournal _journal;
    private readonly HybridLogicalClock _clock;
    private readonly TimeProvider _time;
    private readonly DesiredOutbox _outbox;
    private readonly Lock _lock = new();
    private readonly Lock _issueLock = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private RegionHost? _host;
    private IRegionTransport? _transport;
    private Task _loop = Task.CompletedTask;
    private bool _faulted;
    private long _issued;
    private long _published;
    private long _publishFailures;
    private long _appliedMoves;

    private DesiredService(string region, DesiredJournal journal, DesiredOutbox outbox, DesiredChangeLedger ledger, HybridLogicalClock clock, TimeProvider time)
    {
        _region = region;
        _journal = journal;
        _outbox = outbox;
        Ledger = ledger;
        _clock = clock;
        _time = time;
    }

    /// <summary>The ledger of every change issued; the region core is opened over it (replay and merges consult it).</summary>
    public DesiredChangeLedger Ledger { get; }

    /// <summary>The journal (its path and the torn bytes cut at open).</summary>
    public DesiredJournal Journal => _journal;

    /// <summary>
    /// Loads the journal under <paramref name="dataDirectory"/> into a new ledger and outbox. Call it before the region
    /// core opens. Throws <see cref="InvalidDataException"/> (naming file and offset) when the journal is damaged.
    /// </summary>
    public static DesiredService Open(string dataDirectory, string region, X509Certificate2 certificate, DesiredOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var signer = new MessageSigner(certificate);
        DesiredJournal journal = DesiredJournal.Open(dataDirectory, region, out IReadOnlyList<DesiredChange> changes);
        try
        {
            var ledger = new DesiredChangeLedger();
            var outbox = new DesiredOutbox(region, options, c => signer.SignEnvelope(c.Encode()));
            var clock = new HybridLogicalClock(time);
            foreach (DesiredChange change in changes)
            {
                if (outbox.IsFull)
                {
                    throw new InvalidDataException($"{journal.Path}: holds more than {options.MaxIssuedChanges} changes");
                }

                ledger.Add(change);
                outbox.Add(change);
            }

            if (changes.Count > 0)
            {
                // Stamps keep rising across restarts even if the wall clock went back.
                clock.MovePast(changes.Max(c => c.Stamp));
            }

            return new DesiredService(region, journal, outbox, ledger, clock, time);
        }
        catch
        {
            journal.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts the sender, publishing on <paramref name="transport"/> (every configured broker), and returns
    /// <paramref name="loopTransport"/> (what the ingest loop would run) wrapped so that it tells this service of status
    /// reports and settled deltas.
    /// </summary>
    public IRegionTransport Attach(RegionHost host, IRegionTransport transport, IRegionTransport loopTransport)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(loopTransport);
        if (_host is not null)
        {
            throw new InvalidOperationException("the desired-state service is already attached");
        }

        _host = host;
        _transport = transport;
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return new DesiredObservingTransport(loopTransport, this);
    }

    /// <summary>
    /// Issues a put (<paramref name="value"/> non-null) or delete of <paramref name="key"/> (under <c>desired/</c>) for
    /// <paramref name="site"/>: numbered, journaled and fsynced, added to the ledger, queued; only then does it return.
    /// Throws <see cref="ArgumentException"/> for a bad site, key or value (the API checks them first), and
    /// <see cref="IOException"/> when the journal write fails (the service then refuses further changes).
    /// </summary>
    public DesiredIssueResult Issue(string site, string key, byte[]? value)
    {
        RegionHost host = _host ?? throw new InvalidOperationException("the desired-state service is not attached");
        lock (_issueLock)
        {
            if (_faulted)
            {
                return new DesiredIssueResult(DesiredIssueStatus.Faulted, null, "a journal write failed earlier; restart the region");
            }

            ulong sequence;
            lock (_lock)
            {
                if (_outbox.IsFull)
                {
                    return new DesiredIssueResult(DesiredIssueStatus.Full, null, $"this region holds {_outbox.Count} desired changes, the most it keeps");
                }

                sequence = _outbox.NextSequence(site);
            }

            var change = new DesiredChange(_region, site, sequence, key, value, _clock.Now());
            try
            {
                _journal.Append(change);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The record may or may not be on disk: numbering on would risk two changes with one sequence.
                _faulted = true;
                throw new IOException($"{_journal.Path}: {e.Message}", e);
            }

            // The ledger is read by merges under the host's lock; the change is in it before any site can hear of it.
            host.Read(_ =>
            {
                Ledger.Add(change);
                return true;
            });
            lock (_lock)
            {
                _outbox.Add(change);
            }

            Interlocked.Increment(ref _issued);
            Wake();
            return new DesiredIssueResult(DesiredIssueStatus.Issued, change, "issued");
        }
    }

    /// <summary>Every change issued for <paramref name="site"/>, in sequence order, with whether it is applied.</summary>
    public IReadOnlyList<IssuedChange> List(string site)
    {
        lock (_lock)
        {
            return _outbox.List(site);
        }
    }

    /// <summary>The site's applied mark as last read from merged state.</summary>
    public ulong AppliedOf(string site)
    {
        lock (_lock)
        {
            return _outbox.AppliedOf(site);
        }
    }

    /// <summary>Changes pending for <paramref name="site"/> (issued, not applied).</summary>
    public ulong PendingOf(string site)
    {
        lock (_lock)
        {
            return _outbox.PendingOf(site);
        }
    }

    /// <summary>Changes sent again after their first send.</summary>
    public long Resends
    {
        get
        {
            lock (_lock)
            {
                return _outbox.Resends;
            }
        }
    }

    /// <summary>Publishes that succeeded (every transport part counted once per change).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <inheritdoc />
    public void SiteReported(string site)
    {
        lock (_lock)
        {
            if (_outbox.PendingOf(site) == 0)
            {
                return;
            }

            _outbox.SiteReported(site, _time.GetUtcNow());
        }

        Wake();
    }

    /// <inheritdoc />
    public void DeltaSettled(string site)
    {
        lock (_lock)
        {
            if (_outbox.PendingOf(site) == 0)
            {
                return;
            }
        }

        Wake();
    }

    /// <summary>Appends the desired-state metrics in the Prometheus text format.</summary>
    public void AppendMetrics(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        List<(string Site, ulong Pending)> pending;
        long resends, firsts;
        lock (_lock)
        {
            pending = [.. _outbox.Sites.Select(s => (s, _outbox.PendingOf(s)))];
            resends = _outbox.Resends;
            firsts = _outbox.FirstSends;
        }

        Counter(sb, "grey_region_desired_issued_total", "Desired-state changes issued since start.", Interlocked.Read(ref _issued));
        Counter(sb, "grey_region_desired_sends_total", "Desired-state changes sent for the first time since start.", firsts);
        Counter(sb, "grey_region_desired_resends_total", "Desired-state changes sent again (not yet applied) since start.", resends);
        Counter(sb, "grey_region_desired_publish_failures_total", "Desired-state publishes the transport failed.", Interlocked.Read(ref _publishFailures));
        Counter(sb, "grey_region_desired_applied_moves_total", "Times a site's applied mark moved.", Interlocked.Read(ref _appliedMoves));
        sb.Append("# HELP grey_region_desired_pending Desired-state changes issued for the site and not yet applied.\n# TYPE grey_region_desired_pending gauge\n");
        foreach ((string site, ulong count) in pending)
        {
            sb.Append(CultureInfo.InvariantCulture, $"grey_region_desired_pending{{site=\"{site}\"}} {count}\n");
        }
    }

    /// <summary>Stops the sender (call it before the transports are disposed) and closes the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _journal.Dispose();
        _stop.Dispose();
    }

    /// <summary>One round now (tests and the loop): refresh applied marks, then publish what is due.</summary>
    internal async Task RoundAsync(CancellationToken cancellationToken)
    {
        RefreshApplied();
        IReadOnlyList<DesiredSend> sends;
        lock (_lock)
        {
            sends = _outbox.TakeDue(_time.GetUtcNow());
        }

        foreach (DesiredSend send in sends)
        {
            try
            {
                await _transport!.PublishDesiredAsync(send.Site, send.Signed, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _published);
            }
            catch (RegionTransportException)
            {
                // The resend timer (or the site's next report) repairs it.
                Interlocked.Increment(ref _publishFailures);
            }
        }
    }

    private static void Counter(StringBuilder sb, string name, string help, long value) =>
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RoundAsync(cancellationToken).ConfigureAwait(false);
            TimeSpan wait;
            lock (_lock)
            {
                wait = _outbox.NextDueIn(_time.GetUtcNow()) ?? IdleWait;
            }

            if (wait > TimeSpan.Zero)
            {
                using var timeout = new CancellationTokenSource(wait, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await _wake.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The resend timer is due.
                }
            }

            _wake.Reader.TryRead(out _);
        }
    }

    /// <summary>Reads the applied mark of every site with pending changes from the merged state (one pass under the host's lock).</summary>
    private void RefreshApplied()
    {
        List<(string Site, string[] Keys)> work;
        lock (_lock)
        {
            work = [.. _outbox.Sites.Where(s => _outbox.PendingOf(s) > 0).Select(s => (s, _outbox.KeysOf(s).ToArray()))];
        }

        if (work.Count == 0)
        {
            return;
        }

        ulong[] marks = _host!.Read(core => work.Select(w => DesiredAppliedMark.Compute(core.State, _region, w.Site, w.Keys)).ToArray());
        lock (_lock)
        {
            for (int i = 0; i < work.Count; i++)
            {
                if (_outbox.MarkApplied(work[i].Site, marks[i]))
                {
                    Interlocked.Increment(ref _appliedMoves);
                }
            }
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);
}

using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Identifiers;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Federation.State;

namespace Grey.Federation.Merge;

/// <summary>
/// A region's merge core: takes signed deltas (and other regions' deltas) and returns outcomes as values;
/// it never throws for bad or unlucky input. It checks, in order: size, envelope and SignedData profile,
/// delta format and version, signer known, signature, signer of the delta's site, then chain and index
/// order; it merges what is new, skips what is already merged, holds (bounded) what is ahead of a gap and
/// releases it when the gap closes. Pure: no I/O, no clock. Not thread-safe: one caller at a time.
/// </summary>
public sealed class RegionMerger
{
    private readonly ISignerDirectory _signers;
    private readonly IDesiredChangeLedger _ledger;
    private readonly RegionMergerOptions _options;
    private readonly RegionState _state = new();
    private readonly Dictionary<(string Site, ulong Epoch), List<SiteDelta>> _held = [];
    private int _heldTotal;

    /// <summary>Creates a merger for <paramref name="region"/>. Throws <see cref="ArgumentException"/> on invalid options.</summary>
    public RegionMerger(string region, ISignerDirectory signers, IDesiredChangeLedger ledger, RegionMergerOptions? options = null)
    {
        Region = FederationId.Require(region, nameof(region));
        _signers = signers ?? throw new ArgumentNullException(nameof(signers));
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _options = options ?? new RegionMergerOptions();
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
    }

    /// <summary>This region's id.</summary>
    public string Region { get; }

    /// <summary>The merged state. Owned by the merger: read it, do not change it.</summary>
    public RegionState State => _state;

    /// <summary>Event counters (not part of the state hash).</summary>
    public MergeCounters Counters { get; } = new();

    /// <summary>Deltas currently held ahead of a gap.</summary>
    public int HeldCount => _heldTotal;

    /// <summary>The state hash (see <see cref="RegionState.ComputeHash"/>).</summary>
    public byte[] ComputeStateHash() => _state.ComputeHash();

    /// <summary>
    /// Verifies and merges a signed delta as it came off the wire (compressed or not).
    /// <paramref name="subjectSite"/>, when given, is the site the transport subject or topic names.
    /// </summary>
    public MergeOutcome Merge(ReadOnlyMemory<byte> wire, string? subjectSite = null)
    {
        MergeOutcome outcome = Verify(wire, subjectSite, out Delta? delta);
        if (delta is null)
        {
            Counters.Record(outcome);
            return outcome;
        }

        return MergeVerified(delta);
    }

    /// <summary>Joins another region's delta; releases held deltas it made contiguous. Returns the conflicts resolved.</summary>
    public int JoinRegionDelta(RegionDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        int conflicts = _state.Join(delta.RawState);
        Counters.RecordConflicts(conflicts);
        foreach ((string Site, ulong Epoch) key in _held.Keys.ToList())
        {
            ReleaseHeld(key);
        }

        return conflicts;
    }

    /// <summary>What this region shares with the others: its whole merged state.</summary>
    public RegionDelta ExportRegionDelta() => new(Region, _state);

    /// <summary>
    /// What changed since the previous call (see <see cref="RegionState.TakeChanges"/>): a region delta that brings a
    /// peer which joined every earlier export to exactly the state a whole export would. Null when nothing changed.
    /// The state must track changes (<see cref="RegionState.TrackChanges"/>).
    /// </summary>
    public RegionDelta? ExportRegionChanges()
    {
        if (_state.PendingChangeCount == 0)
        {
            return null;
        }

        return new RegionDelta(Region, _state.TakeChanges());
    }

    /// <summary>The acknowledgement of a site epoch's merged progress, or null when nothing is merged.</summary>
    public RegionAck? CreateAck(string site, ulong epoch) =>
        _state.TryGetProgress(site, epoch, out SiteProgress p) ? new RegionAck(Region, site, epoch, p.MergedIndex, p.ChainHash) : null;

    /// <summary>Merges a delta whose signature and signer were already checked.</summary>
    internal MergeOutcome MergeVerified(Delta delta)
    {
        MergeOutcome outcome = delta switch
        {
            SiteDelta sd => ApplySite(sd),
            CheckpointDelta cd => ApplyCheckpoint(cd),
            _ => throw new InvalidOperationException($"unknown delta type {delta.GetType()}"),
        };
        if (outcome.Status == MergeStatus.Applied)
        {
            outcome = outcome with { Released = ReleaseHeld((delta.Site, delta.Epoch)) };
        }

        Counters.Record(outcome);
        return outcome;
    }

    private MergeOutcome Verify(ReadOnlyMemory<byte> wire, string? subjectSite, out Delta? delta)
    {
        delta = null;
        if (wire.Length > FederationLimits.MaxEnvelopeBytes)
        {
            return MergeOutcome.Reject(MergeStatus.TooLarge, $"{wire.Length} bytes, at most {FederationLimits.MaxEnvelopeBytes} accepted");
        }

        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        if (!env.IsSuccess)
        {
            return MergeOutcome.Reject(StatusOf(env.Error), env.Error.Message);
        }

        DecodeResult<Delta> decoded = Delta.Decode(env.Value.Content);
        if (!decoded.IsSuccess)
        {
            return MergeOutcome.Reject(StatusOf(decoded.Error), decoded.Error.Message);
        }

        Delta d = decoded.Value;
        MergeOutcome Reject(MergeStatus status, string reason) => MergeOutcome.Reject(status, reason) with
        {
            Site = d.Site, Epoch = d.Epoch, FirstIndex = (d as SiteDelta)?.FirstIndex ?? 1, LastIndex = d.LastIndex,
        };

        KnownSigner? signer = _signers.Find(env.Value.KeyId.Span);
        if (signer is null)
        {
            return Reject(MergeStatus.SignerUnknown, $"no trusted signer with key id {Convert.ToHexString(env.Value.KeyId.Span)}");
        }

        SignatureCheck check = env.Value.Verify(_ => signer.Certificate);
        if (!check.IsValid)
        {
            return Reject(MergeStatus.SignatureInvalid, check.Reason);
        }

        if (signer.Site != d.Site)
        {
            return Reject(MergeStatus.SignerNotOfSite, $"signer belongs to site {signer.Site}, the delta names {d.Site}");
        }

        if (subjectSite is not null && subjectSite != d.Site)
        {
            return Reject(MergeStatus.SignerNotOfSite, $"the subject names site {subjectSite}, the delta names {d.Site}");
        }

        delta = d;
        return MergeOutcome.Reject(MergeStatus.Applied, "verified");
    }

    private static MergeStatus StatusOf(DecodeError error) => error.Code switch
    {
        DecodeErrorCode.TooLarge => MergeStatus.TooLarge,
        DecodeErrorCode.UnsupportedVersion => MergeStatus.UnsupportedVersion,
        _ => MergeStatus.Malformed,
    };

    private (ulong Index, byte[] Hash) ProgressOf(string site, ulong epoch) =>
        _state.TryGetProgress(site, epoch, out SiteProgress p) ? (p.MergedIndex, p.RawChainHash) : (0, ChainHash.Genesis(site, epoch));

    private MergeOutcome ApplySite(SiteDelta d)
    {
        (ulong m, byte[] hm) = ProgressOf(d.Site, d.Epoch);
        var about = new MergeOutcome
        {
            Status = MergeStatus.Applied, Reason = "applied", Site = d.Site, Epoch = d.Epoch,
            FirstIndex = d.FirstIndex, LastIndex = d.LastIndex, MergedIndex = m,
        };
        if (d.LastIndex <= m)
        {
            return d.LastIndex == m && !d.ChainAfter.SequenceEqual(hm)
                ? about with { Status = MergeStatus.ChainBroken, Reason = $"chain hash at {m} differs from the merged one (a forked log)" }
                : about with { Status = MergeStatus.Duplicate, Reason = $"already merged up to {m}" };
        }

        if (d.FirstIndex > m + 1)
        {
            return Hold(d, about);
        }

        // Verify the whole chain before touching the state: from the hash before the delta through the
        // entries already merged (which must land on the merged hash) to the claimed hash after it.
        byte[] h = d.RawChainBefore;
        bool atMergedChecked = false;
        if (d.FirstIndex - 1 == m)
        {
            if (!h.AsSpan().SequenceEqual(hm))
            {
                return about with { Status = MergeStatus.ChainBroken, Reason = $"chain hash before {d.FirstIndex} does not continue the merged chain at {m}" };
            }

            atMergedChecked = true;
        }

        var fresh = new List<DataEntry>(d.Entries.Count);
        int skipped = 0;
        IReadOnlyList<byte[]> chain = d.ChainAfterEach;
        for (int i = 0; i < d.Entries.Count; i++)
        {
            DataEntry e = d.Entries[i];
            if (e.Index > m && !atMergedChecked)
            {
                if (!h.AsSpan().SequenceEqual(hm))
                {
                    return about with { Status = MergeStatus.ChainBroken, Reason = $"entries up to {m} do not hash to the merged chain hash" };
                }

                atMergedChecked = true;
            }

            h = chain[i];
            if (e.Index > m)
            {
                fresh.Add(e);
            }
            else
            {
                skipped += e.Operations.Count;
            }
        }

        if (!atMergedChecked && !h.AsSpan().SequenceEqual(hm))
        {
            return about with { Status = MergeStatus.ChainBroken, Reason = $"entries up to {m} do not hash to the merged chain hash" };
        }

        if (!h.AsSpan().SequenceEqual(d.ChainAfter))
        {
            return about with { Status = MergeStatus.ChainBroken, Reason = $"entries do not hash to the claimed chain hash at {d.LastIndex}" };
        }

        ApplyCounts counts = SiteLogApplier.ApplyEntries(_state, d.Site, d.Epoch, fresh, _ledger);
        _state.AdvanceProgress(d.Site, d.Epoch, d.LastIndex, d.RawChainAfter);
        return about with
        {
            MergedIndex = d.LastIndex, OperationsApplied = counts.Applied, OperationsSkippedOverlap = skipped,
            OwnershipViolations = counts.OwnershipViolations, Conflicts = counts.Conflicts,
            Reason = skipped > 0 ? $"applied {d.FirstIndex}-{d.LastIndex}, entries up to {m} already merged" : $"applied {d.FirstIndex}-{d.LastIndex}",
        };
    }

    private MergeOutcome ApplyCheckpoint(CheckpointDelta d)
    {
        (ulong m, byte[] hm) = ProgressOf(d.Site, d.Epoch);
        var about = new MergeOutcome
        {
            Status = MergeStatus.Applied, Reason = "applied", Site = d.Site, Epoch = d.Epoch,
            FirstIndex = 1, LastIndex = d.LastIndex, MergedIndex = m,
        };
        if (d.LastIndex <= m)
        {
            return d.LastIndex == m && !d.ChainAfter.SequenceEqual(hm)
                ? about with { Status = MergeStatus.ChainBroken, Reason = $"checkpoint chain hash at {m} differs from the merged one (a forked log)" }
                : about with { Status = MergeStatus.Duplicate, Reason = $"checkpoint at {d.LastIndex}, already merged up to {m}" };
        }

        ApplyCounts counts = CheckpointMerge.Join(_state, d.Site, d.Epoch, d.RawState, _ledger);
        _state.AdvanceProgress(d.Site, d.Epoch, d.LastIndex, d.RawChainAfter);
        return about with
        {
            MergedIndex = d.LastIndex, Folded = true, OperationsApplied = counts.Applied,
            OwnershipViolations = counts.OwnershipViolations, Conflicts = counts.Conflicts,
            Reason = $"checkpoint at {d.LastIndex} joined over folded history from {m}",
        };
    }

    private MergeOutcome Hold(SiteDelta d, MergeOutcome about)
    {
        var key = (d.Site, d.Epoch);
        if (!_held.TryGetValue(key, out List<SiteDelta>? list))
        {
            list = [];
            _held.Add(key, list);
        }

        if (list.Any(h => h.FirstIndex == d.FirstIndex && h.LastIndex == d.LastIndex && h.ChainAfter.SequenceEqual(d.ChainAfter)))
        {
            return about with { Status = MergeStatus.Gap, Held = true, Reason = $"already held: {d.FirstIndex}-{d.LastIndex} waits for {about.MergedIndex + 1}-{d.FirstIndex - 1}" };
        }

        if (list.Count >= _options.MaxHeldPerSiteEpoch)
        {
            // Keep the deltas nearest the gap: they are the ones that unblock merging first.
            SiteDelta farthest = list.MaxBy(h => h.FirstIndex)!;
            if (list.Count == 0 || farthest.FirstIndex <= d.FirstIndex)
            {
                return about with { Status = MergeStatus.Gap, Held = false, Reason = $"hold full ({_options.MaxHeldPerSiteEpoch} for this site epoch): dropped, the site resends" };
            }

            list.Remove(farthest);
            _heldTotal--;
        }

        if (_heldTotal >= _options.MaxHeldTotal)
        {
            return about with { Status = MergeStatus.Gap, Held = false, Reason = $"hold full ({_options.MaxHeldTotal} in all): dropped, the site resends" };
        }

        list.Add(d);
        _heldTotal++;
        return about with { Status = MergeStatus.Gap, Held = true, Reason = $"held: {d.FirstIndex}-{d.LastIndex} waits for {about.MergedIndex + 1}-{d.FirstIndex - 1}" };
    }

    private int ReleaseHeld((string Site, ulong Epoch) key)
    {
        int released = 0;
        while (_held.TryGetValue(key, out List<SiteDelta>? list))
        {
            (ulong m, _) = ProgressOf(key.Site, key.Epoch);
            int before = list.Count;
            list.RemoveAll(h => h.LastIndex <= m);
            _heldTotal -= before - list.Count;
            SiteDelta? next = list.Where(h => h.FirstIndex <= m + 1).MinBy(h => h.FirstIndex);
            if (next is null)
            {
                if (list.Count == 0)
                {
                    _held.Remove(key);
                }

                break;
            }

            list.Remove(next);
            _heldTotal--;
            MergeOutcome o = ApplySite(next);
            Counters.Record(o);
            if (o.Status == MergeStatus.Applied)
            {
                released++;
            }
        }

        return released;
    }
}

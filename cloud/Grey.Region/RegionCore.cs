using System.Security.Cryptography.X509Certificates;
using Grey.Federation;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Region.Ingest;
using Grey.Region.Quarantine;
using Grey.Region.Registry;
using Grey.Region.Status;
using Grey.Region.Storage;

namespace Grey.Region;

/// <summary>
/// One cloud region's core: ingests signed site deltas (verify, merge, hold gaps, quarantine rejections),
/// makes merges durable in its own store before it acknowledges them, joins peer regions' deltas, and
/// reports per-site status and metrics. Storage, clock and the node registry are injected; it opens no
/// socket and starts no thread, so the daemon and the fleet simulator drive it alike. Not thread-safe: the
/// caller serialises calls (the daemon through one loop).
/// </summary>
/// <remarks>
/// Group commit: call <see cref="IngestDelta"/> for every delta that arrived, then <see cref="Flush"/> once;
/// the flush makes every record durable with one fsync and only then returns the signed acknowledgements
/// (one per site epoch, at its highest merged index). If making records durable fails, the core is faulted:
/// its memory is ahead of its disk, so every later call throws and the host must reopen it from the store.
/// </remarks>
public sealed class RegionCore : IDisposable
{
    private readonly RegionOptions _options;
    private readonly MessageSigner _signer;
    private readonly TimeProvider _time;
    private readonly IReadOnlyDictionary<string, X509Certificate2> _peers;
    private readonly ReplayableSignerDirectory _directory = new();
    private readonly RegionMerger _merger;
    private readonly RegionStore _store;
    private readonly GapHold _hold;
    private readonly HashSet<(string Site, ulong Epoch)> _pendingAcks = [];
    private readonly Dictionary<string, SiteSeen> _sites = new(StringComparer.Ordinal);
    private bool _faulted;
    private Task _checkpoint = Task.CompletedTask;
    private volatile Exception? _checkpointFailure;

    private RegionCore(string region, X509Certificate2 signingCertificate, NodeRegistry registry, IRegionFileSystem fs, TimeProvider time,
        RegionOptions options, IReadOnlyDictionary<string, X509Certificate2> peers, IDesiredChangeLedger ledger)
    {
        Region = region;
        Registry = registry;
        _options = options;
        _time = time;
        _peers = peers;
        _signer = new MessageSigner(signingCertificate);
        // The merger never holds: the region classifies gaps itself, so that it keeps the wire bytes of held
        // deltas (they enter the log exactly as received once merged).
        _merger = new RegionMerger(region, _directory, ledger, new RegionMergerOptions { MaxHeldPerSiteEpoch = 0, MaxHeldTotal = 0 });
        _hold = new GapHold(options.MaxHeldPerSiteEpoch, options.MaxHeldTotal, options.MaxHeldBytes);
        Quarantine = new DeltaQuarantine(options.QuarantineMaxItems, options.QuarantineMaxBytes);
        _store = RegionStore.Open(fs, LoadCheckpoint, Replay);

        // Only a region with peers exports, so only it pays for recording what changed between exports. What the
        // store replayed is covered by the first export after opening, which is a whole one (see RegionHost).
        if (peers.Count > 0)
        {
            _merger.State.TrackChanges();
        }

        void LoadCheckpoint(byte[] state)
        {
            DecodeResult<RegionDelta> decoded = RegionDelta.Decode(state);
            if (!decoded.IsSuccess)
            {
                throw new InvalidDataException($"checkpoint state does not decode: {decoded.Error.Message}");
            }

            _merger.JoinRegionDelta(decoded.Value);
        }
    }

    /// <summary>This region's id.</summary>
    public string Region { get; }

    /// <summary>The node registry the region trusts signers by.</summary>
    public NodeRegistry Registry { get; }

    /// <summary>Refused deltas, kept for inspection.</summary>
    public DeltaQuarantine Quarantine { get; }

    /// <summary>Event counters since this core was opened.</summary>
    public RegionMetrics Metrics { get; } = new();

    /// <summary>The merged state (read it, do not change it).</summary>
    public RegionState State => _merger.State;

    /// <summary>Gap deltas held now.</summary>
    public int HeldCount => _hold.Count;

    /// <summary>Bytes cut from a torn log tail when the store was opened.</summary>
    public long TornBytesCut => _store.TornBytesCut;

    /// <summary>File fsyncs done by the store since it was opened.</summary>
    public long Fsyncs => _store.Fsyncs;

    /// <summary>
    /// Opens a region over its store: loads the newest checkpoint, replays the log after it (each record with
    /// the signer trusted when it was accepted), and is then ready to ingest. <paramref name="signingCertificate"/>
    /// must carry the region's private key (acks and region deltas are signed with it). <paramref name="peerRegions"/>
    /// maps each peer region to the certificate its region deltas are signed with. Throws
    /// <see cref="StoreCorruptException"/> when the store is damaged other than by a torn last write.
    /// </summary>
    public static RegionCore Open(string region, X509Certificate2 signingCertificate, NodeRegistry registry, IRegionFileSystem fileSystem,
        TimeProvider time, RegionOptions? options = null, IReadOnlyDictionary<string, X509Certificate2>? peerRegions = null,
        IDesiredChangeLedger? ledger = null)
    {
        string id = Grey.Federation.Identifiers.FederationId.Require(region, nameof(region));
        ArgumentNullException.ThrowIfNull(signingCertificate);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(time);
        options ??= new RegionOptions();
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        return new RegionCore(id, signingCertificate, registry, fileSystem, time, options,
            peerRegions ?? new Dictionary<string, X509Certificate2>(), ledger ?? DesiredChangeLedger.Empty);
    }

    /// <summary>The state hash (same merged deltas, same hash, in every region).</summary>
    public byte[] ComputeStateHash() => _merger.ComputeStateHash();

    /// <summary>
    /// Verifies and merges a signed site delta that arrived on <c>grey.delta.&lt;region&gt;.&lt;site&gt;</c>
    /// (<paramref name="subjectSite"/> is that site). Checks, stopping at the first failure: size, envelope and
    /// delta format, home region, the subject names the delta's site, the signer is an enrolled node of that
    /// site, its attestation result is passing and fresh, it is not revoked, the signature, then chain and
    /// index order. Then merges, holds a gap (with a NAK) or re-acknowledges a duplicate. Every refusal goes to
    /// the quarantine with its reason.
    /// </summary>
    public IngestResult IngestDelta(ReadOnlyMemory<byte> wire, string subjectSite) => IngestDelta(wire, subjectSite, null);

    /// <summary>
    /// <see cref="IngestDelta(ReadOnlyMemory{byte}, string)"/> with the decoding and signature check done beforehand by
    /// <see cref="Prepare"/> on the same bytes (null: done here).
    /// </summary>
    public IngestResult IngestDelta(ReadOnlyMemory<byte> wire, string subjectSite, PreparedDelta? prepared)
    {
        ThrowIfFaulted();
        ArgumentNullException.ThrowIfNull(subjectSite);
        IngestResult first = IngestOne(wire, subjectSite, prepared);
        if (first.Status != IngestStatus.Merged)
        {
            return first;
        }

        int released = ReleaseHeld(first.Site!, first.Epoch);
        ulong merged = _merger.State.TryGetProgress(first.Site!, first.Epoch, out SiteProgress p) ? p.MergedIndex : first.MergedIndex;
        return first with { Released = released, MergedIndex = merged };
    }

    /// <summary>
    /// Verifies and joins a peer region's signed region delta (<paramref name="subjectRegion"/> is the region the
    /// subject <c>grey.region.&lt;region&gt;</c> names). A join that changes the state is made durable at once by a
    /// checkpoint; one that changes nothing is a duplicate. Held deltas the join made contiguous are merged.
    /// </summary>
    public IngestResult IngestRegionDelta(ReadOnlyMemory<byte> wire, string subjectRegion)
    {
        ThrowIfFaulted();
        ArgumentNullException.ThrowIfNull(subjectRegion);
        if (wire.Length > FederationLimits.MaxRegionStateBytes + FederationLimits.MaxSignedDataBytes + 64)
        {
            return RejectPeer(RejectReason.TooLarge, $"{wire.Length} bytes, beyond the region delta limit", subjectRegion, wire);
        }

        if (!_peers.TryGetValue(subjectRegion, out X509Certificate2? peerCertificate) || subjectRegion == Region)
        {
            return RejectPeer(RejectReason.PeerUnknown, $"region {subjectRegion} is not a configured peer", subjectRegion, wire);
        }

        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire, FederationLimits.MaxRegionStateBytes);
        if (!env.IsSuccess)
        {
            return RejectPeer(ReasonOf(env.Error), env.Error.Message, subjectRegion, wire);
        }

        SignatureCheck check = env.Value.Verify(_ => peerCertificate);
        if (!check.IsValid)
        {
            return RejectPeer(RejectReason.SignatureInvalid, $"region delta of {subjectRegion}: {check.Reason}", subjectRegion, wire);
        }

        DecodeResult<RegionDelta> decoded = RegionDelta.Decode(env.Value.Content);
        if (!decoded.IsSuccess)
        {
            return RejectPeer(ReasonOf(decoded.Error), decoded.Error.Message, subjectRegion, wire);
        }

        if (decoded.Value.Region != subjectRegion)
        {
            return RejectPeer(RejectReason.SubjectMismatch, $"the subject names region {subjectRegion}, the region delta {decoded.Value.Region}", subjectRegion, wire);
        }

        byte[] before = _merger.ComputeStateHash();
        int conflicts = _merger.JoinRegionDelta(decoded.Value);
        if (before.AsSpan().SequenceEqual(_merger.ComputeStateHash()))
        {
            Metrics.Duplicates++;
            return new IngestResult { Status = IngestStatus.Duplicate, Detail = $"region delta of {subjectRegion} changes nothing" };
        }

        Durably(Checkpoint);
        Metrics.RegionDeltasJoined++;
        int released = 0;
        foreach ((string site, ulong epoch) in _hold.Keys())
        {
            released += ReleaseHeld(site, epoch);
        }

        return new IngestResult { Status = IngestStatus.Merged, Detail = $"joined region delta of {subjectRegion}, {conflicts} conflicts resolved", Released = released };
    }

    /// <summary>
    /// Group commit: makes every record written since the last flush durable (one fsync), writes a checkpoint
    /// when the log has grown past its threshold, and only then returns the signed acknowledgements owed
    /// (merged or duplicate deltas), one per site epoch at its highest merged index.
    /// </summary>
    public IReadOnlyList<SignedAck> Flush()
    {
        ThrowIfFaulted();
        Durably(() =>
        {
            ThrowIfCheckpointFailed();
            _store.Sync();
            if ((_store.RecordsSinceCheckpoint >= _options.CheckpointEveryRecords || _store.BytesSinceCheckpoint >= _options.CheckpointEveryBytes)
                && _checkpoint.IsCompleted)
            {
                if (_options.CheckpointInBackground)
                {
                    StartCheckpoint();
                }
                else
                {
                    Checkpoint();
                }
            }
        });
        Metrics.GroupCommits++;
        var acks = new List<SignedAck>(_pendingAcks.Count);
        foreach ((string site, ulong epoch) in _pendingAcks.OrderBy(k => k.Site, StringComparer.Ordinal).ThenBy(k => k.Epoch))
        {
            RegionAck? ack = _merger.CreateAck(site, epoch);
            if (ack is not null)
            {
                acks.Add(new SignedAck(site, epoch, ack.MergedIndex, _signer.SignEnvelope(ack.Encode())));
            }
        }

        _pendingAcks.Clear();
        Metrics.Acks += acks.Count;
        return acks;
    }

    /// <summary>Writes a checkpoint of the merged state now (after making the log durable).</summary>
    public void WriteCheckpoint()
    {
        ThrowIfFaulted();
        Durably(() =>
        {
            _checkpoint.Wait();
            ThrowIfCheckpointFailed();
            Checkpoint();
        });
    }

    /// <summary>Waits for a checkpoint running in the background (none: returns at once); for tests and shutdown.</summary>
    public void WaitForCheckpoint()
    {
        _checkpoint.Wait();
        if (_checkpointFailure is not null)
        {
            _faulted = true;
        }
    }

    /// <summary>
    /// The signed region delta for <c>grey.region.&lt;region&gt;</c>: this region's merged state. Call it after
    /// <see cref="Flush"/>, so that peers only learn what this region has made durable.
    /// </summary>
    public byte[] ExportRegionDelta()
    {
        ThrowIfFaulted();
        if (_merger.State.IsTrackingChanges)
        {
            // The whole state covers every change so far: the next incremental export starts from here.
            _merger.State.TakeChanges();
        }

        return _signer.SignEnvelope(_merger.ExportRegionDelta().Encode());
    }

    /// <summary>Whether peer regions are configured (only then is there anyone to export region deltas to).</summary>
    public bool HasPeers => _peers.Count > 0;

    /// <summary>
    /// The signed region delta of what changed since the previous export (whole or incremental), or null when nothing
    /// changed. A peer that received every earlier export ends up exactly as a whole export would leave it; one that
    /// missed some is repaired by the next whole export (<see cref="ExportRegionDelta"/>). Only a region with peers
    /// records changes: throws <see cref="InvalidOperationException"/> without peers. Call it after <see cref="Flush"/>.
    /// </summary>
    public byte[]? ExportRegionChanges()
    {
        ThrowIfFaulted();
        if (!HasPeers)
        {
            throw new InvalidOperationException($"region {Region} has no peer regions: it records no changes to export");
        }

        RegionDelta? changes = _merger.ExportRegionChanges();
        return changes is null ? null : _signer.SignEnvelope(changes.Encode());
    }

    /// <summary>Records the committed index a site reported (from its status), for the lag in <see cref="GetSiteStatus"/>.</summary>
    public void ReportCommittedIndex(string site, ulong committedIndex)
    {
        SiteSeen? seen = Seen(site);
        if (seen is not null)
        {
            seen.ReportedCommitted = committedIndex;
        }
    }

    /// <summary>The status of one site, or null when the region knows nothing of it.</summary>
    public SiteStatus? GetSiteStatus(string site)
    {
        ArgumentNullException.ThrowIfNull(site);
        _sites.TryGetValue(site, out SiteSeen? seen);
        SiteProgress? progress = null;
        foreach (SiteProgress p in _merger.State.Progress)
        {
            if (p.Site == site && (seen?.Epoch is not { } e ? progress is null || p.MergedIndex > progress.MergedIndex : p.Epoch == e))
            {
                progress = p;
            }
        }

        IReadOnlyList<NodeView> nodes = [.. Registry.Nodes().Where(n => n.Site == site)];
        if (progress is null && seen is null && nodes.Count == 0)
        {
            return null;
        }

        ulong merged = progress?.MergedIndex ?? 0;
        ulong? reported = seen?.ReportedCommitted;
        ulong? lag = reported is { } r ? (r > merged ? r - merged : 0) : null;
        return new SiteStatus(site, seen?.Epoch ?? progress?.Epoch ?? 0, merged, reported, lag, seen?.LastSeen, nodes);
    }

    /// <summary>The status of every site the region knows (merged, seen or enrolled), ordered by site.</summary>
    public IReadOnlyList<SiteStatus> GetSites()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        names.UnionWith(_merger.State.Progress.Select(p => p.Site));
        names.UnionWith(_sites.Keys);
        names.UnionWith(Registry.Nodes().Select(n => n.Site));
        return [.. names.Select(GetSiteStatus).OfType<SiteStatus>()];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // A checkpoint still being written must not see its store closed under it; its failure no longer matters.
        try
        {
            _checkpoint.Wait();
        }
        catch (AggregateException)
        {
        }

        _store.Dispose();
    }

    private static RejectReason ReasonOf(DecodeError error) => error.Code switch
    {
        DecodeErrorCode.TooLarge => RejectReason.TooLarge,
        DecodeErrorCode.UnsupportedVersion => RejectReason.UnsupportedVersion,
        _ => RejectReason.Malformed,
    };

    /// <summary>
    /// Decodes <paramref name="wire"/> and checks its signature against the signer's current certificate: the work of
    /// an ingest that reads no state but the registry. Safe to call from several threads at once while nothing changes
    /// the core (the host holds its lock); never throws for bad input. Null when the delta is too large to decode.
    /// </summary>
    public PreparedDelta? Prepare(ReadOnlyMemory<byte> wire)
    {
        if (wire.Length > FederationLimits.MaxEnvelopeBytes)
        {
            return null;
        }

        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        if (!env.IsSuccess)
        {
            return new PreparedDelta(env, null, null, null);
        }

        DecodeResult<Delta> decoded = Delta.Decode(env.Value.Content);
        if (decoded.IsSuccess && decoded.Value is SiteDelta site)
        {
            // Hashed here, on the preparing core, and kept by the delta: the merge then only compares chain hashes.
            _ = site.ChainAfterEach;
        }

        X509Certificate2? certificate = decoded.IsSuccess ? Registry.FindByKeyId(env.Value.KeyId.Span)?.Certificate : null;
        SignatureCheck? signature = certificate is null ? null : env.Value.Verify(_ => certificate);
        return new PreparedDelta(env, decoded, certificate, signature);
    }

    private IngestResult IngestOne(ReadOnlyMemory<byte> wire, string subjectSite, PreparedDelta? prepared = null)
    {
        if (wire.Length > FederationLimits.MaxEnvelopeBytes)
        {
            return Reject(RejectReason.TooLarge, $"{wire.Length} bytes, at most {FederationLimits.MaxEnvelopeBytes} accepted", subjectSite, null, wire);
        }

        DecodeResult<SignedEnvelope> env = prepared?.Envelope ?? SignedEnvelope.Decode(wire);
        if (!env.IsSuccess)
        {
            return Reject(ReasonOf(env.Error), env.Error.Message, subjectSite, null, wire);
        }

        DecodeResult<Delta> decoded = prepared?.Decoded ?? Delta.Decode(env.Value.Content);
        if (!decoded.IsSuccess)
        {
            return Reject(ReasonOf(decoded.Error), decoded.Error.Message, subjectSite, null, wire);
        }

        Delta d = decoded.Value;
        if (d.Region != Region)
        {
            return Reject(RejectReason.WrongRegion, $"the delta's home region is {d.Region}, this is {Region}", subjectSite, d, wire);
        }

        if (d.Site != subjectSite)
        {
            return Reject(RejectReason.SubjectMismatch, $"the subject names site {subjectSite}, the delta names {d.Site}", subjectSite, d, wire);
        }

        NodeView? node = Registry.FindByKeyId(env.Value.KeyId.Span);
        if (node is null)
        {
            return Reject(RejectReason.SignerUnknown, $"no enrolled node has key id {Convert.ToHexStringLower(env.Value.KeyId.Span)}", subjectSite, d, wire);
        }

        if (node.Site != d.Site)
        {
            return Reject(RejectReason.SignerNotOfSite, $"signer {node.NodeId} belongs to site {node.Site}, the delta names {d.Site}", subjectSite, d, wire);
        }

        // Revocation is checked before attestation: a revoked node cannot attest again, so its result expires soon, and
        // the reason (and the host's republished notice, see RevocationRepair) must stay node-revoked after that.
        if (node.Revoked)
        {
            return Reject(RejectReason.NodeRevoked, $"node {node.NodeId} is revoked", subjectSite, d, wire) with { RevokedSigner = node.NodeId };
        }

        if (node.Attestation == NodeAttestation.None)
        {
            return Reject(RejectReason.AttestationMissing, $"node {node.NodeId} has no passing attestation result for key {node.KeyId}", subjectSite, d, wire);
        }

        if (node.Attestation == NodeAttestation.Expired)
        {
            return Reject(RejectReason.AttestationExpired, $"the attestation result of node {node.NodeId} expired at {node.AttestationExpiresAt:O}", subjectSite, d, wire);
        }

        // A check made by Prepare counts only if it used the very certificate the registry holds now.
        SignatureCheck signature = prepared is { VerifiedWith: { } checkedWith, Signature: { } check } && ReferenceEquals(checkedWith, node.Certificate)
            ? check
            : env.Value.Verify(_ => node.Certificate);
        if (!signature.IsValid)
        {
            return Reject(RejectReason.SignatureInvalid, signature.Reason, subjectSite, d, wire);
        }

        if (Seen(d.Site) is { } seen)
        {
            seen.LastSeen = _time.GetUtcNow();
            seen.Epoch = d.Epoch;
        }

        ulong m = 0;
        byte[]? hm = null;
        if (_merger.State.TryGetProgress(d.Site, d.Epoch, out SiteProgress progress))
        {
            m = progress.MergedIndex;
            hm = progress.ChainHash.ToArray();
        }

        ulong firstIndex = (d as SiteDelta)?.FirstIndex ?? 1;
        if (d.LastIndex <= m)
        {
            if (d.LastIndex == m && !d.ChainAfter.SequenceEqual(hm))
            {
                return Reject(RejectReason.ChainBroken, $"chain hash at {m} differs from the merged one (a forked log)", subjectSite, d, wire);
            }

            Metrics.Duplicates++;
            _pendingAcks.Add((d.Site, d.Epoch));
            return About(d, IngestStatus.Duplicate, $"already merged up to {m}", m);
        }

        if (d is SiteDelta && firstIndex > m + 1)
        {
            Metrics.Gaps++;
            bool held = _hold.TryHold(d.Site, d.Epoch, firstIndex, d.LastIndex, wire.ToArray());
            if (!held)
            {
                Metrics.GapsDropped++;
            }

            return About(d, IngestStatus.Gap, held ? $"held: {firstIndex}-{d.LastIndex} waits for {m + 1}-{firstIndex - 1}" : "hold full: dropped, the site resends", m) with
            {
                Held = held,
                Nak = new Nak(Region, d.Site, d.Epoch, m + 1),
            };
        }

        // Everything the merger's own Merge(wire) would check again (decoding, decompression, signer, signature, site) is
        // checked above: merging the decoded delta saves a second decode and signature verification of every delta.
        MergeOutcome outcome = _merger.MergeVerified(d);

        if (outcome.Status == MergeStatus.ChainBroken)
        {
            return Reject(RejectReason.ChainBroken, outcome.Reason, subjectSite, d, wire);
        }

        if (outcome.Status != MergeStatus.Applied)
        {
            // The region checked everything the merger checks before this point; a disagreement is a bug.
            throw new InvalidOperationException($"merger disagreed with the region's checks: {outcome.Status}: {outcome.Reason}");
        }

        Durably(() => _store.Append(node.Site, node.Certificate.RawData, wire.Span));
        _pendingAcks.Add((d.Site, d.Epoch));
        Metrics.Merged++;
        Metrics.OperationsMerged += outcome.OperationsApplied;
        Metrics.OwnershipSkips += outcome.OwnershipViolations;
        return About(d, IngestStatus.Merged, outcome.Reason, outcome.MergedIndex) with
        {
            OperationsApplied = outcome.OperationsApplied,
            OwnershipSkips = outcome.OwnershipViolations,
        };
    }

    private int ReleaseHeld(string site, ulong epoch)
    {
        int released = 0;
        while (true)
        {
            ulong m = _merger.State.TryGetProgress(site, epoch, out SiteProgress p) ? p.MergedIndex : 0;
            IReadOnlyList<byte[]> ready = _hold.TakeReady(site, epoch, m + 1);
            if (ready.Count == 0)
            {
                return released;
            }

            foreach (byte[] wire in ready)
            {
                // Held deltas are checked again in full: the signer may have been revoked, or its attestation
                // may have expired, while the delta waited.
                if (IngestOne(wire, site).Status == IngestStatus.Merged)
                {
                    released++;
                    Metrics.Released++;
                }
            }
        }
    }

    private void Replay(LoggedDelta record)
    {
        X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(record.Certificate);
        _directory.Set(new KnownSigner(record.SignerSite, certificate));
        try
        {
            MergeOutcome outcome = _merger.Merge(record.Wire);
            if (outcome.Status != MergeStatus.Applied)
            {
                throw new InvalidDataException($"log record {record.Sequence} replays as {outcome.Status} ({outcome.Reason}), not as the merge it was");
            }
        }
        finally
        {
            _directory.Clear();
        }
    }

    private void Checkpoint()
    {
        _store.WriteCheckpoint(_merger.ExportRegionDelta().Encode());
        Metrics.Checkpoints++;
    }

    // The log is cut here, on the ingest thread, and the state copied at the same point, so the checkpoint covers
    // exactly the records before the new segment; encoding, writing and deleting run in the background.
    private void StartCheckpoint()
    {
        ulong sequence = _store.BeginCheckpoint();
        var frozen = new RegionDelta(Region, _merger.State.Clone());
        _checkpoint = Task.Run(() =>
        {
            try
            {
                _store.CompleteCheckpoint(sequence, frozen.Encode());
                Metrics.Checkpoints++;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _checkpointFailure = e;
            }
        });
    }

    private void ThrowIfCheckpointFailed()
    {
        if (_checkpointFailure is { } failure)
        {
            throw new IOException($"region {Region}: a background checkpoint failed: {failure.Message}", failure);
        }
    }

    private void Durably(Action action)
    {
        try
        {
            action();
        }
        catch
        {
            // Memory may now be ahead of the disk: never acknowledge from it again.
            _faulted = true;
            throw;
        }
    }

    private void ThrowIfFaulted()
    {
        if (_faulted)
        {
            throw new InvalidOperationException($"region {Region} is faulted after a storage failure; reopen it from its store");
        }
    }

    private SiteSeen? Seen(string site)
    {
        if (!_sites.TryGetValue(site, out SiteSeen? seen))
        {
            if (_sites.Count >= _options.MaxSites)
            {
                return null;
            }

            seen = new SiteSeen();
            _sites.Add(site, seen);
        }

        return seen;
    }

    private IngestResult About(Delta d, IngestStatus status, string detail, ulong merged) => new()
    {
        Status = status,
        Detail = detail,
        Site = d.Site,
        Epoch = d.Epoch,
        FirstIndex = (d as SiteDelta)?.FirstIndex ?? 1,
        LastIndex = d.LastIndex,
        MergedIndex = merged,
    };

    private IngestResult Reject(RejectReason reason, string detail, string subjectSite, Delta? d, ReadOnlyMemory<byte> wire)
    {
        Metrics.CountRejected(reason);
        Quarantine.Add(reason, detail, d?.Site ?? subjectSite, _time.GetUtcNow(), wire.Span);
        Metrics.QuarantineEvictions = Quarantine.Evicted;
        return d is null
            ? new IngestResult { Status = IngestStatus.Rejected, Reason = reason, Detail = detail, Site = subjectSite }
            : About(d, IngestStatus.Rejected, detail, 0) with { Reason = reason };
    }

    private IngestResult RejectPeer(RejectReason reason, string detail, string subjectRegion, ReadOnlyMemory<byte> wire)
    {
        Metrics.CountRejected(reason);
        Quarantine.Add(reason, $"region delta of {subjectRegion}: {detail}", null, _time.GetUtcNow(), wire.Span);
        Metrics.QuarantineEvictions = Quarantine.Evicted;
        return new IngestResult { Status = IngestStatus.Rejected, Reason = reason, Detail = detail };
    }

    private sealed class SiteSeen
    {
        public ulong? Epoch { get; set; }

        public DateTimeOffset? LastSeen { get; set; }

        public ulong? ReportedCommitted { get; set; }
    }
}

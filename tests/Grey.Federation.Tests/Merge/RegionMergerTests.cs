using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Merge;

public sealed class RegionMergerTests
{
    private const string Site = Samples.Site;
    private const ulong Epoch = Samples.Epoch;
    private static readonly MessageSigner SignerA = new(TestKeys.SiteA);
    private static readonly MessageSigner SignerB = new(TestKeys.SiteB);

    private static RegionMerger NewMerger(RegionMergerOptions? options = null, IDesiredChangeLedger? ledger = null) =>
        new("r0", TestKeys.Directory((Site, TestKeys.SiteA), ("site-b", TestKeys.SiteB)), ledger ?? Samples.Ledger(), options);

    private static SiteLog Log(int entries)
    {
        var list = new List<DataEntry>();
        for (int i = 1; i <= entries; i++)
        {
            var t = new HlcTimestamp(1000 + i, 0);
            list.Add(new DataEntry((ulong)i, t, [Operation.Put("k" + (i % 3), [(byte)i], t, "n1"), Operation.CounterAdd("shared/c", 1, t, "n1")]));
        }

        return new SiteLog(Site, Epoch, list, (ulong)entries);
    }

    private static byte[] Sign(Delta d) => SignerA.SignEnvelope(d.Encode());

    [Fact]
    public void Merge_ContiguousDeltas_AppliedAndAcknowledgeable()
    {
        SiteLog log = Log(6);
        RegionMerger m = NewMerger();
        MergeOutcome a = m.Merge(Sign(log.Delta(1, 3)));
        MergeOutcome b = m.Merge(Sign(log.Delta(4, 6)));
        Assert.Equal(MergeStatus.Applied, a.Status);
        Assert.Equal(MergeStatus.Applied, b.Status);
        Assert.Equal(6UL, b.MergedIndex);
        Assert.Equal(6, m.State.GetCounterValue("", "shared/c"));
        RegionAck ack = m.CreateAck(Site, Epoch)!;
        Assert.Equal(6UL, ack.MergedIndex);
        Assert.Equal(log.ChainAt(6), ack.ChainHash.ToArray());
    }

    [Fact]
    public void Merge_Redelivered_DuplicateNeverMergedTwice()
    {
        SiteLog log = Log(3);
        RegionMerger m = NewMerger();
        byte[] w = Sign(log.Delta(1, 3));
        m.Merge(w);
        byte[] hash = m.ComputeStateHash();
        MergeOutcome again = m.Merge(w);
        Assert.Equal(MergeStatus.Duplicate, again.Status);
        Assert.True(again.ShouldAcknowledge);
        Assert.Equal(3, m.State.GetCounterValue("", "shared/c"));
        Assert.Equal(hash, m.ComputeStateHash());
        Assert.Equal(1, m.Counters[MergeStatus.Duplicate]);
    }

    [Fact]
    public void Merge_OverlappingBatchAfterLeaderChange_SkipsMergedPart()
    {
        SiteLog log = Log(6);
        RegionMerger m = NewMerger();
        m.Merge(Sign(log.Delta(1, 4)));
        MergeOutcome o = m.Merge(Sign(log.Delta(3, 6)));
        Assert.Equal(MergeStatus.Applied, o.Status);
        Assert.Equal(4, o.OperationsSkippedOverlap);
        Assert.Equal(4, o.OperationsApplied);
        Assert.Equal(6, m.State.GetCounterValue("", "shared/c"));
    }

    [Fact]
    public void Merge_AheadOfGap_HeldThenReleased()
    {
        SiteLog log = Log(6);
        RegionMerger m = NewMerger();
        MergeOutcome held = m.Merge(Sign(log.Delta(4, 6)));
        Assert.Equal(MergeStatus.Gap, held.Status);
        Assert.True(held.Held);
        Assert.Equal(1, m.HeldCount);
        Assert.True(m.State.IsEmpty);
        MergeOutcome fill = m.Merge(Sign(log.Delta(1, 3)));
        Assert.Equal(MergeStatus.Applied, fill.Status);
        Assert.Equal(1, fill.Released);
        Assert.Equal(0, m.HeldCount);
        Assert.Equal(6UL, m.CreateAck(Site, Epoch)!.MergedIndex);
    }

    [Fact]
    public void Merge_HoldFull_DroppedNotHeldAndCounted()
    {
        SiteLog log = Log(9);
        RegionMerger m = NewMerger(new RegionMergerOptions { MaxHeldPerSiteEpoch = 1, MaxHeldTotal = 10 });
        Assert.True(m.Merge(Sign(log.Delta(4, 6))).Held);
        MergeOutcome dropped = m.Merge(Sign(log.Delta(7, 9)));
        Assert.Equal(MergeStatus.Gap, dropped.Status);
        Assert.False(dropped.Held);
        Assert.Equal(1, m.Counters.HoldDropped);
        Assert.Equal(1, m.HeldCount);
    }

    [Fact]
    public void Merge_ChainBeforeDoesNotContinue_ChainBroken()
    {
        SiteLog log = Log(6);
        RegionMerger m = NewMerger();
        m.Merge(Sign(log.Delta(1, 3)));
        SiteDelta forged = SiteDelta.Create("r0", Site, Epoch, 4, 6, new byte[32], [.. log.Entries.Skip(3)]);
        MergeOutcome o = m.Merge(Sign(forged));
        Assert.Equal(MergeStatus.ChainBroken, o.Status);
        Assert.Equal(3UL, m.CreateAck(Site, Epoch)!.MergedIndex);
    }

    [Fact]
    public void Merge_OverlapWithRewrittenHistory_ChainBroken()
    {
        SiteLog log = Log(6);
        RegionMerger m = NewMerger();
        m.Merge(Sign(log.Delta(1, 4)));
        var t = new HlcTimestamp(1003, 0);
        var entries = log.Entries.Take(2).Append(new DataEntry(3, t, [Operation.Put("k0", [99], t, "n1")])).Concat(log.Entries.Skip(3)).ToList();
        var forked = new SiteLog(Site, Epoch, entries, 6);
        MergeOutcome o = m.Merge(Sign(forked.Delta(2, 6)));
        Assert.Equal(MergeStatus.ChainBroken, o.Status);
        Assert.Equal(4, m.State.GetCounterValue("", "shared/c"));
    }

    [Fact]
    public void Merge_ClaimedChainAfterWrong_ChainBroken()
    {
        SiteLog log = Log(3);
        SiteDelta good = log.Delta(1, 3);
        var bad = new SiteDelta(2, "r0", Site, Epoch, 1, 3, good.ChainBefore.ToArray(), new byte[32], good.MinStamp, good.MaxStamp, good.Entries);
        Assert.Equal(MergeStatus.ChainBroken, NewMerger().Merge(Sign(bad)).Status);
    }

    [Fact]
    public void Merge_SignedByAnotherSitesNode_SignerNotOfSite()
    {
        byte[] w = SignerB.SignEnvelope(Log(3).Delta(1, 3).Encode());
        RegionMerger m = NewMerger();
        Assert.Equal(MergeStatus.SignerNotOfSite, m.Merge(w).Status);
        Assert.True(m.State.IsEmpty);
    }

    [Fact]
    public void Merge_SubjectNamesOtherSite_SignerNotOfSite()
    {
        Assert.Equal(MergeStatus.SignerNotOfSite, NewMerger().Merge(Sign(Log(3).Delta(1, 3)), subjectSite: "site-b").Status);
    }

    [Fact]
    public void Merge_UnknownSigner_SignerUnknown()
    {
        var stranger = new MessageSigner(TestKeys.CreateCertificate("stranger"));
        Assert.Equal(MergeStatus.SignerUnknown, NewMerger().Merge(stranger.SignEnvelope(Log(3).Delta(1, 3).Encode())).Status);
    }

    [Fact]
    public void Merge_SignatureOverOtherBytes_SignatureInvalid()
    {
        byte[] content = Log(3).Delta(1, 3).Encode();
        byte[] sig = SignerA.SignDetached(Log(2).Delta(1, 2).Encode());
        Assert.Equal(MergeStatus.SignatureInvalid, NewMerger().Merge(SignedEnvelope.Encode(content, sig)).Status);
    }

    [Fact]
    public void Merge_OversizedWire_TooLarge()
    {
        Assert.Equal(MergeStatus.TooLarge, NewMerger().Merge(new byte[FederationLimits.MaxEnvelopeBytes + 1]).Status);
    }

    [Fact]
    public void Merge_UnsupportedVersion_RefusedWithReason()
    {
        byte[] content = Log(3).Delta(1, 3).Encode();
        content[2] = 3;
        MergeOutcome o = NewMerger().Merge(SignerA.SignEnvelope(content));
        Assert.Equal(MergeStatus.UnsupportedVersion, o.Status);
        Assert.Contains("version 3", o.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_PreviousVersionDelta_Applied()
    {
        SiteLog log = Log(3);
        SiteDelta v1 = SiteDelta.Create("r0", Site, Epoch, 1, 3, log.ChainAt(0), log.Entries, version: 1);
        Assert.Equal(MergeStatus.Applied, NewMerger().Merge(Sign(v1)).Status);
    }

    [Fact]
    public void Merge_Garbage_Malformed()
    {
        Assert.Equal(MergeStatus.Malformed, NewMerger().Merge(new byte[] { 0x82, 0x41, 0x00, 0x41 }).Status);
    }

    [Fact]
    public void Merge_DesiredWritesWithoutValidChange_SkippedAndCountedNotWholeDelta()
    {
        var t = new HlcTimestamp(2000, 0);
        DesiredChange change = Samples.Change;
        var entries = new List<DataEntry>
        {
            new(1, t, [
                Operation.Put("desired/fan", [1], t, "n1"),                                   // no reference
                Operation.Put("desired/fan", [0x6F, 0x6E], t, "n1", new DesiredRef("r0", 9, change.Digest)), // never issued
                Operation.Put("desired/fan", [0x00], t, "n1", change.Reference),             // value differs
                Operation.CounterAdd("desired/count", 1, t, "n1"),                           // counter under desired/
                Operation.Put("k", [1], t, "n1", change.Reference),                          // reference outside desired/
                Operation.Put("k", [2], t, "n1"),
            ]),
            new(2, new HlcTimestamp(2001, 0), [change.ToOperation(new HlcTimestamp(2001, 0), "n1")]),
        };
        var log = new SiteLog(Site, Epoch, entries, 2);
        RegionMerger m = NewMerger();
        MergeOutcome o = m.Merge(Sign(log.Delta(1, 2)));
        Assert.Equal(MergeStatus.Applied, o.Status);
        Assert.Equal(5, o.OwnershipViolations);
        Assert.Equal(2, o.OperationsApplied);
        Assert.True(m.State.TryGetRegister(Site, "desired/fan", out Register r));
        Assert.Equal(change.Value.ToArray(), r.Value.ToArray());
        Assert.Equal(5, m.Counters.OwnershipViolations);
    }

    [Fact]
    public void Merge_DesiredChangeIssuedForAnotherSite_Skipped()
    {
        var ledger = new DesiredChangeLedger();
        var forB = new DesiredChange("r0", "site-b", 1, "desired/x", [1], new HlcTimestamp(1, 0));
        ledger.Add(forB);
        var t = new HlcTimestamp(5, 0);
        var log = new SiteLog(Site, Epoch, [new DataEntry(1, t, [forB.ToOperation(t, "n1")])], 1);
        MergeOutcome o = NewMerger(ledger: ledger).Merge(Sign(log.Delta(1, 1)));
        Assert.Equal(1, o.OwnershipViolations);
    }

    [Fact]
    public void Merge_Checkpoint_FoldedJumpAndLaterDeltasContinue()
    {
        SiteLog log = Log(9);
        RegionMerger m = NewMerger();
        m.Merge(Sign(log.Delta(1, 2)));
        MergeOutcome cp = m.Merge(Sign(log.Checkpoint(6, Samples.Ledger())));
        Assert.Equal(MergeStatus.Applied, cp.Status);
        Assert.True(cp.Folded);
        Assert.Equal(6UL, cp.MergedIndex);
        Assert.Equal(MergeStatus.Applied, m.Merge(Sign(log.Delta(5, 9))).Status);
        Assert.Equal(1, m.Counters.Folded);

        var direct = new RegionState();
        log.ApplyDirectly(direct, Samples.Ledger());
        Assert.Equal(direct.ComputeHash(), m.ComputeStateHash());
    }

    [Fact]
    public void Merge_CheckpointCarryingAnotherSitesData_ItemsSkipped()
    {
        var foreign = new RegionState();
        var t = new HlcTimestamp(7, 0);
        foreign.Apply("site-b", Epoch, Operation.Put("shared/x", [1], t, "n1"));
        foreign.Apply(Site, Epoch + 1, Operation.CounterAdd("c", 1, t, "n1"));
        foreign.Apply(Site, Epoch, Operation.Put("ok", [1], t, "n1"));
        var cp = CheckpointDelta.Create("r0", Site, Epoch, 3, new byte[32], foreign);
        RegionMerger m = NewMerger();
        MergeOutcome o = m.Merge(Sign(cp));
        Assert.Equal(2, o.OwnershipViolations);
        Assert.Equal(1, o.OperationsApplied);
        Assert.False(m.State.TryGetRegister("", "shared/x", out _));
    }

    [Fact]
    public void Merge_NewEpoch_StartsItsOwnChain()
    {
        SiteLog log = Log(3);
        var next = new SiteLog(Site, Epoch + 1, log.Entries, 3);
        RegionMerger m = NewMerger();
        m.Merge(Sign(log.Delta(1, 3)));
        Assert.Equal(MergeStatus.Applied, m.Merge(Sign(next.Delta(1, 3))).Status);
        Assert.Equal(2, m.State.Progress.Count);
    }

    [Fact]
    public void JoinRegionDelta_ClosesGap_ReleasesHeld()
    {
        SiteLog log = Log(6);
        RegionMerger a = NewMerger();
        RegionMerger b = NewMerger();
        a.Merge(Sign(log.Delta(1, 3)));
        Assert.Equal(MergeStatus.Gap, b.Merge(Sign(log.Delta(4, 6))).Status);
        b.JoinRegionDelta(a.ExportRegionDelta());
        Assert.Equal(0, b.HeldCount);
        Assert.Equal(6UL, b.CreateAck(Site, Epoch)!.MergedIndex);
        a.JoinRegionDelta(b.ExportRegionDelta());
        Assert.Equal(a.ComputeStateHash(), b.ComputeStateHash());
    }

    [Fact]
    public void JoinRegionDelta_ThenSiteDeltaAlreadyCovered_Duplicate()
    {
        SiteLog log = Log(3);
        RegionMerger a = NewMerger();
        RegionMerger b = NewMerger();
        byte[] w = Sign(log.Delta(1, 3));
        a.Merge(w);
        b.JoinRegionDelta(a.ExportRegionDelta());
        Assert.Equal(MergeStatus.Duplicate, b.Merge(w).Status);
        Assert.Equal(3, b.State.GetCounterValue("", "shared/c"));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithEveryError()
    {
        var e = Assert.Throws<ArgumentException>(() => NewMerger(new RegionMergerOptions { MaxHeldPerSiteEpoch = -1, MaxHeldTotal = -5 }));
        Assert.Contains("MaxHeldPerSiteEpoch", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxHeldTotal", e.Message, StringComparison.Ordinal);
    }
}

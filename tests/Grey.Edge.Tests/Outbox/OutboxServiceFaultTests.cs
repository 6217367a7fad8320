using Grey.Edge.Outbox;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Edge.Uplink;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Region.Ingest;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Outbox;

/// <summary>Delivery faults: duplicates, a lost delta answered by a NAK, a lost delta with no NAK (ack timeout), forged acks.</summary>
public class OutboxServiceFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ship_EveryDeltaDeliveredTwice_DuplicatesCountedNothingDoubled()
    {
        const int seed = 71;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1, 2, 3], snapshotEntries: 100_000);
        site.Broker.DuplicateDelivery = true;
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 90);
        await site.WaitDrainedAsync();
        var duplicates = site.Broker.IngestedCount(IngestStatus.Duplicate);
        var merged = site.Broker.IngestedCount(IngestStatus.Merged);
        output.WriteLine($"merged {merged}, duplicates {duplicates}");
        Assert.True(duplicates >= merged && merged > 0);
        site.AssertRegionEqualsLog(leader);
        Assert.Equal((long)leader.Query(m => m.ChainedEntries), region.Read(c => c.Metrics.OperationsMerged));
    }

    [Fact]
    public async Task Ship_LostDeltaThenGap_NakResendsFromTheMissingIndex()
    {
        const int seed = 72;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000);
        site.TuneOutbox = o => o with { AckTimeout = TimeSpan.FromMinutes(5) };
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 10);
        await site.WaitDrainedAsync();

        // The next delta is accepted by the broker and lost; the one after it leaves a gap the region NAKs.
        site.Broker.LoseNext = 1;
        await site.WriteAsync(10, 5);
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Broker.Published.Count >= 2 && site.Broker.LoseNext == 0, "the lost delta was published");
        await site.WriteAsync(15, 5);
        await site.WaitDrainedAsync();
        var outbox = site.Members[1].Outbox.Snapshot();
        output.WriteLine($"naks {outbox.Naks}, resends {outbox.Resends}, held {site.Broker.IngestedCount(IngestStatus.Gap)}");
        Assert.True(outbox.Naks >= 1);
        Assert.True(site.Broker.IngestedCount(IngestStatus.Gap) >= 1);
        site.AssertRegionEqualsLog(leader);
    }

    [Fact]
    public async Task Ship_LostDeltaNoNak_ResentAfterTheAckTimeout()
    {
        const int seed = 73;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000);
        site.TuneOutbox = o => o with { AckTimeout = TimeSpan.FromMilliseconds(500) };
        var leader = await site.WaitForLeaderAsync();
        await site.WriteAsync(0, 8);
        await site.WaitDrainedAsync();

        // One write, so one delta, lost after the broker accepted it: no later delta makes a gap to NAK.
        site.Broker.LoseNext = 1;
        await site.WriteAsync(8, 1);
        await TestSiteWithOutbox.WaitUntilAsync(() => site.Members[1].Outbox.Snapshot().Resends >= 1, "the ack timeout resent");
        await site.WaitDrainedAsync();
        var outbox = site.Members[1].Outbox.Snapshot();
        output.WriteLine($"naks {outbox.Naks}, resends {outbox.Resends}");
        Assert.Equal(0, outbox.Naks);
        Assert.True(outbox.Resends >= 1);
        site.AssertRegionEqualsLog(leader);
    }

    [Fact]
    public async Task Ack_ForgedOrMismatching_RefusedCountedAndNothingTrimmed()
    {
        const int seed = 74;
        output.WriteLine($"seed {seed}");
        await using var region = new TestRegion(seed);
        await using var site = await TestSiteWithOutbox.StartAsync(seed, region, [1], snapshotEntries: 100_000);
        site.Broker.HoldAcks = true;
        var leader = await site.WaitForLeaderAsync();
        var member = site.Members[1];
        await site.WriteAsync(0, 20);
        var (epoch, applied, chain) = leader.Query(m => (m.Epoch!.Value, m.AppliedIndex, m.ChainHash.ToArray()));
        await TestSiteWithOutbox.WaitUntilAsync(() => region.Read(c => c.State.TryGetProgress(TestSiteWithOutbox.SiteId, epoch, out _)), "the region merged");
        var backlog = member.Journal.Stats();
        var genuine = new RegionAck(TestRegion.RegionId, TestSiteWithOutbox.SiteId, epoch, applied, chain);

        // 1: signed by a key that chains to another CA; 2: the region's own key, wrong chain hash;
        // 3: the region's key, another site; 4: garbage; 5: the region's key, beyond what the site applied.
        var (_, otherLeaf) = TestRegion.CreateCa("evil ca", "region eu-1");
        var forged = new[]
        {
            new MessageSigner(otherLeaf).SignEnvelope(genuine.Encode()),
            region.SignWithRegionKey(new RegionAck(TestRegion.RegionId, TestSiteWithOutbox.SiteId, epoch, applied, new byte[32])),
            region.SignWithRegionKey(new RegionAck(TestRegion.RegionId, "site-other", epoch, applied, chain)),
            "not an ack"u8.ToArray(),
            region.SignWithRegionKey(new RegionAck(TestRegion.RegionId, TestSiteWithOutbox.SiteId, epoch, applied + 1000, chain)),
        };
        foreach (var f in forged)
        {
            member.Uplink.Push(new UplinkInbound(UplinkInboundKind.Ack, f, "test"));
        }

        await TestSiteWithOutbox.WaitUntilAsync(() => member.Outbox.Snapshot().AcksRefused == forged.Length, "every forged ack was refused");
        output.WriteLine("last refusal: " + member.Outbox.LastError);
        Assert.Equal(0UL, leader.Query(m => m.AckedIndex));
        Assert.Equal(backlog.Entries, member.Journal.Stats().Entries);
        Assert.Equal(0, member.Outbox.Snapshot().AcksAccepted);

        // The genuine ack (as the region signed it) is accepted and trims the journal.
        member.Uplink.Push(new UplinkInbound(UplinkInboundKind.Ack, region.SignWithRegionKey(genuine), "test"));
        await TestSiteWithOutbox.WaitUntilAsync(() => leader.Query(m => m.AckedIndex) == applied, "the genuine ack applied");
        Assert.Equal(0, member.Journal.Stats().Entries);
    }
}

using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Region.Daemon.Mqtt;
using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Ingest;
using Grey.Region.Registry;
using Grey.Region.Tests.Support;
using MQTTnet;

namespace Grey.Region.Daemon.Tests.Mqtt;

/// <summary>The region's MQTT transport over a real mosquitto: ingest, duplicates, quarantine, persistent session across restarts, requests.</summary>
public sealed class MqttRegionTransportTests(MqttRegionFixture f) : IClassFixture<MqttRegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("mqtt-region");

    [Fact]
    public async Task Ingest_SignedDeltasOnDeltaTopic_MergedAndVerifiedAckOnAckTopic()
    {
        await using MqttRegionRun r = await f.StartRegionAsync("m-merge", f.NewFolder(), Cert, await f.AdmittedRegistryAsync());
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        var log = new SiteLog("site-a", 11, 20, region: "m-merge");

        Assert.Equal(MqttClientPublishReasonCode.Success, await site.PublishAsync("m-merge", log.Signed(1, 10, f.A1.Certificate), "site-a:11:1-10", committed: 20));
        Assert.Equal(MqttClientPublishReasonCode.Success, await site.PublishAsync("m-merge", log.Signed(11, 20, f.A1.Certificate), "site-a:11:11-20", committed: 25));
        RegionAck ack = await site.WaitAckAsync(Cert, 20);

        Assert.Equal(("m-merge", "site-a", 11UL, 20UL), (ack.Region, ack.Site, ack.Epoch, ack.MergedIndex));
        Assert.True(ack.ChainHash.SequenceEqual(log.ChainAt(20)));
        Assert.Equal(20L, r.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
        Assert.Equal(25UL, r.Host.Read(c => c.GetSiteStatus("site-a")!.ReportedCommittedIndex));

        // The host publishes the acks before it settles the batch with the broker.
        await WaitUntilAsync(() => r.Host.Metrics.DeltasSettled == 2 && r.Transport.Unsettled == 0);
    }

    [Fact]
    public async Task Ingest_SameDeltaTwice_ReAckedAndNotDoubled()
    {
        await using MqttRegionRun r = await f.StartRegionAsync("m-dup", f.NewFolder(), Cert, await f.AdmittedRegistryAsync());
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        var log = new SiteLog("site-a", 12, 10, region: "m-dup");
        byte[] wire = log.Signed(1, 10, f.A1.Certificate);

        await site.PublishAsync("m-dup", wire, "site-a:12:1-10");
        await site.WaitAckAsync(Cert, 10);
        await site.PublishAsync("m-dup", wire, "site-a:12:1-10");
        RegionAck again = await site.WaitAckAsync(Cert, 10);

        Assert.Equal(10UL, again.MergedIndex);
        Assert.Equal(1, r.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(1, r.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(10L, r.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Ingest_TamperedForgedWrongTopic_QuarantinedStateUnchanged()
    {
        await using MqttRegionRun r = await f.StartRegionAsync("m-quar", f.NewFolder(), Cert, await f.AdmittedRegistryAsync());
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        var log = new SiteLog("site-a", 14, 10, region: "m-quar");
        await site.PublishAsync("m-quar", log.Signed(1, 5, f.A1.Certificate), "site-a:14:1-5");
        await site.WaitAckAsync(Cert, 5);
        byte[] hash = r.Host.Read(c => c.ComputeStateHash());

        // Tampered: one value byte changed inside the signed content, the signature kept.
        SignedEnvelope env = SignedEnvelope.Decode(log.Signed(6, 10, f.A1.Certificate)).Value!;
        byte[] content = env.Content.ToArray();
        content[content.AsSpan().IndexOf("v7"u8) + 1] = (byte)'9';
        await site.PublishAsync("m-quar", SignedEnvelope.Encode(content, env.SignedData.Span), "tampered");
        await site.PublishAsync("m-quar", log.Signed(6, 10, RegionFleet.CreateCertificate("forger")), "forged");
        await site.PublishAsync("m-quar", log.Signed(6, 10, f.A1.Certificate), "wrong-topic", topicSite: "site-b");

        List<string> reasons = [];
        for (int i = 0; i < 400 && reasons.Count < 3; i++)
        {
            reasons = r.Host.Read(c => c.Quarantine.List().Select(q => q.Reason.ToCode()).ToList());
            await Task.Delay(25);
        }

        Assert.Equal(["signature-invalid", "signer-unknown", "subject-mismatch"], reasons);
        Assert.Equal(hash, r.Host.Read(c => c.ComputeStateHash()));
        Assert.Equal(5UL, r.Host.Read(c => c.GetSiteStatus("site-a")!.MergedIndex));
    }

    [Fact]
    public async Task Settle_RegionStopsBeforeThePubAck_BrokerRedeliversToTheNextRunWhichReAcks()
    {
        string store = f.NewFolder();
        NodeRegistry registry = await f.AdmittedRegistryAsync();
        var log = new SiteLog("site-a", 15, 10, region: "m-settle");
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        SettleDroppingTransport? dropping = null;
        await using (MqttRegionRun first = await f.StartRegionAsync("m-settle", store, Cert, registry, wrap: t => dropping = new SettleDroppingTransport(t, drops: 1)))
        {
            await site.PublishAsync("m-settle", log.Signed(1, 10, f.A1.Certificate), "site-a:15:1-10");
            await site.WaitAckAsync(Cert, 10);
            await WaitUntilAsync(() => dropping!.Dropped == 1);
            Assert.Equal(1, first.Transport.Unsettled);
        }

        // Nothing is published again: the only way the new run can ack is the broker redelivering the unacknowledged delta.
        await using MqttRegionRun second = await f.StartRegionAsync("m-settle", store, Cert, registry);
        RegionAck ack = await site.WaitAckAsync(Cert, 10);

        Assert.Equal(10UL, ack.MergedIndex);
        Assert.Equal(1, second.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(10L, second.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Release_FsyncFailsInTheTurn_ConnectionDroppedAndTheBrokerRedeliversWhichIsAcked()
    {
        var disk = new FlakyFileSystem(f.NewFolder());
        await using MqttRegionRun r = await f.StartRegionAsync("m-release", "", Cert, await f.AdmittedRegistryAsync(), fileSystem: disk);
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        var log = new SiteLog("site-a", 18, 10, region: "m-release");
        disk.FailSync = true;

        await site.PublishAsync("m-release", log.Signed(1, 10, f.A1.Certificate), "site-a:18:1-10");
        await WaitUntilAsync(() => r.Transport.Released >= 1);
        disk.FailSync = false;

        // Published once: the ack can only come from the broker's redelivery on the resumed session.
        RegionAck ack = await site.WaitAckAsync(Cert, 10);
        Assert.Equal(10UL, ack.MergedIndex);
        Assert.True(r.Transport.Reconnects >= 1);
        Assert.True(r.Host.Metrics.Reopens >= 1);
        Assert.Equal(10L, r.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Session_DeltasSentWhileRegionAwayAndBrokerRestarted_DeliveredWhenRegionReturns()
    {
        string store = f.NewFolder();
        NodeRegistry registry = await f.AdmittedRegistryAsync();
        var log = new SiteLog("site-a", 16, 30, region: "m-away");

        // The first run creates the persistent session (its subscriptions), then goes away.
        await (await f.StartRegionAsync("m-away", store, Cert, registry)).DisposeAsync();
        await using (MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a"))
        {
            for (ulong a = 1; a <= 30; a += 10)
            {
                Assert.Equal(MqttClientPublishReasonCode.Success, await site.PublishAsync("m-away", log.Signed(a, a + 9, f.A1.Certificate), $"site-a:16:{a}-{a + 9}"));
            }
        }

        await f.Broker.RestartAsync();
        await using MqttSiteClient returned = await MqttSiteClient.StartAsync(f.Broker, "site-a");
        await using MqttRegionRun r = await f.StartRegionAsync("m-away", store, Cert, registry);
        RegionAck ack = await returned.WaitAckAsync(Cert, 30);

        Assert.Equal(30UL, ack.MergedIndex);
        Assert.Equal(3, r.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(30L, r.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Ingest_BrokerRestartedMidStream_NothingLostNothingDoubled()
    {
        await using MqttRegionRun r = await f.StartRegionAsync("m-restart", f.NewFolder(), Cert, await f.AdmittedRegistryAsync());
        var log = new SiteLog("site-a", 17, 40, region: "m-restart");
        await using (MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-a"))
        {
            for (ulong a = 1; a <= 20; a += 5)
            {
                await site.PublishAsync("m-restart", log.Signed(a, a + 4, f.A1.Certificate), $"site-a:17:{a}-{a + 4}");
            }
        }

        // Restarted while the region may still hold some of them unsettled; the region reconnects by itself.
        await f.Broker.RestartAsync();
        await using MqttSiteClient again = await MqttSiteClient.StartAsync(f.Broker, "site-a");

        // The site resends what it has no ack for (as its outbox does: here, all of the first half), then the rest.
        for (ulong a = 1; a <= 40; a += 5)
        {
            await again.PublishAsync("m-restart", log.Signed(a, a + 4, f.A1.Certificate), $"site-a:17:{a}-{a + 4}");
        }

        RegionAck ack = await again.WaitAckAsync(Cert, 40, TimeSpan.FromSeconds(30));

        Assert.Equal(40UL, ack.MergedIndex);
        Assert.True(ack.ChainHash.SequenceEqual(log.ChainAt(40)));
        Assert.Equal(8, r.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(40L, r.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
        Assert.True(r.Transport.IsConnected);
    }

    [Fact]
    public async Task Requests_EnrollOnSiteTopic_AnsweredOnResponseTopicWithCorrelationData()
    {
        List<(RegionRequestKind, string, byte[])> seen = [];
        RegionRequestHandler handler = (kind, s, payload, _) =>
        {
            lock (seen)
            {
                seen.Add((kind, s, payload.ToArray()));
            }

            return ValueTask.FromResult<byte[]?>([.. "reply:"u8, .. payload.Span]);
        };
        await using MqttRegionRun r = await f.StartRegionAsync("m-req", f.NewFolder(), Cert, await f.AdmittedRegistryAsync(), requests: handler);
        await using MqttSiteClient site = await MqttSiteClient.StartAsync(f.Broker, "site-r");
        byte[] correlation = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

        // A response topic outside the site's own reply tree is never answered (the region would publish anywhere).
        await site.PublishRequestAsync("grey/enroll/site-r", "evil"u8.ToArray(), "grey/ack/site-x", correlation);
        await site.PublishRequestAsync("grey/attest/site-r", "quote"u8.ToArray(), "grey/reply/site-r/n1", correlation);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        byte[] reply = await site.Replies.Reader.ReadAsync(timeout.Token);
        byte[] replyCorrelation = await site.ReplyCorrelations.Reader.ReadAsync(timeout.Token);

        Assert.Equal("reply:quote"u8.ToArray(), reply);
        Assert.Equal(correlation, replyCorrelation);
        lock (seen)
        {
            (RegionRequestKind kind, string who, byte[] payload) = Assert.Single(seen);
            Assert.Equal((RegionRequestKind.Attest, "site-r"), (kind, who));
            Assert.Equal("quote"u8.ToArray(), payload);
        }

        Assert.Equal(1, r.Transport.Ignored);
    }

    [Fact]
    public async Task StartAsync_NoBrokerListening_ThrowsTransportException()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await Assert.ThrowsAsync<Grey.Region.Hosting.RegionTransportException>(() => MqttRegionTransport.StartAsync(
            new MqttRegionConnection("127.0.0.1", port, "grey-region-none"), "none", [], new MqttRegionLimits { ConnectTimeout = TimeSpan.FromSeconds(2) }, null, CancellationToken.None));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}

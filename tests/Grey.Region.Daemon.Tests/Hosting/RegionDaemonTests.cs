using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Hosting;

/// <summary>The daemon in process over a real nats-server: ingest over JetStream, acks, NAKs, quarantine, restarts, two regions.</summary>
public sealed class RegionDaemonTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("region");

    [Fact]
    public async Task Ingest_DeltasOnJetStream_MergedAndSignedAckOnAckSubject()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-merge", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 11, 20, region: "t-merge");

        await site.PublishAsync("t-merge", log.Signed(1, 10, f.A1.Certificate), "site-a:11:1-10", committed: 20);
        await site.PublishAsync("t-merge", log.Signed(11, 20, f.A1.Certificate), "site-a:11:11-20", committed: 25);
        RegionAck ack = await site.WaitAckAsync(Cert, 20);

        Assert.Equal(("t-merge", "site-a", 11UL, 20UL), (ack.Region, ack.Site, ack.Epoch, ack.MergedIndex));
        Assert.True(ack.ChainHash.SequenceEqual(log.ChainAt(20)));
        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        using JsonDocument status = JsonDocument.Parse(await http.GetStringAsync("/v1/sites/site-a"));
        Assert.Equal(20UL, status.RootElement.GetProperty("merged_index").GetUInt64());
        Assert.Equal(5UL, status.RootElement.GetProperty("lag").GetUInt64());
        Assert.Equal("passing", status.RootElement.GetProperty("attestation")[0].GetProperty("attestation").GetString());
        Assert.Equal("v20", await http.GetStringAsync("/v1/sites/site-a/state/k6"));
        Assert.Equal("20", await http.GetStringAsync("/v1/shared/count"));
        Assert.Equal(2, d.Host.Metrics.DeltasSettled);
    }

    [Fact]
    public async Task Ingest_SameDeltaTwice_ReAckedAndNotDoubled()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-dup", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 12, 10, region: "t-dup");
        byte[] wire = log.Signed(1, 10, f.A1.Certificate);

        await site.PublishAsync("t-dup", wire, "site-a:12:1-10");
        await site.WaitAckAsync(Cert, 10);

        // A different message id gets past the broker's duplicate window, as a resend after the window would.
        await site.PublishAsync("t-dup", wire, "site-a:12:1-10-resent");
        RegionAck again = await site.WaitAckAsync(Cert, 10);

        Assert.Equal(10UL, again.MergedIndex);
        Assert.Equal(1, d.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(1, d.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(10L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Ingest_Gap_NakNamesFirstMissingIndexThenMergesWhenFilled()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-gap", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 13, 20, region: "t-gap");

        await site.PublishAsync("t-gap", log.Signed(1, 5, f.A1.Certificate), "site-a:13:1-5");
        await site.WaitAckAsync(Cert, 5);
        await site.PublishAsync("t-gap", log.Signed(11, 20, f.A1.Certificate), "site-a:13:11-20");
        SiteNak nak = await site.WaitNakAsync();

        Assert.Equal(("t-gap", "site-a", 13UL, 6UL), (nak.Region, nak.Site, nak.Epoch, nak.FirstMissingIndex));
        await site.PublishAsync("t-gap", log.Signed(6, 10, f.A1.Certificate), "site-a:13:6-10");
        RegionAck ack = await site.WaitAckAsync(Cert, 20);
        Assert.Equal(20UL, ack.MergedIndex);
        Assert.Equal(20L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }

    [Fact]
    public async Task Ingest_TamperedForgedOutOfChain_QuarantinedAndListedByApi()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-quar", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 14, 10, region: "t-quar");
        var fork = new SiteLog("site-a", 14, 10, region: "t-quar", origin: "n9");
        await site.PublishAsync("t-quar", log.Signed(1, 5, f.A1.Certificate), "site-a:14:1-5");
        await site.WaitAckAsync(Cert, 5);
        byte[] hash = d.Host.Read(c => c.ComputeStateHash());

        // Tampered: one value byte changed inside the signed content, the signature kept.
        SignedEnvelope env = SignedEnvelope.Decode(log.Signed(6, 10, f.A1.Certificate)).Value!;
        byte[] content = env.Content.ToArray();
        content[content.AsSpan().IndexOf("v7"u8) + 1] = (byte)'9';
        byte[] tampered = SignedEnvelope.Encode(content, env.SignedData.Span);
        await site.PublishAsync("t-quar", tampered, "tampered");
        await site.PublishAsync("t-quar", log.Signed(6, 10, RegionFleet.CreateCertificate("forger")), "forged");
        await site.PublishAsync("t-quar", fork.Signed(6, 10, f.A1.Certificate), "fork");
        await site.PublishAsync("t-quar", log.Signed(6, 10, f.A1.Certificate), "wrong-subject", subjectSite: "site-b");

        using var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        List<string> reasons = [];
        for (int i = 0; i < 200 && reasons.Count < 4; i++)
        {
            using JsonDocument q = JsonDocument.Parse(await http.GetStringAsync("/v1/quarantine"));
            reasons = [.. q.RootElement.EnumerateArray().Select(e => e.GetProperty("reason").GetString()!)];
            await Task.Delay(50);
        }

        Assert.Equal(["signature-invalid", "signer-unknown", "chain-broken", "subject-mismatch"], reasons);
        Assert.Equal(hash, d.Host.Read(c => c.ComputeStateHash()));
        Assert.Equal(5UL, d.Host.Read(c => c.GetSiteStatus("site-a")!.MergedIndex));
    }

    [Fact]
    public async Task Ingest_BrokerKilledAndRestartedMidStream_NothingLostNothingDoubled()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-broker", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 15, 40, region: "t-broker");
        for (ulong a = 1; a <= 20; a += 5)
        {
            await site.PublishAsync("t-broker", log.Signed(a, a + 4, f.A1.Certificate), $"site-a:15:{a}-{a + 4}");
        }

        await f.Nats.RestartAsync(TimeSpan.FromMilliseconds(300));
        for (ulong a = 21; a <= 40; a += 5)
        {
            await site.PublishAsync("t-broker", log.Signed(a, a + 4, f.A1.Certificate), $"site-a:15:{a}-{a + 4}");
        }

        // Acks published while the broker was down are lost (core NATS); the site resends what is unacknowledged, as
        // the outbox does after its ack timeout. Resends are duplicates or fill what the broker lost.
        RegionAck? ack = null;
        for (int round = 0; round < 5 && ack is null; round++)
        {
            try
            {
                ack = await site.WaitAckAsync(Cert, 40, TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                ulong merged = d.Host.Read(c => c.GetSiteStatus("site-a")?.MergedIndex ?? 0);
                for (ulong a = merged + 1; a <= 40; a += 5)
                {
                    ulong first = ((a - 1) / 5 * 5) + 1;
                    await site.PublishAsync("t-broker", log.Signed(first, first + 4, f.A1.Certificate), $"site-a:15:{first}-{first + 4}:r{round}");
                }
            }
        }

        Assert.True(ack is not null, $"merged {d.Host.Read(c => c.GetSiteStatus("site-a")?.MergedIndex)}, received {d.Host.Metrics.DeltasReceived}, settled {d.Host.Metrics.DeltasSettled}, acks {d.Host.Metrics.AcksPublished}, restarts {d.Transport.ConsumerRestarts}, failures {d.Host.Metrics.TransportFailures}");
        Assert.Equal(40L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
        Assert.Equal(8, d.Host.Read(c => c.Metrics.Merged + c.Metrics.Released));
    }

    [Fact]
    public async Task Restart_SameStateHashAckedIndexKept_ResentDeltaIsDuplicate()
    {
        string data = f.NewFolder();
        var log = new SiteLog("site-a", 16, 30, region: "t-restart");
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        byte[] hash;
        await using (RegionDaemon d = await f.StartRegionAsync("t-restart", data, Cert))
        {
            await f.AdmitAsync(d, f.A1);
            await site.PublishAsync("t-restart", log.Signed(1, 15, f.A1.Certificate), "site-a:16:1-15");
            await site.PublishAsync("t-restart", log.Signed(16, 30, f.A1.Certificate), "site-a:16:16-30");
            await site.WaitAckAsync(Cert, 30);
            hash = d.Host.Read(c => c.ComputeStateHash());
        }

        await using RegionDaemon again = await f.StartRegionAsync("t-restart", data, Cert);

        Assert.Equal(hash, again.Host.Read(c => c.ComputeStateHash()));
        Assert.Equal(30UL, again.Host.Read(c => c.GetSiteStatus("site-a")!.MergedIndex));

        // The registry came back from its journal (enrolment and the still-fresh attestation result): the resent
        // delta is verified and re-acknowledged as a duplicate, not quarantined.
        await site.PublishAsync("t-restart", log.Signed(16, 30, f.A1.Certificate), "site-a:16:16-30:resent");
        RegionAck ack = await site.WaitAckAsync(Cert, 30);
        Assert.Equal(30UL, ack.MergedIndex);
        Assert.Equal(1, again.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(0, again.Host.Read(c => c.Quarantine.Count));
        Assert.Equal(hash, again.Host.Read(c => c.ComputeStateHash()));
    }

    [Fact]
    public async Task TwoRegions_OneBroker_ConvergeToSameStateHash()
    {
        X509Certificate2 c0 = RegionFixture.RegionCertificate("u0");
        X509Certificate2 c1 = RegionFixture.RegionCertificate("u1");
        string certs = f.NewFolder();
        await File.WriteAllTextAsync(Path.Combine(certs, "u0.pem"), c0.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(certs, "u1.pem"), c1.ExportCertificatePem());
        await using RegionDaemon r0 = await f.StartRegionAsync("u0", f.NewFolder(), c0, peers: ["u1"], peerCerts: certs);
        await using RegionDaemon r1 = await f.StartRegionAsync("u1", f.NewFolder(), c1, peers: ["u0"], peerCerts: certs);
        await f.AdmitAsync(r0, f.A1);
        await f.AdmitAsync(r1, f.B1);
        await using SiteClient a = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        await using SiteClient b = await SiteClient.StartAsync(f.Nats.Url, "site-b");
        var logA = new SiteLog("site-a", 17, 12, region: "u0");
        var logB = new SiteLog("site-b", 18, 9, region: "u1", origin: "n2");

        await a.PublishAsync("u0", logA.Signed(1, 12, f.A1.Certificate), "site-a:17:1-12");
        await b.PublishAsync("u1", logB.Signed(1, 9, f.B1.Certificate), "site-b:18:1-9");
        try
        {
            await a.WaitAckAsync(c0, 12);
            await b.WaitAckAsync(c1, 9);
        }
        catch (TimeoutException e)
        {
            RegionDaemon[] both = [r0, r1];
            throw new TimeoutException(e.Message + ": " + string.Join("; ", both.Select(r =>
                $"received {r.Host.Metrics.DeltasReceived} settled {r.Host.Metrics.DeltasSettled} acks {r.Host.Metrics.AcksPublished} failures {r.Host.Metrics.TransportFailures} " +
                $"reopens {r.Host.Metrics.Reopens} naks {r.Host.Metrics.NaksPublished} signals {r.Host.Metrics.RegionDeltasReceived} loop {r.Completion.Status} {r.Completion.Exception?.GetBaseException()} restarts {r.Transport.ConsumerRestarts} quarantine [{string.Join(",", r.Host.Read(c => c.Quarantine.List()).Select(q => q.Detail))}]")), e);
        }

        byte[] h0 = [];
        byte[] h1 = [1];
        for (int i = 0; i < 200 && !h0.AsSpan().SequenceEqual(h1); i++)
        {
            // Region deltas go out by the region's (fake) clock: let it pass their interval.
            f.Fleet.Time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(50);
            h0 = r0.Host.Read(c => c.ComputeStateHash());
            h1 = r1.Host.Read(c => c.ComputeStateHash());
        }

        Assert.True(h0.AsSpan().SequenceEqual(h1), string.Join("; ", r0.Host.Read(c => c.Quarantine.List()).Concat(r1.Host.Read(c => c.Quarantine.List())).Select(q => q.Detail))
            + $" r0 received {r0.Host.Metrics.RegionDeltasReceived} published {r0.Host.Metrics.RegionDeltasPublished}, r1 received {r1.Host.Metrics.RegionDeltasReceived} published {r1.Host.Metrics.RegionDeltasPublished} failures {r0.Host.Metrics.TransportFailures}");
        Assert.Equal(21L, r0.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
        Assert.Equal(9UL, r0.Host.Read(c => c.GetSiteStatus("site-b")!.MergedIndex));
        Assert.Equal(12UL, r1.Host.Read(c => c.GetSiteStatus("site-a")!.MergedIndex));
    }

    [Fact]
    public async Task Status_SiteReportOnStatusSubject_SetsLag()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-status", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 19, 10, region: "t-status");
        await site.PublishAsync("t-status", log.Signed(1, 10, f.A1.Certificate), "site-a:19:1-10");
        await site.WaitAckAsync(Cert, 10);

        await using var nats = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = f.Nats.Url });
        ulong? lag = null;
        for (int i = 0; i < 100 && lag != 32; i++)
        {
            await nats.PublishAsync("grey.status.t-status.site-a", new SiteReport("site-a", 19, 42, 10, 32, 3200, 1000, 0).Encode());
            await Task.Delay(50);
            lag = d.Host.Read(c => c.GetSiteStatus("site-a")!.Lag);
        }

        Assert.Equal(32UL, lag);

        // A report whose body names another site than its subject is refused.
        await nats.PublishAsync("grey.status.t-status.site-a", new SiteReport("site-b", 19, 99, 10, 0, 0, 0, 0).Encode());
        for (int i = 0; i < 100 && d.Host.Metrics.ReportsRefused == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, d.Host.Metrics.ReportsRefused);
        Assert.Equal(32UL, d.Host.Read(c => c.GetSiteStatus("site-a")!.Lag));
    }

    [Fact]
    public async Task Settle_LostAfterFlush_BrokerRedeliversAndTheRegionReAcksADuplicate()
    {
        SettleDroppingTransport? dropping = null;
        await using RegionDaemon d = await f.StartRegionAsync("t-settle", f.NewFolder(), Cert,
            wrapTransport: t => dropping = new SettleDroppingTransport(t, drops: 1),
            natsLimits: new Grey.Region.Daemon.Nats.NatsTransportLimits { AckWait = TimeSpan.FromSeconds(2) });
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 22, 10, region: "t-settle");

        await site.PublishAsync("t-settle", log.Signed(1, 10, f.A1.Certificate), "site-a:22:1-10");
        Assert.Equal(10UL, (await site.WaitAckAsync(Cert, 10)).MergedIndex);

        // The merge was durable and acknowledged, but the broker never heard: after its ack wait it delivers the
        // message again, and the region acknowledges it again as a duplicate.
        Assert.Equal(10UL, (await site.WaitAckAsync(Cert, 10, TimeSpan.FromSeconds(15))).MergedIndex);
        Assert.Equal(1, dropping!.Dropped);
        Assert.Equal(1, d.Host.Read(c => c.Metrics.Duplicates));
        Assert.Equal(1, d.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(10L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
        Assert.Equal(2, d.Host.Metrics.DeltasReceived);
    }

    [Fact]
    public async Task Ingest_HundredDeltasBackToBack_AllMergedOnceAndTimed()
    {
        await using RegionDaemon d = await f.StartRegionAsync("t-rate", f.NewFolder(), Cert);
        await f.AdmitAsync(d, f.A1);
        await using SiteClient site = await SiteClient.StartAsync(f.Nats.Url, "site-a");
        var log = new SiteLog("site-a", 23, 200, region: "t-rate");
        byte[][] wires = [.. Enumerable.Range(0, 100).Select(i => log.Signed((ulong)(2 * i) + 1, (ulong)(2 * i) + 2, f.A1.Certificate))];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < wires.Length; i++)
        {
            await site.PublishAsync("t-rate", wires[i], $"site-a:23:{(2 * i) + 1}-{(2 * i) + 2}");
        }

        TimeSpan published = clock.Elapsed;
        await site.WaitAckAsync(Cert, 200, TimeSpan.FromSeconds(60));
        TimeSpan acked = clock.Elapsed;

        Console.WriteLine($"100 deltas (2 entries each): published in {published.TotalMilliseconds:0} ms, last ack after {acked.TotalMilliseconds:0} ms, " +
            $"{d.Host.Read(c => c.Metrics.GroupCommits)} group commits, {d.Host.Read(c => c.Fsyncs)} fsyncs");
        Assert.Equal(100, d.Host.Read(c => c.Metrics.Merged));
        Assert.Equal(200L, d.Host.Read(c => c.State.GetCounterValue("", "shared/count")));
    }
}

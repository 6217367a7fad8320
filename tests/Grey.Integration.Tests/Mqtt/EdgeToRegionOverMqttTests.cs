using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Federation.Signing;
using Grey.Integration.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>
/// Issue 7 over MQTT with real processes: mosquitto, <c>grey-region --dev --mqtt URL</c> and three
/// <c>grey-edge --region r1 --mqtt URL</c>. One fixture runs the scenarios one after another on the same federation,
/// to stay within the folder's CI budget: the leader killed while shipping under load, mosquitto SIGKILLed for 30 s
/// under load and restarted on the same port, nothing lost or doubled and the backlog drained; the killed node's
/// persistent session delivering the acks queued for it; duplicates, tampered, forged and wrong-topic deltas
/// published straight onto <c>grey/delta/r1/plant-7</c>; and a device writing through node 1's <c>--device-mqtt</c>.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class EdgeToRegionOverMqttTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan BrokerOutage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Federation_LeaderKilledBrokerDown30sInjectedDeltasAndDevice_ExactlyOnceAndRejectedWithReasons()
    {
        await using MqttFederation fed = await MqttFederation.StartAsync(withNats: false);
        await using MqttDeltaTap tap = await MqttDeltaTap.StartAsync(fed.Mosquitto.Port, MqttFederation.RegionId, MqttFederation.SiteId);
        var load = new SiteLoad(fed);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync("load", stop.Token);
        long restarted = 0;
        try
        {
            Assert.True(await MqttFederation.EventuallyAsync(async () => await fed.RegionMergedIndexAsync() > 0, ArrivalTimeout),
                "nothing merged at the region over MQTT\n" + fed.Logs());

            // The leader killed while shipping: the load keeps it busy, so it has deltas in flight or about to be.
            int killed = await fed.WaitLeaderAsync();
            PrometheusText before = await fed.NodeMetricsAsync(killed);
            await fed.KillNodeAsync(killed);
            output.WriteLine($"killed leader n{killed + 1} while shipping: {load.Written} writes acknowledged, its outbox had shipped {before["grey_edge_outbox_deltas_shipped_total"]} deltas, {before["grey_edge_outbox_in_flight_deltas"]} in flight, backlog {before["grey_edge_outbox_backlog_entries"]}");
            int leader = await fed.WaitLeaderAsync();
            ulong mergedAfterKill = await fed.RegionMergedIndexAsync();
            Assert.True(await MqttFederation.EventuallyAsync(async () => await fed.RegionMergedIndexAsync() > mergedAfterKill + 10, ArrivalTimeout),
                $"the new leader n{leader + 1} did not ship\n{fed.Logs()}");

            // Mosquitto SIGKILLed under load for 30 s, then started on the same port and store.
            await fed.Mosquitto.StopAsync();
            int atStop = load.Written;
            await Task.Delay(BrokerOutage);
            leader = await fed.WaitLeaderAsync();
            long backlog = (await fed.NodeMetricsAsync(leader))["grey_edge_outbox_backlog_entries"];
            output.WriteLine($"mosquitto down for {BrokerOutage.TotalSeconds:0} s: {load.Written - atStop} writes acknowledged meanwhile, leader n{leader + 1} backlog {backlog} entries");
            Assert.True(backlog > 0, "the outage built no backlog: the load did not run while the broker was down");
            await fed.Mosquitto.RestartAsync();
            restarted = TimeProvider.System.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        output.WriteLine($"load stopped: {load.Written} writes acknowledged");
        await load.AssertArrivedAsync(ArrivalTimeout, output);
        output.WriteLine($"everything merged {TimeProvider.System.GetElapsedTime(restarted).TotalSeconds:0.0} s after mosquitto restarted (3 s of it still under load; includes the checks)");
        int current = await fed.WaitLeaderAsync();
        Assert.True(await MqttFederation.EventuallyAsync(async () => (await fed.NodeMetricsAsync(current))["grey_edge_outbox_backlog_entries"] == 0, ArrivalTimeout),
            $"leader n{current + 1}'s backlog did not drain\n{fed.Logs()}");
        PrometheusText leaderMetrics = await fed.NodeMetricsAsync(current);
        output.WriteLine($"backlog drained; leader n{current + 1}: resends {leaderMetrics["grey_edge_outbox_resends_total"]}, acks accepted {leaderMetrics["grey_edge_outbox_acks_accepted_total"]}, mqtt link ups {leaderMetrics["grey_edge_mqtt_link_ups_total"]}");

        await InjectedDeltasAsync(fed, tap, load);
        await PersistentSessionAsync(fed);
        await DeviceWriteAsync(fed);
    }

    /// <summary>
    /// Deltas published straight onto the site's topic by a client with broker access: a real delta twice more
    /// (duplicates: counted, re-acked, never merged), one with a byte of its content changed (signature-invalid), its
    /// content re-signed by a key no node enrolled (signer-unknown), and the real delta on another site's topic
    /// (subject-mismatch). The site is idle, so the region merges nothing meanwhile and its state is unchanged.
    /// </summary>
    private async Task InjectedDeltasAsync(MqttFederation fed, MqttDeltaTap tap, SiteLoad load)
    {
        Assert.NotEmpty(tap.Captured);
        byte[] real = tap.Captured[^1];
        SignedEnvelope envelope = SignedEnvelope.Decode(real).Value ?? throw new InvalidOperationException("the captured delta does not decode");
        byte[] content = envelope.Content.ToArray();
        int at = content.AsSpan().IndexOf("w/"u8);
        Assert.True(at >= 0, "the captured delta names no w/ key");
        content[at] = (byte)'x';
        byte[] tampered = SignedEnvelope.Encode(content, envelope.SignedData.Span);
        using X509Certificate2 forger = ForgerCertificate();
        byte[] forged = new MessageSigner(forger).SignEnvelope(envelope.Content.Span);

        PrometheusText before = await fed.RegionMetricsAsync();
        long counter = await fed.RegionCounterAsync(SiteLoad.CounterKey);
        string r = MqttFederation.RegionId;
        string s = MqttFederation.SiteId;
        Assert.Equal(MqttClientPublishReasonCode.Success, await tap.PublishAsync(r, s, real, "dup-1"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await tap.PublishAsync(r, s, real, "dup-2"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await tap.PublishAsync(r, s, tampered, "tampered"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await tap.PublishAsync(r, s, forged, "forged"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await tap.PublishAsync(r, "plant-8", real, "wrong-topic"));

        PrometheusText after = before;
        bool counted = await MqttFederation.EventuallyAsync(async () =>
        {
            after = await fed.RegionMetricsAsync();
            return after["grey_region_duplicates_total"] - before["grey_region_duplicates_total"] >= 2
                && Rejected(after, "signature-invalid") > Rejected(before, "signature-invalid")
                && Rejected(after, "signer-unknown") > Rejected(before, "signer-unknown")
                && Rejected(after, "subject-mismatch") > Rejected(before, "subject-mismatch");
        }, ArrivalTimeout);
        Assert.True(counted, $"injected deltas not all counted: duplicates {before["grey_region_duplicates_total"]} -> {after["grey_region_duplicates_total"]}, " +
            $"signature-invalid {Rejected(after, "signature-invalid")}, signer-unknown {Rejected(after, "signer-unknown")}, subject-mismatch {Rejected(after, "subject-mismatch")}\n{fed.Logs()}");
        Assert.Equal(before["grey_region_deltas_merged_total"], after["grey_region_deltas_merged_total"]);
        Assert.Equal(before["grey_region_operations_merged_total"], after["grey_region_operations_merged_total"]);
        Assert.Equal(counter, await fed.RegionCounterAsync(SiteLoad.CounterKey));

        IReadOnlyList<(string Reason, string Site)> quarantine = await fed.QuarantineAsync();
        foreach (string reason in (string[])["signature-invalid", "signer-unknown", "subject-mismatch"])
        {
            Assert.Contains(quarantine, q => q.Reason == reason);
        }

        output.WriteLine($"injected: duplicates +{after["grey_region_duplicates_total"] - before["grey_region_duplicates_total"]}, quarantine [{string.Join(", ", quarantine.Select(q => q.Reason + "@" + q.Site))}], merged unchanged at {after["grey_region_deltas_merged_total"]} deltas; the site's {load.Written} keys untouched");
    }

    /// <summary>
    /// The node killed earlier comes back while the site is idle: the acks the region published while it was down
    /// (before and across the broker restart) were queued in its persistent MQTT session and arrive on reconnect. The
    /// region publishes no ack meanwhile (its counter is unchanged), so what the node receives came from the session.
    /// </summary>
    private async Task PersistentSessionAsync(MqttFederation fed)
    {
        int dead = Enumerable.Range(0, fed.NodeCount).Single(i => !fed.Node(i).IsRunning);
        long acksPublished = (await fed.RegionMetricsAsync())["grey_region_acks_published_total"];
        fed.RestartNode(dead);
        await fed.WaitNodeHealthyAsync(dead);
        long inbound = 0;
        bool received = await MqttFederation.EventuallyAsync(async () =>
        {
            PrometheusText m = await fed.NodeMetricsAsync(dead);
            return m.TryGet("grey_edge_mqtt_connected", out long connected) && connected == 1
                && m.TryGet("grey_edge_mqtt_inbound_total", out inbound) && inbound > 0;
        }, TimeSpan.FromSeconds(30));
        long acksAfter = (await fed.RegionMetricsAsync())["grey_region_acks_published_total"];
        output.WriteLine($"n{dead + 1} restarted: {inbound} queued messages from its session; region acks published {acksPublished} -> {acksAfter}");
        Assert.True(received, $"n{dead + 1} received nothing from its persistent session\n{fed.Node(dead).Tail(30)}");
        Assert.Equal(acksPublished, acksAfter);
    }

    /// <summary>A device publishes on node 1's listener at QoS 1: the PUBACK comes once the put committed, and the value reaches the region.</summary>
    private async Task DeviceWriteAsync(MqttFederation fed)
    {
        using IMqttClient device = new MqttClientFactory().CreateMqttClient();
        await device.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", fed.DevicePort)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(MqttFederation.DeviceUser)
            .WithCredentials(MqttFederation.DeviceUser, MqttFederation.DevicePassword)
            .Build());
        string value = "21.5-" + Guid.NewGuid().ToString("N")[..8];
        MqttClientPublishResult result = await device.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("grey/kv/device/line-3/temp")
            .WithPayload(Encoding.UTF8.GetBytes(value))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        MqttClientPublishResult refused = await device.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("grey/kv/desired/line-3/speed")
            .WithPayload("1"u8.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        byte[]? got = null;
        bool arrived = await MqttFederation.EventuallyAsync(async () =>
        {
            got = await fed.RegionValueAsync("device/line-3/temp");
            return got is not null && Encoding.UTF8.GetString(got) == value;
        }, ArrivalTimeout);
        Assert.True(arrived, $"the device's write did not reach the region (got {(got is null ? "nothing" : Encoding.UTF8.GetString(got))})\n{fed.Logs()}");
        await device.DisconnectAsync();
        output.WriteLine($"device write {value} acknowledged by n1 and merged at the region; desired/ refused {refused.ReasonCode}");
    }

    private static long Rejected(PrometheusText metrics, string reason) => metrics[$"grey_region_rejected_total{{reason=\"{reason}\"}}"];

    private static X509Certificate2 ForgerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=forger.plant-7", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Grey.Edge.Uplink.Mqtt.Tests.Support;
using Xunit.Abstractions;

namespace Grey.Edge.Uplink.Mqtt.Tests;

/// <summary>Many deltas through the bounded window, and a broker outage in the middle of shipping.</summary>
public sealed class MqttUplinkLoadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PublishDeltaAsync_2000ConcurrentDeltasThroughTheWindow_AllStoredAndEachArrivesOnce()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-load");
        await region.SubscribeAsync("grey/delta/r1/+");
        var options = MqttUplinkTests.Options(broker.Url, "site-load") with { MaxInFlight = 32 };
        await using var uplink = await MqttUplinkTests.StartReadyAsync(options);
        const int count = 2000;
        var payload = new byte[1024];

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(1, count).Select(async i =>
        {
            var wire = (byte[])payload.Clone();
            BitConverter.TryWriteBytes(wire, i);
            return await uplink.PublishDeltaAsync(new OutgoingDelta($"site-load:1:{i}-{i}", (ulong)i, (ulong)i, wire, (ulong)i), CancellationToken.None);
        }));
        var published = clock.Elapsed;
        await Until(() => region.Received.Count >= count);

        Assert.All(results, r => Assert.True(r.Stored, r.Detail));
        var indices = region.Received.Select(m => BitConverter.ToInt32(m.Payload.ToArray())).ToList();
        Assert.Equal(Enumerable.Range(1, count), indices.Order());
        output.WriteLine($"{count} deltas of 1 KiB, window {options.MaxInFlight}: all PUBACKed in {published.TotalMilliseconds:0} ms ({count / published.TotalSeconds:0} deltas/s)");
    }

    [Fact]
    public async Task PublishDeltaAsync_BrokerDownWhileShipping_NoHangAndShippingResumesSoonAfterItReturns()
    {
        await using var broker = await Mosquitto.StartAsync();
        await using var region = await TestClient.ConnectAsync(broker.Port, "region-outage");
        await region.SubscribeAsync("grey/delta/r1/+");
        await using var uplink = await MqttUplinkTests.StartReadyAsync(MqttUplinkTests.Options(broker.Url, "site-outage"));
        var stored = new ConcurrentDictionary<int, bool>();
        using var stop = new CancellationTokenSource();
        var unavailable = 0;
        var shipper = Task.Run(async () =>
        {
            // The outbox's behaviour reduced to its core: resend whatever is not stored yet, in order.
            var next = 1;
            while (!stop.IsCancellationRequested && next <= 400)
            {
                var result = await uplink.PublishDeltaAsync(new OutgoingDelta($"site-outage:1:{next}-{next}", (ulong)next, (ulong)next, BitConverter.GetBytes(next), (ulong)next), CancellationToken.None);
                if (result.Stored)
                {
                    stored[next++] = true;
                }
                else
                {
                    Interlocked.Increment(ref unavailable);
                    await Task.Delay(20);
                }
            }
        });

        await Until(() => stored.Count >= 50);
        await broker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var duringOutage = stored.Count;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(duringOutage, stored.Count);
        var restarted = Stopwatch.StartNew();
        await broker.StartAgainAsync();
        await Until(() => stored.Count > duringOutage);
        var resumedAfter = restarted.Elapsed;
        await shipper.WaitAsync(Wait);

        Assert.Equal(400, stored.Count);
        Assert.True(unavailable > 0);
        output.WriteLine($"outage: {unavailable} Unavailable answers, no hang; first delta stored {resumedAfter.TotalMilliseconds:0} ms after the broker listened again");

        // The region subscriber here is not persistent, so what was published while it was disconnected is
        // gone; the region's persistent session and the outbox's resend cover that in the product.
        Assert.True(resumedAfter < TimeSpan.FromSeconds(5), $"shipping resumed only after {resumedAfter}");
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}

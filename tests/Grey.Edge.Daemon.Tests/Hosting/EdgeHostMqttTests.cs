using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;
using Grey.Edge.Daemon.Tests.Support;

namespace Grey.Edge.Daemon.Tests.Hosting;

/// <summary>
/// A one-node site started with <c>--region --mqtt</c> against a real mosquitto and no region subscribed: the MQTT
/// uplink comes up, enrollment finds no region (the request's "no matching subscribers"), so every write stays in
/// the backlog; /v1/status and /metrics say so, and the link goes down with the broker.
/// </summary>
public sealed class EdgeHostMqttTests
{
    [Fact]
    public async Task StartAsync_RegionOverMqttNoResponder_ConnectedAndBacklogGrows()
    {
        var dir = Directory.CreateTempSubdirectory("grey-edge-mqtt-").FullName;
        using var broker = await MosquittoProcess.StartAsync();
        try
        {
            var options = new DaemonOptions
            {
                NodeId = 1,
                Site = "site-mq",
                DataDirectory = Path.Combine(dir, "node"),
                Api = new IPEndPoint(IPAddress.Loopback, 0),
                TickMs = 20,
                Region = "r1",
                MqttUrl = broker.Url,
            };
            await using var host = await EdgeHost.StartAsync(options, TimeProvider.System);
            using var client = new HttpClient { BaseAddress = new Uri(host.ApiUrl), Timeout = TimeSpan.FromSeconds(20) };
            var status = await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("connected").GetBoolean() && s.GetProperty("role").GetString() == "leader");
            Assert.Equal("mqtt", status.GetProperty("uplink").GetProperty("transport").GetString());

            for (var i = 0; i < 3; i++)
            {
                using var put = await client.PutAsync($"/v1/kv/k{i}", new ByteArrayContent([(byte)i]));
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            status = await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("backlog_entries").GetInt64() >= 3);
            var uplink = status.GetProperty("uplink");
            Assert.Equal("r1", uplink.GetProperty("region").GetString());
            Assert.Contains(broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), uplink.GetProperty("servers").GetString(), StringComparison.Ordinal);
            Assert.False(uplink.GetProperty("enrolled").GetBoolean());
            Assert.False(uplink.GetProperty("has_signer").GetBoolean());
            Assert.Equal(0UL, uplink.GetProperty("acked_index").GetUInt64());

            // The enrollment request went out over MQTT and found no region listening.
            status = await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("last_error").GetString() is { } e && e.Contains("grey/enroll/site-mq", StringComparison.Ordinal));
            var metrics = await client.GetStringAsync("/metrics");
            Assert.Contains("grey_edge_outbox_backlog_entries 3\n", metrics, StringComparison.Ordinal);
            Assert.Contains("grey_edge_uplink_connected 1\n", metrics, StringComparison.Ordinal);
            Assert.Contains("grey_edge_mqtt_connected 1\n", metrics, StringComparison.Ordinal);
            Assert.DoesNotContain("grey_edge_uplink_permission_violations_total", metrics, StringComparison.Ordinal);

            broker.Kill();
            status = await WaitForAsync(client, s => !s.GetProperty("uplink").GetProperty("connected").GetBoolean());
            Assert.Equal(3, status.GetProperty("uplink").GetProperty("backlog_entries").GetInt64());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement, bool> condition)
    {
        var watch = Stopwatch.StartNew();
        JsonElement last = default;
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/status"));
            last = doc.RootElement.Clone();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("condition not met; last status: " + last);
    }
}

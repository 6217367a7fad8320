using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Daemon.Hosting;

namespace Grey.Edge.Daemon.Tests.Hosting;

/// <summary>
/// A one-node site started with <c>--region</c> against a real nats-server and no region answering: the uplink
/// comes up, nothing can be enrolled, so every write stays in the backlog, and /v1/status and /metrics say so,
/// also after the broker is gone. A standalone node has no uplink section.
/// </summary>
public sealed class EdgeHostRegionTests
{
    [Fact]
    public async Task StartAsync_WithRegionNoResponder_UplinkSectionAndBacklogTrueWhileOffline()
    {
        var dir = Directory.CreateTempSubdirectory("grey-edge-region-").FullName;
        var port = FreePort();
        using var nats = Process.Start(new ProcessStartInfo(NatsServer(), ["-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", Path.Combine(dir, "js")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var options = new DaemonOptions
            {
                NodeId = 1,
                Site = "site-up",
                DataDirectory = Path.Combine(dir, "node"),
                Api = new IPEndPoint(IPAddress.Loopback, 0),
                TickMs = 20,
                Region = "r1",
                NatsUrls = $"nats://127.0.0.1:{port}",
            };
            await using var host = await EdgeHost.StartAsync(options, TimeProvider.System);
            using var client = new HttpClient { BaseAddress = new Uri(host.ApiUrl), Timeout = TimeSpan.FromSeconds(20) };
            var status = await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("connected").GetBoolean() && s.GetProperty("role").GetString() == "leader");

            for (var i = 0; i < 3; i++)
            {
                using var put = await client.PutAsync($"/v1/kv/k{i}", new ByteArrayContent([(byte)i]));
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }

            // The enrollment attempt (no responder on grey.enroll.<site>) fails on its own schedule: wait for its error too.
            status = await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("backlog_entries").GetInt64() >= 3
                && s.GetProperty("uplink").TryGetProperty("last_error", out var e) && e.ValueKind == JsonValueKind.String
                && e.GetString()!.Contains("grey.enroll.site-up", StringComparison.Ordinal));
            var uplink = status.GetProperty("uplink");
            Assert.Equal("r1", uplink.GetProperty("region").GetString());
            Assert.False(uplink.GetProperty("enrolled").GetBoolean());
            Assert.False(uplink.GetProperty("has_signer").GetBoolean());
            Assert.Equal(0UL, uplink.GetProperty("acked_index").GetUInt64());
            Assert.True(uplink.GetProperty("backlog_bytes").GetInt64() > 0);

            // The enrollment request fails on its own schedule (software TPM keys first): wait for it, not for the writes.
            await WaitForAsync(client, s => s.GetProperty("uplink").GetProperty("last_error").GetString() is { } e && e.Contains("grey.enroll.site-up", StringComparison.Ordinal));
            var metrics = await client.GetStringAsync("/metrics");
            Assert.Contains("grey_edge_outbox_backlog_entries 3\n", metrics, StringComparison.Ordinal);
            Assert.Contains("grey_edge_uplink_connected 1\n", metrics, StringComparison.Ordinal);
            Assert.Contains("grey_edge_attestation_valid 0\n", metrics, StringComparison.Ordinal);
            Assert.Contains("grey_edge_commit_index ", metrics, StringComparison.Ordinal);

            nats.Kill(entireProcessTree: true);
            await nats.WaitForExitAsync();
            status = await WaitForAsync(client, s => !s.GetProperty("uplink").GetProperty("connected").GetBoolean());
            Assert.Equal(3, status.GetProperty("uplink").GetProperty("backlog_entries").GetInt64());
            Assert.Contains("grey_edge_uplink_connected 0\n", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);
        }
        finally
        {
            if (!nats.HasExited)
            {
                nats.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_Standalone_NoUplinkSectionNoOutboxMetrics()
    {
        var dir = Directory.CreateTempSubdirectory("grey-edge-alone-").FullName;
        try
        {
            var options = new DaemonOptions { NodeId = 1, Site = "site-alone", DataDirectory = dir, Api = new IPEndPoint(IPAddress.Loopback, 0), TickMs = 20 };
            await using var host = await EdgeHost.StartAsync(options, TimeProvider.System);
            using var client = new HttpClient { BaseAddress = new Uri(host.ApiUrl), Timeout = TimeSpan.FromSeconds(20) };

            var status = await WaitForAsync(client, s => s.GetProperty("role").GetString() == "leader");

            Assert.False(status.TryGetProperty("uplink", out _));
            Assert.Null(host.RegionLink);
            Assert.DoesNotContain("grey_edge_outbox", await client.GetStringAsync("/metrics"), StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(dir, "outbox")));
            Assert.False(Directory.Exists(Path.Combine(dir, "tpm")));
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

    private static string NatsServer() =>
        new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server" }.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("nats-server is not installed");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

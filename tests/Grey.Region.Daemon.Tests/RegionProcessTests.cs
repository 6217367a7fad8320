using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Grey.Region.Daemon.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;

namespace Grey.Region.Daemon.Tests;

/// <summary>grey-region as a real process.</summary>
public sealed class RegionProcessTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "grey-region.dll");

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DaemonDll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    [Fact]
    public async Task Process_BadFlags_Exit2ListingEveryError()
    {
        using Process p = Start("--region", "Bad_Id", "--api", "nowhere", "--bogus");
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--region 'Bad_Id'", err, StringComparison.Ordinal);
        Assert.Contains("--data is required", err, StringComparison.Ordinal);
        Assert.Contains("--api 'nowhere'", err, StringComparison.Ordinal);
        Assert.Contains("--nats is required", err, StringComparison.Ordinal);
        Assert.Contains("unknown flag --bogus", err, StringComparison.Ordinal);
        Assert.Contains("--admin-token is required unless --dev", err, StringComparison.Ordinal);
        Assert.Contains("usage: grey-region", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Dev_ServesQuarantinesAForgedDeltaAndStopsCleanlyOnSigterm()
    {
        int port = NatsServerProcess.FreePort();
        string data = f.NewFolder();
        using Process p = Start("--region", "p0", "--data", data, "--api", $"127.0.0.1:{port}", "--nats", f.Nats.Url, "--dev");
        var output = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            bool up = false;
            for (int i = 0; i < 300 && !up && !p.HasExited; i++)
            {
                try
                {
                    up = (await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(up, "grey-region did not come up: " + output);
            Assert.True(File.Exists(Path.Combine(data, "region-cert.pem")));

            // The stream exists (the region created it): a delta signed by nobody enrolled is quarantined.
            await using var nats = new NatsConnection(NatsOpts.Default with { Url = f.Nats.Url });
            await nats.CreateJetStreamContext().PublishAsync("grey.delta.p0.site-a", new byte[] { 1, 2, 3 }, headers: new NatsHeaders { ["Nats-Msg-Id"] = "garbage" });
            string? reason = null;
            for (int i = 0; i < 100 && reason is null; i++)
            {
                await Task.Delay(100);
                JsonElement items = JsonDocument.Parse(await http.GetStringAsync("/v1/quarantine")).RootElement;
                reason = items.GetArrayLength() > 0 ? items[0].GetProperty("reason").GetString() : null;
            }

            Assert.Equal("malformed", reason);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/v1/nodes/a1/revoke", null)).StatusCode);

            using (Process kill = Process.Start("kill", $"-TERM {p.Id.ToString(CultureInfo.InvariantCulture)}")!)
            {
                await kill.WaitForExitAsync();
            }

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await p.WaitForExitAsync(exit.Token);
            Assert.True(p.ExitCode == 0, output.ToString());
            Assert.Contains("stopped cleanly", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }
}

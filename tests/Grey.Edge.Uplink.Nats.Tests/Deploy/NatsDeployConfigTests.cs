using System.Collections.Concurrent;
using System.Diagnostics;
using Grey.Edge.Uplink.Nats.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Grey.Edge.Uplink.Nats.Tests.Deploy;

/// <summary>
/// deploy/nats/gen-config.sh: a nats-server started with the generated configuration lets site a ship through
/// the uplink, refuses site a's credentials for site b's subjects, and refuses a wrong password.
/// </summary>
public sealed class NatsDeployConfigTests(NatsDeployConfigTests.Deployed deployed) : IClassFixture<NatsDeployConfigTests.Deployed>
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SiteA_OwnCredentials_ShipsRequestsAndReceivesAcks()
    {
        var logs = new ListLoggerFactory();
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(deployed.Nats.Url, "a", deployed.Creds("site-a")), seed: 31, logs);
        Assert.True(await uplink.WaitUntilReadyAsync(Ready), uplink.LastError);
        await using var enroll = await deployed.Region.SubscribeCoreAsync<byte[]>("grey.enroll.*");
        var responder = Task.Run(async () =>
        {
            var msg = await enroll.Msgs.ReadAsync();
            await msg.ReplyAsync(new byte[] { 0xEE });
        });
        await deployed.Region.PingAsync();

        var published = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("a", 1, 3), CancellationToken.None);
        var reply = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, TimeSpan.FromSeconds(5), CancellationToken.None);
        await responder;
        await deployed.Region.PublishAsync("grey.ack.a", new byte[] { 0xAC });
        var ack = await UplinkTestKit.NextAsync(uplink, UplinkInboundKind.Ack, Ready);
        var report = await uplink.PublishReportAsync(new byte[] { 5 }, CancellationToken.None);
        await Task.Delay(200);

        Assert.Equal(UplinkPublishStatus.Accepted, published.Status);
        Assert.Null(reply.Error);
        Assert.Equal(new byte[] { 0xEE }, reply.Payload!.Value.ToArray());
        Assert.Equal(new byte[] { 0xAC }, ack.Payload.ToArray());
        Assert.Equal(UplinkPublishStatus.Accepted, report.Status);
        Assert.Equal(0, uplink.Metrics.PermissionViolations);
        Assert.DoesNotContain(deployed.Password("site-a"), logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiteACredentials_SiteBSubjects_PublishPermissionViolationAndRejected()
    {
        var logs = new ListLoggerFactory();
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(deployed.Nats.Url, "b", deployed.Creds("site-a")), seed: 32, logs);

        // Connected, but every subscription and the inbox are refused; the publish is refused by the server.
        Assert.True(await uplink.WaitUntilReadyAsync(Ready), uplink.LastError);
        var watch = Stopwatch.StartNew();
        var result = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("b", 1, 1), CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Rejected, result.Status);
        Assert.Contains("Permissions Violation for Publish to \"grey.delta.r1.b\"", result.Detail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.True(uplink.Metrics.PermissionViolations >= 1);
        var info = await deployed.Js.GetStreamAsync("GREY_DELTA_R1", new StreamInfoRequest { SubjectsFilter = "grey.delta.r1.b" });
        Assert.False(info.Info.State.Subjects?.ContainsKey("grey.delta.r1.b") ?? false);
        Assert.DoesNotContain(deployed.Password("site-a"), logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiteACredentials_RawPublishAndSubscribeOnSiteB_ServerReportsViolations()
    {
        var errors = new ConcurrentQueue<string>();
        var auth = NatsCredentials.Load(deployed.Creds("site-a"), out _)!.Auth;
        await using var conn = new NatsConnection(NatsOpts.Default with { Url = deployed.Nats.Url, AuthOpts = auth, InboxPrefix = "_INBOX_a" });
        conn.ServerError += (_, e) =>
        {
            errors.Enqueue(e.Error);
            return default;
        };
        await conn.ConnectAsync();

        await conn.PublishAsync("grey.status.r1.b", new byte[] { 1 });
        await conn.PublishAsync("grey.enroll.b", new byte[] { 1 });
        await using var sub = await conn.SubscribeCoreAsync<byte[]>("grey.ack.b");
        await conn.PublishAsync("grey.status.r1.a", new byte[] { 1 });
        await conn.PingAsync();
        await Task.Delay(300);

        var all = string.Join("\n", errors);
        Assert.Contains("Permissions Violation for Publish to \"grey.status.r1.b\"", all, StringComparison.Ordinal);
        Assert.Contains("Permissions Violation for Publish to \"grey.enroll.b\"", all, StringComparison.Ordinal);
        Assert.Contains("Permissions Violation for Subscription to \"grey.ack.b\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain("grey.status.r1.a", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPassword_Refused_NoSecretInLogsOrErrors()
    {
        const string wrong = "wrong-Pa55word-that-must-not-leak";
        var file = Path.Combine(deployed.Nats.Directory, "wrong.creds");
        await File.WriteAllTextAsync(file, $"user = site-a\npassword = {wrong}\n");
        var logs = new ListLoggerFactory();
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(deployed.Nats.Url, "a", file), seed: 33, logs);

        Assert.False(await uplink.WaitUntilReadyAsync(TimeSpan.FromSeconds(2)));
        var publish = await uplink.PublishDeltaAsync(UplinkTestKit.Delta("a", 9, 9), CancellationToken.None);
        var request = await uplink.RequestAsync(UplinkRequestKind.Attest, new byte[] { 1 }, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.False(uplink.IsConnected);
        Assert.Contains("Authorization Violation", uplink.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(UplinkPublishStatus.Unavailable, publish.Status);
        var everything = string.Join("\n", logs.Text, uplink.LastError, publish.Detail, request.Error);
        Assert.Contains("site-a", logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(deployed.Password("site-a"), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordInUrl_StrippedAndNeverLogged()
    {
        var password = deployed.Password("site-a");
        var logs = new ListLoggerFactory();
        var url = $"nats://site-a:{password}@127.0.0.1:{deployed.Nats.Port}";
        await using var uplink = UplinkTestKit.Start(UplinkTestKit.Options(url, "a"), seed: 34, logs);

        Assert.True(await uplink.WaitUntilReadyAsync(Ready), uplink.LastError);

        Assert.Equal($"nats://127.0.0.1:{deployed.Nats.Port}", uplink.Servers);
        Assert.Contains("link up", logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(password, logs.Text, StringComparison.Ordinal);
    }

    /// <summary>Runs the generator for region r1 and sites a and b, starts nats-server with its output, creates the stream as the region user.</summary>
    public sealed class Deployed : IAsyncLifetime
    {
        private string outDir = string.Empty;

        public NatsServerProcess Nats { get; private set; } = null!;

        public NatsConnection Region { get; private set; } = null!;

        public NatsJSContext Js { get; private set; } = null!;

        public string Creds(string user) => Path.Combine(outDir, user + ".creds");

        public string Password(string user) =>
            File.ReadAllLines(Creds(user)).Single(l => l.StartsWith("password = ", StringComparison.Ordinal))["password = ".Length..];

        public async Task InitializeAsync()
        {
            outDir = Directory.CreateTempSubdirectory("grey-deploy-").FullName;
            var script = Path.Combine(RepoRoot(), "deploy", "nats", "gen-config.sh");
            var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { script, "--region", "r1", "--sites", "a,b", "--out", outDir })
            {
                info.ArgumentList.Add(a);
            }

            using (var gen = Process.Start(info)!)
            {
                var stderr = await gen.StandardError.ReadToEndAsync();
                await gen.WaitForExitAsync();
                Assert.True(gen.ExitCode == 0, "gen-config.sh failed: " + stderr);
            }

            Nats = await NatsServerProcess.StartAsync(await File.ReadAllTextAsync(Path.Combine(outDir, "nats-server.conf")));
            Region = new NatsConnection(NatsOpts.Default with { Url = Nats.Url, AuthOpts = NatsCredentials.Load(Creds("region-r1"), out _)!.Auth });
            await Region.ConnectAsync();
            Js = await UplinkTestKit.CreateDeltaStreamAsync(Region);
        }

        public async Task DisposeAsync()
        {
            await Region.DisposeAsync();
            await Nats.DisposeAsync();
            Directory.Delete(outDir, recursive: true);
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Grey.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Grey.slnx not found above " + AppContext.BaseDirectory);
        }
    }
}

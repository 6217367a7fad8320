using System.Diagnostics;
using System.Text.RegularExpressions;
using Grey.Edge.Uplink.Mqtt.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests.Deploy;

/// <summary>
/// deploy/mqtt as shipped: gen-users.sh makes users for region r1 and sites site-a and site-b, mosquitto runs
/// deploy/mqtt/mosquitto.conf (only the listener, paths and log target changed for the test), and each site's
/// credentials reach only that site's topics.
/// </summary>
public sealed class MosquittoDeployTests(MosquittoDeployTests.DeployFixture fixture) : IClassFixture<MosquittoDeployTests.DeployFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static MqttUplinkOptions SiteOptions(DeployFixture f, string site, string user, string passwordFile) =>
        MqttUplinkTests.Options(f.Broker.Url, site, $"grey-{site}-n1") with { UserName = user, PasswordFile = passwordFile };

    [Fact]
    public async Task SiteUser_OwnTopics_UplinkComesUpShipsReceivesAndGetsReplies()
    {
        await using var region = await fixture.RegionAsync("region-r1-a");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/delta/r1/+"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await region.SubscribeAsync("grey/enroll/+"));
        region.OnMessage = async m =>
        {
            if (m.ResponseTopic is { } reply)
            {
                await region.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(reply).WithCorrelationData(m.CorrelationData)
                    .WithPayload([0x0E]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
        };
        await using var uplink = await MqttUplinkTests.StartReadyAsync(SiteOptions(fixture, "site-a", "site-site-a", fixture.PasswordFile("site-site-a")));

        var shipped = await uplink.PublishDeltaAsync(new OutgoingDelta("site-a:1:1-1", 1, 1, new byte[] { 0xD1 }, 1), CancellationToken.None);
        await region.WaitForAsync(m => m.Topic == "grey/delta/r1/site-a", Wait);
        var ackSent = await region.PublishAsync("grey/ack/site-a", [0xA1]);
        var ack = await uplink.Inbound.NextMessageAsync(Wait);
        var reply = await uplink.RequestAsync(UplinkRequestKind.Enroll, new byte[] { 1 }, Wait, CancellationToken.None);

        Assert.Equal(UplinkPublishStatus.Accepted, shipped.Status);
        Assert.True(ackSent.IsSuccess, ackSent.ReasonCode.ToString());
        Assert.Equal(UplinkInboundKind.Ack, ack.Kind);
        Assert.Equal(0x0E, reply.Payload!.Value.Span[0]);
    }

    [Theory]
    [InlineData("grey/delta/r1/site-a")]
    [InlineData("grey/status/r1/site-a")]
    [InlineData("grey/enroll/site-a")]
    [InlineData("grey/ack/site-a")]
    public async Task OtherSitesCredentials_PublishOnSiteATopic_RefusedAndNotDelivered(string topic)
    {
        await using var region = await fixture.RegionAsync("region-r1-b" + topic.GetHashCode(StringComparison.Ordinal));
        await region.SubscribeAsync("grey/delta/r1/+");
        await region.SubscribeAsync("grey/status/r1/+");
        await region.SubscribeAsync("grey/enroll/+");
        await using var siteA = await TestClient.ConnectAsync(fixture.Broker.Port, "site-a-listener" + topic.GetHashCode(StringComparison.Ordinal), "site-site-a", fixture.Password("site-site-a"));
        await siteA.SubscribeAsync("grey/ack/site-a");
        await using var intruder = await TestClient.ConnectAsync(fixture.Broker.Port, "intruder" + topic.GetHashCode(StringComparison.Ordinal), "site-site-b", fixture.Password("site-site-b"));

        var result = await intruder.PublishAsync(topic, [0xBA, 0xD0]);
        await Task.Delay(700);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        Assert.DoesNotContain(region.Received, m => m.Topic == topic);
        Assert.DoesNotContain(siteA.Received, m => m.Topic == topic);
    }

    [Theory]
    [InlineData("grey/ack/site-a", "grey/ack/site-a")]
    [InlineData("grey/desired/site-a", "grey/desired/site-a")]
    [InlineData("grey/revoke/site-a", "grey/revoke/site-a")]
    [InlineData("grey/reply/site-a/#", "grey/reply/site-a/grey-site-a-n1")]
    [InlineData("grey/#", "grey/nak/site-a")]
    public async Task OtherSitesCredentials_SubscribeToSiteATopics_NothingDelivered(string filter, string topic)
    {
        // mosquitto 2.0 grants every SUBACK and applies the read rule at delivery: the test is what arrives.
        var id = filter.GetHashCode(StringComparison.Ordinal);
        await using var region = await fixture.RegionAsync("region-sub" + id);
        await using var siteA = await TestClient.ConnectAsync(fixture.Broker.Port, "site-a-sub" + id, "site-site-a", fixture.Password("site-site-a"));
        await siteA.SubscribeAsync(topic);
        await using var intruder = await TestClient.ConnectAsync(fixture.Broker.Port, "sub-intruder" + id, "site-site-b", fixture.Password("site-site-b"));
        await intruder.SubscribeAsync(filter);

        var sent = await region.PublishAsync(topic, [0x5E]);
        await siteA.WaitForAsync(m => m.Topic == topic, Wait);
        await Task.Delay(700);

        Assert.True(sent.IsSuccess, sent.ReasonCode.ToString());
        Assert.Empty(intruder.Received);
    }

    [Fact]
    public async Task OtherSitesCredentials_ReadOtherSitesDeltas_NothingDelivered()
    {
        await using var siteA = await TestClient.ConnectAsync(fixture.Broker.Port, "site-a-delta-src", "site-site-a", fixture.Password("site-site-a"));
        await using var intruder = await TestClient.ConnectAsync(fixture.Broker.Port, "delta-intruder", "site-site-b", fixture.Password("site-site-b"));
        await using var region = await fixture.RegionAsync("region-delta-reader");
        await region.SubscribeAsync("grey/delta/r1/+");
        await intruder.SubscribeAsync("grey/delta/r1/+");

        Assert.True((await siteA.PublishAsync("grey/delta/r1/site-a", [0xDE])).ReasonCode is MqttClientPublishReasonCode.Success);
        await region.WaitForAsync(m => m.Topic == "grey/delta/r1/site-a", Wait);
        await Task.Delay(700);

        Assert.Empty(intruder.Received);
    }

    [Fact]
    public async Task UplinkWithAnotherSitesCredentials_DeltasRejectedAndRegionMessagesNeverArrive()
    {
        var logs = new CapturingLoggerFactory();
        await using var region = await fixture.RegionAsync("region-wrong-site");
        await region.SubscribeAsync("grey/delta/r1/+");
        var options = SiteOptions(fixture, "site-a", "site-site-b", fixture.PasswordFile("site-site-b")) with { ClientId = "grey-site-a-impostor" };
        await using var uplink = await MqttUplinkTests.StartReadyAsync(options, logs: logs);

        var shipped = await uplink.PublishDeltaAsync(new OutgoingDelta("site-a:1:1-1", 1, 1, new byte[] { 0xEE }, 1), CancellationToken.None);
        await region.PublishAsync("grey/ack/site-a", [0xA2]);

        Assert.Equal(UplinkPublishStatus.Rejected, shipped.Status);
        Assert.Contains("NotAuthorized", shipped.Detail, StringComparison.Ordinal);
        Assert.True(await uplink.Inbound.StaysQuietAsync(TimeSpan.FromSeconds(1)));
        Assert.Empty(region.Received);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(fixture.Password("site-site-b"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongPassword_RefusedAndTheUplinkLogsNoSecret()
    {
        var logs = new CapturingLoggerFactory();
        var wrong = Path.Combine(fixture.Directory, "wrong.password");
        await File.WriteAllTextAsync(wrong, "not-the-password-0123456789");
        await using var uplink = MqttUplink.Start(SiteOptions(fixture, "site-a", "site-site-a", wrong), TimeProvider.System, new Random(4), logs);

        var (client, result, error) = await TestClient.TryConnectAsync("127.0.0.1", fixture.Broker.Port, "wrong-pw", "site-site-a", "not-the-password");
        var (anonymous, anonymousResult, anonymousError) = await TestClient.TryConnectAsync("127.0.0.1", fixture.Broker.Port, "anon");

        Assert.Null(client);
        Assert.Null(anonymous);
        Assert.Matches("NotAuthorized|BadUserNameOrPassword", $"{result?.ResultCode} {error?.Message}");
        Assert.Matches("NotAuthorized|BadUserNameOrPassword", $"{anonymousResult?.ResultCode} {anonymousError?.Message}");
        Assert.False(await uplink.WaitUntilReadyAsync(TimeSpan.FromSeconds(2)));
        Assert.NotNull(uplink.LastError);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("not-the-password", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("user 'site-site-a' with a password", StringComparison.Ordinal));
    }

    /// <summary>Runs gen-users.sh and starts mosquitto with deploy/mqtt/mosquitto.conf.</summary>
    public sealed class DeployFixture : IAsyncLifetime
    {
        private Mosquitto? broker;

        public string Directory { get; } = Path.Combine(Path.GetTempPath(), "grey-mqtt-deploy-" + Guid.NewGuid().ToString("N")[..12]);

        internal Mosquitto Broker => broker ?? throw new InvalidOperationException("not started");

        private static string DeployFolder => Path.Combine(AppContext.BaseDirectory, "deploy-mqtt");

        public string PasswordFile(string user) => Path.Combine(Directory, "users", user + ".password");

        public string Password(string user) => File.ReadAllText(PasswordFile(user)).Trim();

        internal Task<TestClient> RegionAsync(string clientId) => TestClient.ConnectAsync(Broker.Port, clientId, "region-r1", Password("region-r1"));

        public async Task InitializeAsync()
        {
            System.IO.Directory.CreateDirectory(Directory);
            var users = Path.Combine(Directory, "users");
            var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { Path.Combine(DeployFolder, "gen-users.sh"), "--region", "r1", "--sites", "site-a,site-b", "--out", users })
            {
                info.ArgumentList.Add(arg);
            }

            using (var gen = Process.Start(info)!)
            {
                var stderr = await gen.StandardError.ReadToEndAsync();
                await gen.WaitForExitAsync();
                Assert.True(gen.ExitCode == 0, "gen-users.sh failed: " + stderr);
            }

            var shipped = await File.ReadAllTextAsync(Path.Combine(DeployFolder, "mosquitto.conf"));
            broker = await Mosquitto.StartWithConfigAsync((port, data, _) =>
            {
                var text = Replace(shipped, "listener 1883", $"listener {port} 127.0.0.1");
                text = Replace(text, "persistence_location /var/lib/mosquitto/", $"persistence_location {data}/");
                text = Replace(text, "password_file /etc/mosquitto/grey/passwd", $"password_file {users}/passwd");
                text = Replace(text, "acl_file /etc/mosquitto/grey/acl", $"acl_file {users}/acl");
                text = Replace(text, "log_dest syslog", "log_dest stdout");
                return text + (Environment.UserName == "root" ? "user root\n" : string.Empty);
            });
        }

        public async Task DisposeAsync()
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            System.IO.Directory.Delete(Directory, recursive: true);
        }

        // Each replaced line must exist: a changed deploy file fails here instead of testing something else.
        private static string Replace(string text, string line, string replacement)
        {
            var pattern = "^" + Regex.Escape(line) + "$";
            Assert.Matches(new Regex(pattern, RegexOptions.Multiline), text);
            return Regex.Replace(text, pattern, replacement, RegexOptions.Multiline);
        }
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grey.Edge.Devices;
using Grey.Edge.Uplink.Mqtt.Tests.Support;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Grey.Edge.Uplink.Mqtt.Tests.Devices;

/// <summary>The device listener with real MQTTnet clients as devices.</summary>
public sealed class DeviceListenerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "grey-devices-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ConcurrentQueue<(string Key, byte[] Value)> writes = new();
    private readonly int port = Mosquitto.FreePort();
    private Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<DeviceWriteResult>>? writeBehaviour;
    private DeviceListener? listener;

    private string UsersFile => Path.Combine(directory, "devices.users");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        using var rng = RandomNumberGenerator.Create();
        await File.WriteAllLinesAsync(UsersFile,
        [
            "# test devices",
            DeviceUsers.HashLine("sensor-1", "right-password", rng, DeviceUsers.MinIterations),
            DeviceUsers.HashLine("sensor-2", "other-password", rng, DeviceUsers.MinIterations),
        ]);
    }

    public async Task DisposeAsync()
    {
        if (listener is not null)
        {
            await listener.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    private async Task<DeviceListener> StartAsync(DeviceListenerOptions? options = null)
    {
        listener = await DeviceListener.StartAsync(
            options ?? new DeviceListenerOptions { Endpoint = $"127.0.0.1:{port}", UsersFile = UsersFile },
            (key, value, ct) =>
            {
                writes.Enqueue((key, value.ToArray()));
                return writeBehaviour is null ? ValueTask.FromResult(DeviceWriteResult.Committed) : writeBehaviour(key, value, ct);
            },
            TimeProvider.System);
        return listener;
    }

    private Task<TestClient> DeviceAsync(string user = "sensor-1", string password = "right-password", string id = "dev-1") =>
        TestClient.ConnectAsync(port, id, user, password);

    [Fact]
    public async Task Publish_GreyKvKey_PutArrivesAndPubAckIsSuccess()
    {
        await StartAsync();
        await using var device = await DeviceAsync();

        var result = await device.PublishAsync("grey/kv/line-1/temperature", [0x32, 0x31]);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var (key, value) = Assert.Single(writes);
        Assert.Equal("line-1/temperature", key);
        Assert.Equal(new byte[] { 0x32, 0x31 }, value);
        Assert.Equal(1, listener!.Metrics.WritesCommitted);
    }

    [Fact]
    public async Task Publish_WriteNotYetCommitted_PubAckComesOnlyAfterTheWriteReturned()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var returned = 0;
        writeBehaviour = async (_, _, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            Volatile.Write(ref returned, 1);
            return DeviceWriteResult.Committed;
        };
        await StartAsync();
        await using var device = await DeviceAsync();

        var publish = device.PublishAsync("grey/kv/k", [1]);
        await Task.Delay(700);
        Assert.False(publish.IsCompleted, "PUBACK arrived before the write committed");
        Assert.Single(writes);

        gate.SetResult();
        var result = await publish.WaitAsync(Wait);
        var returnedWhenAcked = Volatile.Read(ref returned);

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        Assert.Equal(1, returnedWhenAcked);
    }

    [Theory]
    [InlineData("other/topic", MqttClientPublishReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/", MqttClientPublishReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/has space", MqttClientPublishReasonCode.TopicNameInvalid)]
    [InlineData("grey/kv/desired/setpoint", MqttClientPublishReasonCode.NotAuthorized)]
    public async Task Publish_BadTopic_RefusedWithReasonCodeAndNothingWritten(string topic, MqttClientPublishReasonCode expected)
    {
        await StartAsync();
        await using var device = await DeviceAsync();

        var result = await device.PublishAsync(topic, [1]);

        Assert.Equal(expected, result.ReasonCode);
        Assert.False(string.IsNullOrEmpty(result.ReasonString));
        Assert.Empty(writes);

        // The connection is still usable.
        Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync("grey/kv/ok", [2])).ReasonCode);
    }

    [Fact]
    public async Task Publish_PayloadOverLimit_QuotaExceededAndNothingWritten()
    {
        await StartAsync();
        await using var device = await DeviceAsync();

        var tooLarge = await device.PublishAsync("grey/kv/blob", new byte[DeviceListenerOptions.MaxPayloadBytesLimit + 1]);
        var atLimit = await device.PublishAsync("grey/kv/blob", new byte[DeviceListenerOptions.MaxPayloadBytesLimit]);

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, tooLarge.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, atLimit.ReasonCode);
        Assert.Equal(DeviceListenerOptions.MaxPayloadBytesLimit, Assert.Single(writes).Value.Length);
    }

    [Fact]
    public async Task Publish_WriteUnavailableOrRefused_DeviceToldWhichWithItsReason()
    {
        writeBehaviour = (key, _, _) => ValueTask.FromResult(key == "busy"
            ? new DeviceWriteResult(DeviceWriteStatus.Unavailable, "no leader")
            : new DeviceWriteResult(DeviceWriteStatus.Refused, "value rejected"));
        await StartAsync();
        await using var device = await DeviceAsync();

        var busy = await device.PublishAsync("grey/kv/busy", [1]);
        var refused = await device.PublishAsync("grey/kv/bad", [1]);

        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, busy.ReasonCode);
        Assert.Contains("no leader", busy.ReasonString, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, refused.ReasonCode);
        Assert.Contains("value rejected", refused.ReasonString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_WriteThrows_DeviceGetsAnErrorAndTheListenerLives()
    {
        writeBehaviour = (_, _, _) => throw new InvalidOperationException("bug in the node");
        await StartAsync();
        await using var device = await DeviceAsync();

        var result = await device.PublishAsync("grey/kv/x", [1]);

        Assert.Equal(MqttClientPublishReasonCode.ImplementationSpecificError, result.ReasonCode);
        writeBehaviour = null;
        await using var other = await DeviceAsync("sensor-2", "other-password", "dev-2");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await other.PublishAsync("grey/kv/x", [1])).ReasonCode);
    }

    [Theory]
    [InlineData("sensor-1", "wrong-password")]
    [InlineData("sensor-1", "other-password")]
    [InlineData("nobody", "right-password")]
    [InlineData("", "")]
    public async Task Connect_WrongCredentials_RefusedBadUserNameOrPassword(string user, string password)
    {
        await StartAsync();

        var (client, result, error) = await TestClient.TryConnectAsync("127.0.0.1", port, "dev-x", user.Length == 0 ? null : user, password);

        Assert.Null(client);
        if (result is not null)
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        }
        else
        {
            Assert.Contains("BadUserNameOrPassword", error!.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, listener!.Metrics.LoginsRefused);
    }

    [Fact]
    public async Task Subscribe_AnyTopic_NotAuthorized()
    {
        await StartAsync();
        await using var device = await DeviceAsync();

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await device.SubscribeAsync("grey/kv/#"));
    }

    [Fact]
    public async Task Publish_BadTopicAtQos0_DisconnectedWithTheReasonCode()
    {
        await StartAsync();
        await using var device = await DeviceAsync();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Client.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };

        await device.PublishAsync("grey/kv/desired/x", [1], MqttQualityOfServiceLevel.AtMostOnce);
        var why = await disconnected.Task.WaitAsync(Wait);

        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, why.Reason);
        Assert.Empty(writes);
    }

    [Fact]
    public async Task Publish_Mqtt311DeviceBadTopic_DisconnectedInsteadOfAPubAckThatLooksLikeSuccess()
    {
        await StartAsync();
        var (device, _, error) = await TestClient.TryConnectAsync("127.0.0.1", port, "dev-311", "sensor-1", "right-password", MqttProtocolVersion.V311);
        Assert.Null(error);
        await using var _ = device!;

        await Assert.ThrowsAnyAsync<Exception>(() => device!.PublishAsync("grey/kv/desired/x", [1]).WaitAsync(Wait));
        Assert.Empty(writes);
        Assert.False(device!.Client.IsConnected);
    }

    [Fact]
    public async Task Connect_ListenerFull_RefusedServerBusy()
    {
        await StartAsync(new DeviceListenerOptions { Endpoint = $"127.0.0.1:{port}", UsersFile = UsersFile, MaxConnections = 1 });
        await using var first = await DeviceAsync();
        var deadline = DateTime.UtcNow + Wait;
        while (listener!.Metrics.Connections < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first device was never counted");
            await Task.Delay(20);
        }

        var (second, result, error) = await TestClient.TryConnectAsync("127.0.0.1", port, "dev-2", "sensor-2", "other-password");

        Assert.Null(second);
        Assert.True(result?.ResultCode == MqttClientConnectResultCode.ServerBusy || (error?.Message.Contains("ServerBusy", StringComparison.Ordinal) ?? false), $"{result?.ResultCode} {error}");
    }

    [Fact]
    public async Task Publish_SeededRandomTopicsAndPayloads_EveryOneAnsweredAndTheListenerKeepsWorking()
    {
        const int seed = 7026;
        Console.WriteLine($"device listener fuzz seed {seed}");
        var random = new Random(seed);
        await StartAsync();
        await using var device = await DeviceAsync();
        var alphabet = "grey/kv/desired/shared/abc-_.~ \u00e9\u4e2d\t!$&'()*,;=@";
        for (var i = 0; i < 150; i++)
        {
            var topic = i % 3 == 0 ? "grey/kv/" : string.Empty;
            var length = random.Next(1, 40);
            for (var j = 0; j < length; j++)
            {
                topic += alphabet[random.Next(alphabet.Length)];
            }

            var payload = new byte[random.Next(0, 3) == 0 ? random.Next(60_000, 70_000) : random.Next(0, 64)];
            random.NextBytes(payload);

            var result = await device.PublishAsync(topic, payload);

            var key = DeviceTopic.Parse(topic, out var code, out _);
            var expected = key is null ? (MqttClientPublishReasonCode)(int)code
                : payload.Length > DeviceListenerOptions.MaxPayloadBytesLimit ? MqttClientPublishReasonCode.QuotaExceeded
                : MqttClientPublishReasonCode.Success;
            Assert.True(expected == result.ReasonCode, $"seed {seed}, case {i}: '{topic}' ({payload.Length} bytes) gave {result.ReasonCode}, expected {expected}");
        }

        Assert.True(device.Client.IsConnected);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync("grey/kv/after-fuzz", [1])).ReasonCode);
    }

    [Fact]
    public async Task StartAsync_BadOptions_ThrowsWithEveryProblem()
    {
        var options = new DeviceListenerOptions { Endpoint = "nowhere", MaxPayloadBytes = 1 << 20, ClientCaFile = "/nonexistent/ca.pem" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => DeviceListener.StartAsync(options, (_, _, _) => default, TimeProvider.System));

        Assert.Contains("HOST:PORT", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPayloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("server certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadUsersFile_ThrowsNamingTheLine()
    {
        await File.WriteAllTextAsync(UsersFile, "ok-name:pbkdf2-sha256$5$AAAA$BBBB\n");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync());

        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }
}

using Grey.Edge.Daemon.Config;

namespace Grey.Edge.Daemon.Tests.Config;

/// <summary>The MQTT uplink flags: every accepted combination, every error reported at once, secrets never echoed.</summary>
public sealed class MqttUplinkFlagsTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];
    private static readonly string[] Base = ["--node-id", "1", "--site", "s1", "--data", "/tmp/x", "--api", "127.0.0.1:8080"];
    private readonly string dir = Directory.CreateTempSubdirectory("grey-edge-mqttflags-").FullName;
    private readonly string file;

    public MqttUplinkFlagsTests()
    {
        file = Path.Combine(dir, "f");
        File.WriteAllText(file, "hunter2-secret\n");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Parse_RegionWithMqttOnly_NoNatsNeeded()
    {
        var o = OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtt://127.0.0.1:1883"], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal("mqtt://127.0.0.1:1883", o!.MqttUrl);
        Assert.Null(o.NatsUrls);
    }

    [Fact]
    public void Parse_RegionWithBoth_BothKept()
    {
        var o = OptionsParser.Parse([.. Base, "--region", "r1", "--nats", "nats://h:4222", "--mqtt", "mqtt://h:1883"], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal("nats://h:4222", o!.NatsUrls);
        Assert.Equal("mqtt://h:1883", o.MqttUrl);
    }

    [Fact]
    public void Parse_RegionWithNeither_Error()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1"], NoEnv, NoFile, out var errors));

        var error = Assert.Single(errors);
        Assert.Contains("--mqtt", error, StringComparison.Ordinal);
        Assert.Contains("--nats", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UserAndPasswordFile_Read()
    {
        var o = OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtt://h:1", "--mqtt-user", "site-s1", "--mqtt-password-file", file], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal("site-s1", o!.MqttUser);
        Assert.Equal(file, o.MqttPasswordFile);
    }

    [Fact]
    public void Parse_TlsWithCertKeyAndCa_Read()
    {
        var o = OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtts://h:8883", "--mqtt-cert", file, "--mqtt-key", file, "--mqtt-ca", file], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal(file, o!.MqttCertFile);
        Assert.Equal(file, o.MqttKeyFile);
        Assert.Equal(file, o.MqttCaFile);
    }

    [Fact]
    public void Parse_FromConfigFileAndEnvironment_FlagsWin()
    {
        var config = $"region = r1\nmqtt = mqtt://file:1\nmqtt-user = from-file\nmqtt-password-file = {file}\n";
        var env = new Dictionary<string, string> { ["GREY_EDGE_MQTT"] = "mqtt://env:2", ["GREY_EDGE_MQTT_USER"] = "from-env" };

        var o = OptionsParser.Parse([.. Base, "--config", "c.conf", "--mqtt-user", "from-flag"], env, _ => config, out var errors);

        Assert.Empty(errors);
        Assert.Equal("mqtt://env:2", o!.MqttUrl);
        Assert.Equal("from-flag", o.MqttUser);
        Assert.Equal(file, o.MqttPasswordFile);
    }

    [Fact]
    public void Parse_MqttFlagsWithoutRegion_EachNamed()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--mqtt", "mqtt://h:1", "--mqtt-user", "u", "--mqtt-password-file", file, "--mqtt-cert", file, "--mqtt-key", file, "--mqtt-ca", file], NoEnv, NoFile, out var errors));

        foreach (var key in new[] { "mqtt", "mqtt-user", "mqtt-password-file", "mqtt-cert", "mqtt-key", "mqtt-ca" })
        {
            Assert.Contains($"--{key} needs --region (without it grey-edge runs standalone)", errors);
        }
    }

    [Fact]
    public void Parse_MqttSubFlagsWithoutMqtt_EachNamed()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1", "--nats", "nats://h:1", "--mqtt-user", "u", "--mqtt-password-file", file, "--mqtt-ca", file], NoEnv, NoFile, out var errors));

        Assert.Equal(["--mqtt-ca needs --mqtt", "--mqtt-password-file needs --mqtt", "--mqtt-user needs --mqtt"], errors.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Parse_NatsSubFlagsWithOnlyMqtt_Error()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtt://h:1", "--nats-ca", file], NoEnv, NoFile, out var errors));

        Assert.Contains("--nats-ca needs --nats", errors);
    }

    [Fact]
    public void Parse_EveryMqttError_AllAtOnceWithoutSecrets()
    {
        Assert.Null(OptionsParser.Parse(
            [.. Base, "--region", "r1", "--mqtt", "mqtt://user:hunter2pw@h:1", "--mqtt-user", "", "--mqtt-key", "/nonexistent/key", "--tick-ms", "0"],
            NoEnv,
            NoFile,
            out var errors));

        var all = string.Join("\n", errors);
        Assert.Contains("--mqtt: the broker URL must not carry credentials", all, StringComparison.Ordinal);
        Assert.Contains("--mqtt-user must be 1-256 characters", all, StringComparison.Ordinal);
        Assert.Contains("--mqtt-user and --mqtt-password-file go together", all, StringComparison.Ordinal);
        Assert.Contains("--mqtt-key needs --mqtt-cert", all, StringComparison.Ordinal);
        Assert.Contains("--mqtt-key file '/nonexistent/key' does not exist", all, StringComparison.Ordinal);
        Assert.Contains("--tick-ms", all, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadSchemeAndMissingFiles_Listed()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "http://h:1", "--mqtt-user", "u", "--mqtt-password-file", "/nonexistent/pw"], NoEnv, NoFile, out var errors));

        var all = string.Join("\n", errors);
        Assert.Contains("--mqtt: 'http://h:1' is not an mqtt:// or mqtts:// URL", all, StringComparison.Ordinal);
        Assert.Contains("--mqtt-password-file file '/nonexistent/pw' does not exist", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TlsFilesWithPlainUrl_Refused()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtt://h:1", "--mqtt-cert", file, "--mqtt-ca", file], NoEnv, NoFile, out var errors));

        Assert.Contains("--mqtt-cert needs an mqtts:// broker URL", errors);
        Assert.Contains("--mqtt-ca needs an mqtts:// broker URL", errors);
    }

    [Fact]
    public void Parse_PasswordFileWithoutUser_Refused()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--region", "r1", "--mqtt", "mqtt://h:1", "--mqtt-password-file", file], NoEnv, NoFile, out var errors));

        Assert.Equal(["--mqtt-user and --mqtt-password-file go together"], errors);
    }

    private static string NoFile(string path) => throw new FileNotFoundException("no such file", path);
}

using Grey.Edge.Daemon.Config;

namespace Grey.Edge.Daemon.Tests.Config;

/// <summary>The device listener flags: accepted combinations and every error at once.</summary>
public sealed class DeviceListenerFlagsTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];
    private static readonly string[] Base = ["--node-id", "1", "--site", "s1", "--data", "/tmp/x", "--api", "127.0.0.1:8080"];
    private readonly string dir = Directory.CreateTempSubdirectory("grey-edge-devflags-").FullName;
    private readonly string file;

    public DeviceListenerFlagsTests()
    {
        file = Path.Combine(dir, "f");
        File.WriteAllText(file, "x\n");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Parse_DeviceMqttWithUsers_StandaloneAccepted()
    {
        var o = OptionsParser.Parse([.. Base, "--device-mqtt", "127.0.0.1:1884", "--device-users", file], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal("127.0.0.1:1884", o!.DeviceMqtt);
        Assert.Equal(file, o.DeviceUsersFile);
        Assert.Null(o.Region);
    }

    [Fact]
    public void Parse_DeviceCertificatesOnly_Accepted()
    {
        var o = OptionsParser.Parse([.. Base, "--device-mqtt", "*:8884", "--device-cert", file, "--device-ca", file], NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal(file, o!.DeviceCertFile);
        Assert.Equal(file, o.DeviceCaFile);
        Assert.Null(o.DeviceUsersFile);
    }

    [Fact]
    public void Parse_FromEnvironment_Read()
    {
        var env = new Dictionary<string, string> { ["GREY_EDGE_DEVICE_MQTT"] = "localhost:1884", ["GREY_EDGE_DEVICE_USERS"] = file };

        var o = OptionsParser.Parse(Base, env, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Equal("localhost:1884", o!.DeviceMqtt);
    }

    [Fact]
    public void Parse_DeviceFlagsWithoutListener_EachNamed()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--device-users", file, "--device-cert", file, "--device-ca", file], NoEnv, NoFile, out var errors));

        Assert.Equal(["--device-ca needs --device-mqtt", "--device-cert needs --device-mqtt", "--device-users needs --device-mqtt"], errors.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Parse_EveryDeviceError_AllAtOnce()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--device-mqtt", "example.com:99999", "--device-ca", "/nonexistent/ca", "--tick-ms", "0"], NoEnv, NoFile, out var errors));

        var all = string.Join("\n", errors);
        Assert.Contains("--device-mqtt: device listener 'example.com:99999' must be HOST:PORT with a port 1-65535", all, StringComparison.Ordinal);
        Assert.Contains("--device-ca needs --device-cert", all, StringComparison.Ordinal);
        Assert.Contains("--device-ca file '/nonexistent/ca' does not exist", all, StringComparison.Ordinal);
        Assert.Contains("--tick-ms", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ListenerWithoutAuthentication_Refused()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--device-mqtt", "127.0.0.1:1884"], NoEnv, NoFile, out var errors));

        Assert.Contains("anonymous devices are not allowed", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HostNameEndpoint_Refused()
    {
        Assert.Null(OptionsParser.Parse([.. Base, "--device-mqtt", "example.com:1884", "--device-users", file], NoEnv, NoFile, out var errors));

        Assert.Contains("must be an IP address, localhost or *", Assert.Single(errors), StringComparison.Ordinal);
    }

    private static string NoFile(string path) => throw new FileNotFoundException("no such file", path);
}

using System.Net;
using Grey.Region.Daemon.Mqtt;

namespace Grey.Region.Daemon.Tests.Mqtt;

public sealed class MqttDaemonSettingsTests
{
    private static MqttDaemonSettings? Parse(List<string> errors, params (string Key, string Value)[] values) =>
        MqttDaemonSettings.Parse(values.ToDictionary(v => v.Key, v => v.Value), f => f == "pw.txt", errors);

    [Fact]
    public void Parse_NoMqttKeys_NullAndNoErrors()
    {
        List<string> errors = [];
        Assert.Null(Parse(errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void Parse_UrlWithUserAndPasswordFile_Settings()
    {
        List<string> errors = [];
        MqttDaemonSettings s = Parse(errors, ("mqtt", "mqtt://10.0.0.5:1884"), ("mqtt-user", "region-r1"), ("mqtt-password-file", "pw.txt"))!;
        Assert.Empty(errors);
        Assert.Equal(("10.0.0.5", 1884, "region-r1", "pw.txt"), (s.Host, s.Port, s.UserName, s.PasswordFile));
        Assert.Null(s.Embedded);
    }

    [Fact]
    public void Parse_Embedded_ConnectsOverLoopbackWhenBoundToAny()
    {
        List<string> errors = [];
        MqttDaemonSettings s = Parse(errors, ("mqtt-embedded", "0.0.0.0:1999"))!;
        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 1999), s.Embedded);
        Assert.Equal(("127.0.0.1", 1999), (s.Host, s.Port));
    }

    [Theory]
    [InlineData("mqtt", "tls://x:1", "--mqtt: expected mqtt://HOST:PORT")]
    [InlineData("mqtt", "mqtt://u:hunter2@x:1", "--mqtt: credentials do not belong in the URL")]
    [InlineData("mqtt-embedded", "nowhere", "--mqtt-embedded 'nowhere' must be HOST:PORT")]
    [InlineData("mqtt-embedded", "127.0.0.1:0", "--mqtt-embedded '127.0.0.1:0' must be HOST:PORT")]
    [InlineData("mqtt-user", "u", "--mqtt-user and --mqtt-password-file need --mqtt")]
    public void Parse_Invalid_ClearErrorWithoutSecret(string key, string value, string expected)
    {
        List<string> errors = [];
        Parse(errors, (key, value));
        Assert.StartsWith(expected, Assert.Single(errors), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BothAndHalfCredentialsAndMissingFile_EveryErrorListed()
    {
        List<string> errors = [];
        Assert.Null(Parse(errors, ("mqtt", "mqtt://x:1"), ("mqtt-embedded", "127.0.0.1:5")));
        Assert.Contains("exclude each other", Assert.Single(errors), StringComparison.Ordinal);

        errors.Clear();
        Parse(errors, ("mqtt", "mqtt://x:1"), ("mqtt-password-file", "missing.txt"));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("--mqtt-user and --mqtt-password-file go together", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--mqtt-password-file: no file missing.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadPassword_FirstLineOnly_AndEmptyRefusedWithoutEcho()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "s3cret\r\nsecond line\n");
            Assert.Equal("s3cret", new MqttDaemonSettings { PasswordFile = file }.ReadPassword());
            File.WriteAllText(file, "\nhidden");
            var e = Assert.Throws<InvalidDataException>(() => new MqttDaemonSettings { PasswordFile = file }.ReadPassword());
            Assert.DoesNotContain("hidden", e.Message, StringComparison.Ordinal);
            Assert.Equal("mqtt x:1, user u, password file", new MqttDaemonSettings { Host = "x", Port = 1, UserName = "u", PasswordFile = file }.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}

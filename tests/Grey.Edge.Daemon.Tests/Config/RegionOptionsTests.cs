using Grey.Edge.Daemon.Config;

namespace Grey.Edge.Daemon.Tests.Config;

public sealed class RegionOptionsTests
{
    private static readonly Dictionary<string, string> NoEnv = [];
    private static readonly string[] Base = ["--node-id", "1", "--site", "s1", "--data", "/tmp/x", "--api", "127.0.0.1:8080"];

    private static string NoFile(string path) => throw new FileNotFoundException("no such file", path);

    [Fact]
    public void Parse_NoRegion_StandaloneWithSoftTpmDefault()
    {
        var o = OptionsParser.Parse(Base, NoEnv, NoFile, out var errors);

        Assert.Empty(errors);
        Assert.Null(o!.Region);
        Assert.Null(o.NatsUrls);
        Assert.Equal("soft", o.Tpm);
    }

    [Fact]
    public void Parse_RegionFlags_AllRead()
    {
        var creds = Path.GetTempFileName();
        try
        {
            var o = OptionsParser.Parse([.. Base, "--region", "eu-1", "--nats", "nats://127.0.0.1:4222,nats://127.0.0.1:4223", "--nats-creds", creds, "--tpm", "swtpm:127.0.0.1:2321", "--enroll-token", "tok"], NoEnv, NoFile, out var errors);

            Assert.Empty(errors);
            Assert.Equal("eu-1", o!.Region);
            Assert.Equal("nats://127.0.0.1:4222,nats://127.0.0.1:4223", o.NatsUrls);
            Assert.Equal(creds, o.NatsCredsFile);
            Assert.Equal("swtpm:127.0.0.1:2321", o.Tpm);
            Assert.Equal("tok", o.EnrollToken);
        }
        finally
        {
            File.Delete(creds);
        }
    }

    [Fact]
    public void Parse_RegionFromEnvironmentAndFile_LaterWins()
    {
        var env = new Dictionary<string, string> { ["GREY_EDGE_REGION"] = "from-env", ["GREY_EDGE_ENROLL_TOKEN"] = "env-token" };
        var ok = OptionsParser.Parse([.. Base, "--config", "c.conf", "--tpm", "device"], env, _ => "region = from-file\nnats = nats://h:1\ntpm = soft\n", out var errors);

        Assert.Empty(errors);
        Assert.Equal("from-env", ok!.Region);
        Assert.Equal("device", ok.Tpm);
        Assert.Equal("env-token", ok.EnrollToken);
    }

    [Fact]
    public void Parse_RegionErrors_EveryOneAtOnceNoSecretEchoed()
    {
        var token = new string('t', 300);
        var o = OptionsParser.Parse([.. Base, "--region", "EU_1", "--nats", "http://user:hunter2pw@h:1,nats://ok:2", "--tpm", "swtpm:h", "--nats-creds", "/nonexistent/creds", "--enroll-token", token], NoEnv, NoFile, out var errors);

        Assert.Null(o);
        var all = string.Join("\n", errors);
        foreach (var expected in new[] { "--region 'EU_1'", "--nats URL #1 '***@h:1'", "--tpm 'swtpm:h'", "--nats-creds file '/nonexistent/creds' does not exist", "--enroll-token must be 1-256 bytes" })
        {
            Assert.Contains(expected, all, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("hunter2pw", all, StringComparison.Ordinal);
        Assert.DoesNotContain(token, all, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RegionWithoutNats_Error()
    {
        var o = OptionsParser.Parse([.. Base, "--region", "r1"], NoEnv, NoFile, out var errors);

        Assert.Null(o);
        Assert.Contains(errors, e => e.Contains("--nats is required with --region", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_UplinkFlagsWithoutRegion_EachRefused()
    {
        var o = OptionsParser.Parse([.. Base, "--nats", "nats://h:1", "--tpm", "soft", "--enroll-token", "x"], NoEnv, NoFile, out var errors);

        Assert.Null(o);
        Assert.Contains("--nats needs --region", string.Join("\n", errors), StringComparison.Ordinal);
        Assert.Contains("--tpm needs --region", string.Join("\n", errors), StringComparison.Ordinal);
        Assert.Contains("--enroll-token needs --region", string.Join("\n", errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soft", true)]
    [InlineData("device", true)]
    [InlineData("device:/dev/tpm0", true)]
    [InlineData("swtpm:localhost:2321", true)]
    [InlineData("swtpm:localhost:0", false)]
    [InlineData("swtpm::2321", false)]
    [InlineData("hard", false)]
    [InlineData("device:", false)]
    public void IsTpm_Forms(string tpm, bool valid) => Assert.Equal(valid, RegionOptions.IsTpm(tpm));
}

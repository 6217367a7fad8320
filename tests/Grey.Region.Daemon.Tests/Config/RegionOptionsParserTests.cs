using Grey.Region.Daemon.Config;

namespace Grey.Region.Daemon.Tests.Config;

public sealed class RegionOptionsParserTests
{
    private static RegionDaemonOptions? Parse(string[] args, Dictionary<string, string>? env, Dictionary<string, string>? files, out List<string> errors) =>
        RegionOptionsParser.Parse(args, env ?? [], p => files is not null && files.TryGetValue(p, out string? t) ? t : throw new FileNotFoundException("no file " + p),
            p => files?.ContainsKey(p) == true, d => d == "/certs", out errors);

    [Fact]
    public void Parse_EveryProblem_ReportedAtOnce()
    {
        RegionDaemonOptions? o = Parse(["--region", "Bad_Region", "--api", "nowhere", "--nats", "http://x:1", "--peer-regions", "r1,r1,Bad", "--bogus", "x", "--admin-token", "short"], null, null, out List<string> errors);

        Assert.Null(o);
        Assert.Contains(errors, e => e.Contains("--region 'Bad_Region'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--data is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--api 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--nats 'http://x:1'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("names r1 twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'Bad' is not a valid region id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--peer-certs is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown flag --bogus", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("at least 16 characters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unexpected argument 'x'", StringComparison.Ordinal));
        Assert.True(errors.Count == 10, string.Join(" | ", errors));
    }

    [Fact]
    public void Parse_NoTokenOutsideDev_Refused()
    {
        Assert.Null(Parse(["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222"], null, null, out List<string> errors));
        Assert.Contains(errors, e => e.Contains("--admin-token is required unless --dev", StringComparison.Ordinal));
        Assert.NotNull(Parse(["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev"], null, null, out _));
    }

    [Fact]
    public void Parse_FileThenEnvironmentThenFlags_LaterWins()
    {
        var files = new Dictionary<string, string>
        {
            ["/etc/region.conf"] = "# region\nregion = r-file\ndata = /file\napi = 127.0.0.1:1000\nnats = nats://127.0.0.1:4222\npeer-regions = r1\npeer-certs = /certs\n",
            ["/certs/r1.pem"] = "x",
            ["/creds"] = "x",
        };
        var env = new Dictionary<string, string> { ["GREY_REGION_DATA"] = "/env", ["GREY_REGION_ADMIN_TOKEN"] = "0123456789abcdefXYZ", ["GREY_REGION_CONFIG"] = "/etc/region.conf" };

        RegionDaemonOptions? o = Parse(["--api", "localhost:2000", "--nats-creds", "/creds"], env, files, out List<string> errors);

        Assert.Empty(errors);
        Assert.Equal(("r-file", "/env", 2000, "/creds"), (o!.Region, o.DataDirectory, o.Api!.Port, o.NatsCredsFile));
        Assert.Equal(["r1"], o.PeerRegions);
        Assert.DoesNotContain("0123456789abcdefXYZ", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingFiles_Named()
    {
        Assert.Null(Parse(["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev", "--nats-creds", "/none",
            "--peer-regions", "r1", "--peer-certs", "/certs", "--config", "/missing.conf"], null, null, out List<string> errors));
        Assert.Contains(errors, e => e.Contains("no file /none", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("no certificate /certs/r1.pem", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("config file /missing.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_EnrollmentFiles_GoTogether()
    {
        var files = new Dictionary<string, string> { ["/ca.pem"] = "x", ["/ca-key.pem"] = "x", ["/roots.pem"] = "x", ["/tokens"] = "x" };
        string[] common = ["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev"];

        Assert.Null(Parse([.. common, "--enroll-ca-cert", "/ca.pem"], null, files, out List<string> errors));
        Assert.Contains(errors, e => e.Contains("go together", StringComparison.Ordinal));
        Assert.Null(Parse([.. common, "--enroll-tokens", "/tokens"], null, files, out errors));
        Assert.Contains(errors, e => e.Contains("--enroll-tokens needs", StringComparison.Ordinal));
        RegionDaemonOptions? o = Parse([.. common, "--enroll-ca-cert", "/ca.pem", "--enroll-ca-key", "/ca-key.pem", "--ek-roots", "/roots.pem", "--enroll-tokens", "/tokens"], null, files, out errors);
        Assert.Empty(errors);
        Assert.True(o!.EnrollmentEnabled);
        Assert.False(Parse(common[..^1].Append("--admin-token").Append("0123456789abcdef0").ToArray(), null, files, out _)!.EnrollmentEnabled);
    }

    [Fact]
    public void Parse_ApiTlsFiles_CheckedWithTheOthersAtOnce()
    {
        var files = new Dictionary<string, string> { ["/api.pem"] = "x", ["/api-key.pem"] = "x", ["/clients.pem"] = "x" };
        string[] common = ["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev"];

        Assert.Null(Parse([.. common, "--api-cert", "/api.pem", "--api-client-ca", "/none.pem", "--region", "Bad_Region"], null, files, out List<string> errors));
        Assert.Contains(errors, e => e.Contains("--api-cert and --api-key go together", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--api-client-ca: no file /none.pem", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--region 'Bad_Region'", StringComparison.Ordinal));
        Assert.True(errors.Count == 3, string.Join(" | ", errors));
        Assert.Null(Parse([.. common, "--api-client-ca", "/clients.pem"], null, files, out errors));
        Assert.Equal(["--api-client-ca needs --api-cert and --api-key (client certificates are only sent over HTTPS)"], errors);
        RegionDaemonOptions? o = Parse([.. common, "--api-cert", "/api.pem", "--api-key", "/api-key.pem", "--api-client-ca", "/clients.pem"], null, files, out errors);
        Assert.Empty(errors);
        Assert.Equal(("/api.pem", "/api-key.pem", "/clients.pem"), (o!.ApiCertFile, o.ApiKeyFile, o.ApiClientCaFile));
        Assert.Contains("api tls on, client certificates on", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EkAllowList_NormalizedAndBadLinesNamed()
    {
        string a = new('A', 64);
        string b = string.Join(':', Enumerable.Repeat("0f", 32));
        var files = new Dictionary<string, string>
        {
            ["/ca.pem"] = "x", ["/ca-key.pem"] = "x", ["/roots.pem"] = "x",
            ["/allow"] = $"# plant 3\n{a}  # node 1\n\n  {b}\n{a}\n",
            ["/bad-allow"] = $"{a}\nnot-a-fingerprint\n{new string('a', 63)}\n# ok\n{a[..62]}zz\n-----BEGIN PRIVATE KEY-----\n",
        };
        string[] common = ["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--admin-token", "0123456789abcdef0",
            "--enroll-ca-cert", "/ca.pem", "--enroll-ca-key", "/ca-key.pem", "--ek-roots", "/roots.pem"];

        RegionDaemonOptions? o = Parse([.. common, "--ek-allow", "/allow"], null, files, out List<string> errors);
        Assert.Empty(errors);
        Assert.Equal([string.Concat(Enumerable.Repeat("0f", 32)), new string('a', 64)], o!.AllowedEkFingerprints.Order(StringComparer.Ordinal));

        Assert.Null(Parse([.. common, "--ek-allow", "/bad-allow", "--api", "nowhere"], null, files, out errors));
        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("--ek-allow /bad-allow:2: not a SHA-256 fingerprint (17 characters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--ek-allow /bad-allow:3: not a SHA-256 fingerprint (63 characters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--ek-allow /bad-allow:5:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--ek-allow /bad-allow:6:", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("PRIVATE", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--api 'nowhere'", StringComparison.Ordinal));

        Assert.Null(Parse(["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev", "--ek-allow", "/allow"], null, files, out errors));
        Assert.Equal(["--ek-allow needs --enroll-ca-cert, --enroll-ca-key and --ek-roots"], errors);
    }

    [Fact]
    public void Parse_SeededRandomArguments_NeverThrows()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("GREY_FUZZ_SEED"), out int s) ? s : 6007;
        Console.WriteLine($"GREY_FUZZ_SEED={seed}");
        var random = new Random(seed);
        string[] pieces = ["--region", "--data", "--api", "--nats", "--dev", "--dev=maybe", "--admin-token", "--peer-regions", "--peer-certs", "--config", "--enroll-ca-cert", "--api-cert", "--api-key", "--api-client-ca", "--ek-allow",
            "r0", "", "=", "--", "127.0.0.1:99999", "[::1]:80", "localhost:-1", "nats://", "tls://h:1,nats://u:p@h:2", "a,,b", "\0", "é", new string('x', 300), "--api=1.2.3.4:5"];
        for (int i = 0; i < 500; i++)
        {
            string[] args = [.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => pieces[random.Next(pieces.Length)])];
            RegionDaemonOptions? o = Parse(args, null, new Dictionary<string, string> { ["r0"] = "region = r0\nbogus\n=x\n" }, out List<string> errors);
            Assert.True((o is null) == (errors.Count > 0), $"seed {seed}, args [{string.Join(" ", args)}]");
        }
    }
}

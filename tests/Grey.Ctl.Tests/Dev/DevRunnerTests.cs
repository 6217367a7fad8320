using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Grey.Ctl.Tests.Dev;

/// <summary>
/// <c>greyctl dev</c> end to end through <c>Program.Run</c>: a real region (embedded MQTT broker, development CA) and
/// real 3-node sites in this process, demo traffic for a few seconds, then the final summary read back as numbers.
/// </summary>
public sealed partial class DevRunnerTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^final: site (?<site>\S+): merged (?<merged>\d+) lag (?<lag>\d+|\?) writes (?<writes>\d+) attestation (?<passing>\d+)/(?<expected>\d+) passing$", RegexOptions.Multiline)]
    private static partial Regex FinalSiteLine();

    [GeneratedRegex(@"data in (?<dir>\S+) \(removed at exit")]
    private static partial Regex DataLine();

    [Fact]
    public void Dev_TwoSitesEightSeconds_EverySiteMergedWithLagZeroExitZero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(["dev", "--duration", "8s", "--sites", "2"], stdout, stderr);
        string text = stdout.ToString();
        output.WriteLine(text);
        output.WriteLine(stderr.ToString());
        Assert.Equal(0, rc);

        MatchCollection sites = FinalSiteLine().Matches(text);
        Assert.Equal(["dev-1", "dev-2"], sites.Select(m => m.Groups["site"].Value).Order(StringComparer.Ordinal));
        foreach (Match m in sites)
        {
            string site = m.Groups["site"].Value;
            long merged = long.Parse(m.Groups["merged"].Value, CultureInfo.InvariantCulture);
            long writes = long.Parse(m.Groups["writes"].Value, CultureInfo.InvariantCulture);
            Assert.True(m.Groups["lag"].Value == "0", $"{site}: lag {m.Groups["lag"].Value}");
            // Demo traffic ran for seconds at several writes per second; each acknowledged write is one log entry, so the
            // region must have merged at least that many (a federation that merges nothing shows merged 0 and fails here).
            Assert.True(writes >= 5, $"{site}: only {writes} acknowledged writes");
            Assert.True(merged >= writes, $"{site}: merged {merged} < acknowledged writes {writes}");
            Assert.Equal("3", m.Groups["passing"].Value);
            Assert.Equal("3", m.Groups["expected"].Value);
        }

        Assert.Contains("final: 2 of 2 sites merged with lag 0", text, StringComparison.Ordinal);
        Assert.Contains("region r1 API http://127.0.0.1:", text, StringComparison.Ordinal);
        Assert.Contains("admin token ", text, StringComparison.Ordinal);
        Assert.Contains("site dev-2 node APIs http://127.0.0.1:", text, StringComparison.Ordinal);

        // The temporary data directory is gone once the command returned.
        string dir = DataLine().Match(text).Groups["dir"].Value;
        Assert.NotEmpty(dir);
        Assert.False(Directory.Exists(dir), dir + " still exists");
    }

    [Theory]
    [InlineData("--sites", "0", "--sites must lie in [1, 32], got 0")]
    [InlineData("--nodes", "8", "--nodes must lie in [1, 7], got 8")]
    [InlineData("--nats", "http://127.0.0.1:4222", "--nats 'http://127.0.0.1:4222' must be nats://HOST:PORT")]
    [InlineData("--mqtt", "mqtt://127.0.0.1", "--mqtt 'mqtt://127.0.0.1' must be mqtt://HOST:PORT")]
    public void Dev_BadArgument_ExitTwoWithMessage(string option, string value, string message)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(["dev", option, value], stdout, stderr);
        Assert.Equal(2, rc);
        Assert.Contains(message, stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void Dev_DurationWithoutUnit_ExitTwoWithMessage()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(["dev", "--duration", "8"], stdout, stderr);
        Assert.Equal(2, rc);
        Assert.Contains("greyctl:", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("8", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dev_SeveralBadArguments_EveryErrorListed()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(["dev", "--sites", "99", "--nodes", "0"], stdout, stderr);
        Assert.Equal(2, rc);
        Assert.Contains("--sites must lie in", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("--nodes must lie in", stderr.ToString(), StringComparison.Ordinal);
    }
}

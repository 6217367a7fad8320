using Grey.Ctl.Bench;

namespace Grey.Ctl.Tests.Bench;

public sealed class E2eBenchOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoErrors() => Assert.Empty(new E2eBenchOptions().Validate());

    [Fact]
    public void Validate_EveryBadValue_ReportedAtOnce()
    {
        var options = new E2eBenchOptions
        {
            Sites = 0,
            Duration = TimeSpan.FromMilliseconds(10),
            ClientsPerSite = 0,
            NatsUrl = "http://127.0.0.1:4222",
            SettleTimeout = TimeSpan.Zero,
        };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.Contains("--sites", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--nats", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nats://127.0.0.1:4222", true)]
    [InlineData("tls://nats.example:4443", true)]
    [InlineData("nats://127.0.0.1", false)]
    [InlineData("127.0.0.1:4222", false)]
    [InlineData("mqtt://127.0.0.1:1883", false)]
    public void Validate_NatsUrl_OnlyNatsSchemesWithPort(string url, bool valid) =>
        Assert.Equal(valid, new E2eBenchOptions { NatsUrl = url }.Validate().Count == 0);

    [Theory]
    [InlineData(1, true)]
    [InlineData(E2eBenchOptions.MaxSites, true)]
    [InlineData(E2eBenchOptions.MaxSites + 1, false)]
    [InlineData(-3, false)]
    public void Validate_Sites_WithinBounds(int sites, bool valid) =>
        Assert.Equal(valid, new E2eBenchOptions { Sites = sites }.Validate().Count == 0);
}

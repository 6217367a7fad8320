using Grey.Region.Quotas;

namespace Grey.Region.Tests.Quotas;

public sealed class QuotaOptionsTests
{
    [Fact]
    public void ParseOverrides_ValidList_ParsesEach()
    {
        var errors = new List<string>();
        Dictionary<string, SiteQuota> o = QuotaOptions.ParseOverrides("plant-7=10/65536, depot-1=0.5/0", errors);
        Assert.Empty(errors);
        Assert.Equal(new SiteQuota(10, 65536), o["plant-7"]);
        Assert.Equal(new SiteQuota(0.5, 0), o["depot-1"]);
    }

    [Theory]
    [InlineData("plant-7", "SITE=DELTAS/BYTES")]
    [InlineData("Plant=1/1", "valid site id")]
    [InlineData("p=1", "DELTAS/BYTES")]
    [InlineData("p=x/1", "each rate")]
    [InlineData("p=-1/1", "each rate")]
    [InlineData("p=1/1,p=2/2", "twice")]
    [InlineData("p=NaN/1", "each rate")]
    [InlineData("p=1e13/1", "each rate")]
    public void ParseOverrides_Bad_NamesTheProblem(string text, string expected)
    {
        var errors = new List<string>();
        QuotaOptions.ParseOverrides(text, errors);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryProblemAtOnce()
    {
        IReadOnlyList<string> errors = new QuotaOptions
        {
            Default = new SiteQuota(double.PositiveInfinity, 0),
            Overrides = new Dictionary<string, SiteQuota> { ["BAD ID"] = new SiteQuota(1, 1) },
            Burst = TimeSpan.Zero,
            MaxDelay = TimeSpan.FromHours(1),
            MaxSites = 0,
        }.Validate();
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Enabled_OnlyWhenSomeSiteLimited()
    {
        Assert.False(QuotaOptions.Unlimited.Enabled);
        Assert.True(new QuotaOptions { Default = new SiteQuota(0, 1) }.Enabled);
        Assert.True(new QuotaOptions { Overrides = new Dictionary<string, SiteQuota> { ["a"] = new SiteQuota(1, 0) } }.Enabled);
    }
}

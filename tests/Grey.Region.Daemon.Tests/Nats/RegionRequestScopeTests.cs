using Grey.Region.Daemon.Nats;

namespace Grey.Region.Daemon.Tests.Nats;

public sealed class RegionRequestScopeTests
{
    [Fact]
    public void Answers_NoHeader_AnsweredAsBeforeForEdgesNotUpgraded()
    {
        Assert.True(RegionRequestScope.Answers("r1", []));
    }

    [Fact]
    public void Answers_NamesThisRegion_Answered()
    {
        Assert.True(RegionRequestScope.Answers("r1", ["r1"]));
        Assert.True(RegionRequestScope.Answers("r1", ["r1", "r1"]));
    }

    [Theory]
    [InlineData("r2")]
    [InlineData("R1")]
    [InlineData("r1 ")]
    [InlineData("")]
    [InlineData(null)]
    public void Answers_NamesAnotherOrMalformedRegion_NotAnswered(string? named)
    {
        Assert.False(RegionRequestScope.Answers("r1", [named]));
    }

    [Fact]
    public void Answers_NamesTwoDifferentRegions_NotAnswered()
    {
        Assert.False(RegionRequestScope.Answers("r1", ["r1", "r2"]));
        Assert.False(RegionRequestScope.Answers("r1", ["r2", "r1"]));
    }

    [Fact]
    public void Answers_Misuse_Throws()
    {
        Assert.Throws<ArgumentException>(() => RegionRequestScope.Answers("", []));
        Assert.Throws<ArgumentNullException>(() => RegionRequestScope.Answers("r1", null!));
    }
}

using Grey.Ctl.Cli;

namespace Grey.Ctl.Tests.Cli;

public sealed class SeedRangeTests
{
    [Fact]
    public void TryParse_Range_EnumeratesEverySeedInclusive()
    {
        Assert.True(SeedRange.TryParse("3-6", out SeedRange range, out _));
        Assert.Equal(new ulong[] { 3, 4, 5, 6 }, range.Seeds().ToArray());
        Assert.Equal(4UL, range.Count);
    }

    [Fact]
    public void TryParse_SingleSeed_IsARangeOfOne()
    {
        Assert.True(SeedRange.TryParse("42", out SeedRange range, out _));
        Assert.Equal(new ulong[] { 42 }, range.Seeds().ToArray());
    }

    [Theory]
    [InlineData("5-3", "below its start")]
    [InlineData("a-b", "not a seed range")]
    [InlineData("1-2-3", "not a seed range")]
    [InlineData("", "empty seed range")]
    [InlineData("0-99999999999", "more than")]
    public void TryParse_Malformed_ExplainsWhatWasWrong(string text, string expected)
    {
        Assert.False(SeedRange.TryParse(text, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

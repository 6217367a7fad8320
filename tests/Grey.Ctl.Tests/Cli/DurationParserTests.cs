using Grey.Ctl.Cli;

namespace Grey.Ctl.Tests.Cli;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("15s", 15_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0s", 0)]
    public void TryParse_IntegerWithUnit_ReturnsDuration(string text, long expectedMs)
    {
        Assert.True(DurationParser.TryParse(text, out TimeSpan value, out string error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), value);
    }

    [Theory]
    [InlineData("30", "has no unit")]
    [InlineData("1.5s", "unknown unit")]
    [InlineData("5d", "unknown unit")]
    [InlineData("s", "not a duration")]
    [InlineData("-1s", "not a duration")]
    [InlineData("", "empty duration")]
    [InlineData("8h9", "unknown unit")]
    [InlineData("99999999999h", "longer than the maximum")]
    public void TryParse_Malformed_ExplainsWhatWasWrong(string text, string expected)
    {
        Assert.False(DurationParser.TryParse(text, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

using Grey.Region.Daemon.Sharding;

namespace Grey.Region.Daemon.Tests.Sharding;

public sealed class ShardOfCommandTests
{
    [Theory]
    [InlineData(new[] { "--shard-of", "plant-7", "--shards", "16" }, "12")]
    [InlineData(new[] { "--shards", "2", "--shard-of", "site-a" }, "1")]
    [InlineData(new[] { "--shard-of", "s2", "--shards", "1" }, "0")]
    public void Run_PrintsTheIndex(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, ShardOfCommand.Run(args, output, error));
        Assert.Equal(expected, output.ToString().Trim());
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void Run_BadSiteAndCount_Exit2BothNamed()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(2, ShardOfCommand.Run(["--shard-of", "Bad Site", "--shards", "0"], output, error));
        Assert.Contains("'Bad Site' is not a site id", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--shards '0'", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void Matches_OnlyTheTwoFlags()
    {
        Assert.True(ShardOfCommand.Matches(["--shard-of", "a", "--shards", "2"]));
        Assert.False(ShardOfCommand.Matches(["--shard-of", "a"]));
        Assert.False(ShardOfCommand.Matches(["--shard", "0/2", "--region", "r1"]));
        Assert.False(ShardOfCommand.Matches(["--shard-of", "a", "--shards", "2", "--dev"]));
    }
}

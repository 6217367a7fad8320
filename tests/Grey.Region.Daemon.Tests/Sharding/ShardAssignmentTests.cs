using System.IO.Hashing;
using System.Text;
using Grey.Region.Daemon.Sharding;

namespace Grey.Region.Daemon.Tests.Sharding;

public sealed class ShardAssignmentTests
{
    [Fact]
    public void XxHash64_KnownAnswers_IsTheStandardAlgorithmWithSeedZero()
    {
        // Reference values of XXH64 (seed 0) published with the xxHash reference implementation.
        Assert.Equal(0xEF46DB3751D8E999UL, XxHash64.HashToUInt64([], 0));
        Assert.Equal(0x44BC2CF5AD770999UL, XxHash64.HashToUInt64("abc"u8, 0));
    }

    [Theory]
    [InlineData("plant-7", 2)]
    [InlineData("plant-7", 3)]
    [InlineData("depot-1", 4)]
    [InlineData("a", 1024)]
    public void ShardOf_IsXxHash64OfUtf8ModN(string site, int count)
    {
        ulong hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(site), 0);
        Assert.Equal((int)(hash % (ulong)count), ShardAssignment.ShardOf(site, count));
    }

    [Fact]
    public void ShardOf_FixedVectors_NeverChange()
    {
        // Pinned: a change of the rule moves sites between processes, which must never happen silently.
        string vectors = string.Join(",", new[] { "plant-7", "depot-1", "site-a", "site-b", "noisy", "quiet", "s0", "s1", "s2", "s3" }
            .Select(s => $"{s}:{ShardAssignment.ShardOf(s, 2)}/{ShardAssignment.ShardOf(s, 3)}/{ShardAssignment.ShardOf(s, 16)}"));
        Assert.Equal(ExpectedVectors, vectors);
    }

    [Fact]
    public void ShardOf_ThousandSitesOverFourShards_Spread()
    {
        int[] counts = new int[4];
        for (int i = 0; i < 1000; i++)
        {
            counts[ShardAssignment.ShardOf("site-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), 4)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 200, 300));
    }

    [Fact]
    public void Owns_ExactlyOneShardOwnsEachSite()
    {
        foreach (string site in new[] { "plant-7", "depot-1", "x", "a-very-long-site-name-0123456789" })
        {
            Assert.Equal(1, Enumerable.Range(0, 5).Count(i => new ShardAssignment(i, 5).Owns(site)));
        }

        Assert.True(ShardAssignment.Single.Owns("anything"));
        Assert.False(ShardAssignment.Single.Owns("Not A Site"));
        Assert.False(new ShardAssignment(0, 2).Owns("../etc"));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("1/2", 1, 2)]
    [InlineData("1023/1024", 1023, 1024)]
    public void Parse_Valid(string text, int index, int count)
    {
        ShardAssignment s = ShardAssignment.Parse(text, out string? error)!;
        Assert.Null(error);
        Assert.Equal((index, count), (s.Index, s.Count));
        Assert.Equal(text, s.ToString());
    }

    [Theory]
    [InlineData("2/2")]
    [InlineData("0/0")]
    [InlineData("-1/2")]
    [InlineData("1")]
    [InlineData("0/1025")]
    [InlineData("a/b")]
    [InlineData("0/2/3")]
    [InlineData(" 0/2")]
    [InlineData("")]
    public void Parse_Invalid_ClearError(string text)
    {
        Assert.Null(ShardAssignment.Parse(text, out string? error));
        Assert.Contains("must be I/N", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_Misuse_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardAssignment(2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardAssignment(0, 0));
        Assert.Throws<ArgumentException>(() => ShardAssignment.ShardOf("Bad Id", 2));
    }

    /// <summary>Computed by an independent Python XXH64 (checked against the same reference answers), not by this code.</summary>
    private const string ExpectedVectors = "plant-7:0/2/12,depot-1:0/2/0,site-a:1/2/1,site-b:0/2/12,noisy:1/1/1,quiet:1/1/11,s0:0/2/14,s1:1/1/1,s2:0/0/2,s3:1/1/5";
}

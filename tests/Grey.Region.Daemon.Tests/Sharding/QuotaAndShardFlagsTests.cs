using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Sharding;
using Grey.Region.Quotas;

namespace Grey.Region.Daemon.Tests.Sharding;

/// <summary>The quota and shard flags through the real parser.</summary>
public sealed class QuotaAndShardFlagsTests
{
    private static readonly string[] Base = ["--region", "r0", "--data", "/d", "--api", "127.0.0.1:1", "--nats", "nats://127.0.0.1:4222", "--dev"];

    private static RegionDaemonOptions? Parse(string[] extra, out List<string> errors, Dictionary<string, string>? env = null) =>
        RegionOptionsParser.Parse([.. Base, .. extra], env ?? [], _ => throw new FileNotFoundException(), _ => false, _ => false, out errors);

    [Fact]
    public void Parse_NoFlags_DocumentedDefaults()
    {
        RegionDaemonOptions o = Parse([], out _)!;
        Assert.Equal(new SiteQuota(QuotaAndShardFlags.DefaultDeltasPerSecond, QuotaAndShardFlags.DefaultBytesPerSecond), o.Quotas.Default);
        Assert.Equal(1000, o.Quotas.Default.DeltasPerSecond);
        Assert.Equal(64 * 1024 * 1024, o.Quotas.Default.BytesPerSecond);
        Assert.Empty(o.Quotas.Overrides);
        Assert.Equal(ShardAssignment.Single, o.Shard);
    }

    [Fact]
    public void Parse_AllFlags_Applied()
    {
        RegionDaemonOptions o = Parse(["--quota-deltas-per-s", "2.5", "--quota-bytes-per-s", "0", "--quota", "plant-7=10/1048576,vip=0/0", "--shard", "1/3"], out List<string> errors)!;
        Assert.Empty(errors);
        Assert.Equal(new SiteQuota(2.5, 0), o.Quotas.Default);
        Assert.Equal(new SiteQuota(10, 1048576), o.Quotas.For("plant-7"));
        Assert.True(o.Quotas.For("vip").IsUnlimited);
        Assert.Equal((1, 3), (o.Shard.Index, o.Shard.Count));
        Assert.Contains("shard 1/3", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ZeroBoth_QuotasOff()
    {
        Assert.False(Parse(["--quota-deltas-per-s", "0", "--quota-bytes-per-s", "0"], out _)!.Quotas.Enabled);
    }

    [Fact]
    public void Parse_Environment_Read()
    {
        RegionDaemonOptions o = Parse([], out _, new Dictionary<string, string> { ["GREY_REGION_SHARD"] = "0/2", ["GREY_REGION_QUOTA_DELTAS_PER_S"] = "7" })!;
        Assert.Equal(2, o.Shard.Count);
        Assert.Equal(7, o.Quotas.Default.DeltasPerSecond);
    }

    [Fact]
    public void Parse_BadValues_EveryErrorAtOnce()
    {
        Assert.Null(Parse(["--quota-deltas-per-s", "-1", "--quota-bytes-per-s", "lots", "--quota", "Bad=1/1,p=1", "--shard", "2/2"], out List<string> errors));
        Assert.Contains(errors, e => e.Contains("--quota-deltas-per-s '-1'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--quota-bytes-per-s 'lots'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--quota 'Bad=1/1'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--quota p:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--shard '2/2'", StringComparison.Ordinal));
        Assert.True(errors.Count == 5, string.Join(" | ", errors));
    }
}

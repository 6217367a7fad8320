using Grey.Region.Hosting;

namespace Grey.Region.Tests.Hosting;

/// <summary>The per-signer rate limit of republished revocation notices, and its bounded table.</summary>
public sealed class RevocationRepairTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Due_WithinInterval_OncePerSigner()
    {
        var repair = new RevocationRepair(TimeSpan.FromSeconds(5));

        Assert.True(repair.Due("a1", T0));
        Assert.False(repair.Due("a1", T0.AddSeconds(4.999)));
        Assert.True(repair.Due("a2", T0.AddSeconds(1)));
        Assert.True(repair.Due("a1", T0.AddSeconds(5)));
        Assert.False(repair.Due("a1", T0.AddSeconds(9)));
    }

    [Fact]
    public void Due_TableFull_ForgetsTheOldestAndStaysBounded()
    {
        var repair = new RevocationRepair(TimeSpan.FromMinutes(1));
        for (int i = 0; i < RevocationRepair.MaxSigners; i++)
        {
            Assert.True(repair.Due("n" + i, T0.AddMilliseconds(i)));
        }

        Assert.True(repair.Due("new", T0.AddSeconds(10)));

        Assert.Equal(RevocationRepair.MaxSigners, repair.Count);
        Assert.True(repair.Due("n0", T0.AddSeconds(10)));
        Assert.False(repair.Due("n2", T0.AddSeconds(10)));
    }

    [Fact]
    public void Constructor_NonPositiveInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RevocationRepair(TimeSpan.Zero));
    }
}

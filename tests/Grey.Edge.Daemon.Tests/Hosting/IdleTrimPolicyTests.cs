using Grey.Edge.Daemon.Hosting;

namespace Grey.Edge.Daemon.Tests.Hosting;

public sealed class IdleTrimPolicyTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Sample_QuietAfterStartUp_Trims()
    {
        // The start-up's allocations (several MB) count as work since the last trim, which counts as at zero.
        var policy = new IdleTrimPolicy(allocatedAtStart: 6 * MiB);
        Assert.True(policy.Sample(6 * MiB + IdleTrimPolicy.IdleAllocationBytes));
        Assert.Equal(1, policy.Trims);
    }

    [Fact]
    public void Sample_StillBusy_WaitsForAQuietInterval()
    {
        var policy = new IdleTrimPolicy(6 * MiB);
        Assert.False(policy.Sample(6 * MiB + IdleTrimPolicy.IdleAllocationBytes + 1));
        Assert.False(policy.Sample(20 * MiB));
        Assert.True(policy.Sample(20 * MiB + 1000));
        Assert.Equal(1, policy.Trims);
    }

    [Fact]
    public void Sample_QuietAgainAfterATrim_DoesNotTrimAgainUntilEnoughWasAllocated()
    {
        var policy = new IdleTrimPolicy(6 * MiB);
        Assert.True(policy.Sample(6 * MiB));
        long total = 6 * MiB;
        int quietSamples = 0;
        while (total - (6 * MiB) < IdleTrimPolicy.MinAllocatedSinceTrimBytes)
        {
            // An idle node's ticking: quiet samples, each below the idle threshold.
            Assert.False(policy.Sample(total));
            total += IdleTrimPolicy.IdleAllocationBytes / 2;
            quietSamples++;
        }

        Assert.True(quietSamples > 10);
        Assert.True(policy.Sample(total));
        Assert.Equal(2, policy.Trims);
    }

    [Fact]
    public void Sample_SmallStartUp_DoesNotTrim()
    {
        var policy = new IdleTrimPolicy(MiB);
        Assert.False(policy.Sample(MiB + 100));
        Assert.Equal(0, policy.Trims);
    }

    [Fact]
    public void Sample_TotalGoesDown_Throws()
    {
        var policy = new IdleTrimPolicy(6 * MiB);
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.Sample((6 * MiB) - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdleTrimPolicy(-1));
    }
}

using Grey.Ctl.Dev;

namespace Grey.Ctl.Tests.Dev;

public sealed class SiteSummaryTests
{
    [Fact]
    public void CaughtUp_LagZeroAndEveryWriteMerged_True() =>
        Assert.True(new SiteSummary("s", 12, 0, 3, 3, 3, 10).CaughtUp);

    [Fact]
    public void CaughtUp_LagAboveZero_False() =>
        Assert.False(new SiteSummary("s", 12, 1, 3, 3, 3, 10).CaughtUp);

    [Fact]
    public void CaughtUp_LagUnknown_False() =>
        Assert.False(new SiteSummary("s", 12, null, 3, 3, 3, 10).CaughtUp);

    [Fact]
    public void CaughtUp_FewerMergedThanAcknowledged_False() =>
        Assert.False(new SiteSummary("s", 9, 0, 3, 3, 3, 10).CaughtUp);

    [Fact]
    public void Format_Numbers_OneParsableLine() =>
        Assert.Equal("site dev-1: merged 12 lag 0 writes 10 attestation 2/3 passing", new SiteSummary("dev-1", 12, 0, 2, 3, 3, 10).Format());
}

using Grey.Ctl.EdgeHarness;
using Grey.Linearizability;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>Hand-made histories of lost and surviving writes: the check must tell them apart.</summary>
public sealed class AcknowledgedWriteCheckTests
{
    private static HistoryOperation W(int client, string key, long value, long call, long? ret, bool ok = true) =>
        new(client, key, OperationKind.Write, value, null, null, ok, call, ret);

    private static HistoryOperation Cas(int client, string key, long expected, long value, long call, long? ret, bool ok = true) =>
        new(client, key, OperationKind.Cas, value, expected, null, ok, call, ret);

    private static Dictionary<string, long?> Final(string key, long? value) => new() { [key] = value };

    [Fact]
    public void Check_FinalIsLastAcknowledged_NothingLost()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), W(1, "k", 2, 20, 30)];
        Assert.Empty(AcknowledgedWriteCheck.Check(h, Final("k", 2)));
    }

    [Fact]
    public void Check_FinalWrittenConcurrentlyWithLastAcknowledged_NothingLost()
    {
        // Write 1 and write 2 overlap, so either may be last.
        HistoryOperation[] h = [W(0, "k", 1, 0, 30), W(1, "k", 2, 10, 20)];
        Assert.Empty(AcknowledgedWriteCheck.Check(h, Final("k", 1)));
        Assert.Empty(AcknowledgedWriteCheck.Check(h, Final("k", 2)));
    }

    [Fact]
    public void Check_FinalIsOlderThanAnAcknowledgedWrite_ReportsTheLostWrite()
    {
        // Write 2 was acknowledged after write 1 returned, yet the key ends at 1: write 2 is lost
        // (what a node that acknowledges before a majority has the entry produces after a crash).
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), W(1, "k", 2, 20, 30)];
        LostWrite lost = Assert.Single(AcknowledgedWriteCheck.Check(h, Final("k", 1)));
        Assert.Equal(new LostWrite("k", 2, lost.Reason), lost);
        Assert.Contains("returned before", lost.Reason);
    }

    [Fact]
    public void Check_KeyAbsentAfterAcknowledgedWrites_ReportsEachAsLost()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), Cas(0, "k", 1, 3, 20, 30)];
        Assert.Equal(2, AcknowledgedWriteCheck.Check(h, Final("k", null)).Count);
    }

    [Fact]
    public void Check_FinalValueNobodyWrote_IsReported()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10)];
        LostWrite lost = Assert.Single(AcknowledgedWriteCheck.Check(h, Final("k", 99)));
        Assert.Contains("no client wrote", lost.Reason);
    }

    [Fact]
    public void Check_FinalFromUnknownOutcomeWrite_NothingLost()
    {
        // The write of 3 timed out: it may have committed after write 2, so ending at 3 is fine.
        HistoryOperation[] h = [W(0, "k", 3, 0, null), W(1, "k", 2, 20, 30)];
        Assert.Empty(AcknowledgedWriteCheck.Check(h, Final("k", 3)));
    }

    [Fact]
    public void Check_FailedCasIsNotAnAcknowledgedWrite()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10), Cas(1, "k", 7, 5, 20, 30, ok: false)];
        Assert.Empty(AcknowledgedWriteCheck.Check(h, Final("k", 1)));
    }

    [Fact]
    public void Check_KeyNotReadAtTheEnd_IsReported()
    {
        HistoryOperation[] h = [W(0, "k", 1, 0, 10)];
        LostWrite lost = Assert.Single(AcknowledgedWriteCheck.Check(h, new Dictionary<string, long?>()));
        Assert.Contains("could not be read", lost.Reason);
    }

    [Fact]
    public void Check_KeysAreIndependent()
    {
        HistoryOperation[] h = [W(0, "a", 1, 0, 10), W(0, "b", 2, 20, 30), W(1, "a", 3, 40, 50)];
        var finals = new Dictionary<string, long?> { ["a"] = 1, ["b"] = 2 };
        LostWrite lost = Assert.Single(AcknowledgedWriteCheck.Check(h, finals));
        Assert.Equal("a", lost.Key);
        Assert.Equal(3, lost.Value);
    }
}

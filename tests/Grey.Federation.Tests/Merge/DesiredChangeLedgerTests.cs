using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.Messages;

namespace Grey.Federation.Tests.Merge;

public sealed class DesiredChangeLedgerTests
{
    private static readonly HlcTimestamp T = new(50, 0);

    [Fact]
    public void Find_TwoSitesSameSequence_EachFoundUnderItsSite()
    {
        var ledger = new DesiredChangeLedger();
        var a = new DesiredChange("r0", "site-a", 1, "desired/fan", [1], T);
        var b = new DesiredChange("r0", "site-b", 1, "desired/fan", [2], T);
        ledger.Add(a);
        ledger.Add(b);

        Assert.Equal(2, ledger.Count);
        Assert.Same(a, ledger.Find("r0", "site-a", 1));
        Assert.Same(b, ledger.Find("r0", "site-b", 1));
        Assert.Null(ledger.Find("r0", "site-c", 1));
        Assert.Null(ledger.Find("r1", "site-a", 1));
        Assert.Null(ledger.Find("r0", "site-a", 2));
    }

    [Fact]
    public void Violation_SameSequenceForTwoSites_EachSiteAppliesItsOwn()
    {
        var ledger = new DesiredChangeLedger();
        var a = new DesiredChange("r0", "site-a", 1, "desired/fan", [1], T);
        var b = new DesiredChange("r0", "site-b", 1, "desired/fan", [2], T);
        ledger.Add(a);
        ledger.Add(b);

        Assert.Null(OwnershipRules.Violation("site-a", a.ToOperation(T, "n1"), ledger));
        Assert.Null(OwnershipRules.Violation("site-b", b.ToOperation(T, "n1"), ledger));
        Assert.NotNull(OwnershipRules.Violation("site-b", a.ToOperation(T, "n1"), ledger));
    }

    [Fact]
    public void Add_SameChangeTwice_Idempotent()
    {
        var ledger = new DesiredChangeLedger();
        var a = new DesiredChange("r0", "site-a", 1, "desired/fan", [1], T);
        ledger.Add(a);
        ledger.Add(new DesiredChange("r0", "site-a", 1, "desired/fan", [1], T));
        Assert.Equal(1, ledger.Count);
    }

    [Fact]
    public void Add_DifferentChangeSameRegionSiteSequence_Throws()
    {
        var ledger = new DesiredChangeLedger();
        ledger.Add(new DesiredChange("r0", "site-a", 1, "desired/fan", [1], T));
        Assert.Throws<InvalidOperationException>(() => ledger.Add(new DesiredChange("r0", "site-a", 1, "desired/fan", [9], T)));
    }
}

using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Merge;

public sealed class OwnershipRulesTests
{
    private static readonly HlcTimestamp T = new(50, 0);
    private static readonly DesiredChange Change = Samples.Change;

    [Fact]
    public void Violation_SiteAndSharedKeys_Allowed()
    {
        IDesiredChangeLedger ledger = Samples.Ledger();
        Assert.Null(OwnershipRules.Violation("site-a", Operation.Put("temp", [1], T, "n1"), ledger));
        Assert.Null(OwnershipRules.Violation("site-a", Operation.CounterAdd("shared/c", 1, T, "n1"), ledger));
        Assert.Null(OwnershipRules.Violation("site-a", Operation.SetAdd("shared/s", "x", T, "n1"), ledger));
    }

    [Fact]
    public void Violation_DesiredWriteApplyingIssuedChange_Allowed()
    {
        Assert.Null(OwnershipRules.Violation("site-a", Change.ToOperation(T, "n1"), Samples.Ledger()));
    }

    [Fact]
    public void Violation_DesiredDeleteApplyingIssuedDelete_Allowed()
    {
        var ledger = new DesiredChangeLedger();
        var delete = new DesiredChange("r2", "site-a", 5, "desired/x", null, T);
        ledger.Add(delete);
        Assert.Null(OwnershipRules.Violation("site-a", delete.ToOperation(T, "n1"), ledger));
        Assert.NotNull(OwnershipRules.Violation("site-a", Operation.Put("desired/x", [1], T, "n1", delete.Reference), ledger));
    }

    [Theory]
    [InlineData("no reference")]
    [InlineData("unknown sequence")]
    [InlineData("other site")]
    [InlineData("other key")]
    [InlineData("other value")]
    [InlineData("wrong digest")]
    [InlineData("counter")]
    [InlineData("reference outside desired")]
    public void Violation_BrokenOwnership_ReasonGiven(string kind)
    {
        Operation op = kind switch
        {
            "no reference" => Operation.Put("desired/fan", [0x6F, 0x6E], T, "n1"),
            "unknown sequence" => Operation.Put("desired/fan", [0x6F, 0x6E], T, "n1", new DesiredRef("r0", 2, Change.Digest)),
            "other site" => Change.ToOperation(T, "n1"),
            "other key" => Operation.Put("desired/other", [0x6F, 0x6E], T, "n1", Change.Reference),
            "other value" => Operation.Put("desired/fan", [0x00], T, "n1", Change.Reference),
            "wrong digest" => Operation.Put("desired/fan", [0x6F, 0x6E], T, "n1", new DesiredRef("r0", 1, new byte[32])),
            "counter" => Operation.CounterAdd("desired/fan", 1, T, "n1"),
            _ => Operation.Put("temp", [1], T, "n1", Change.Reference),
        };
        string site = kind == "other site" ? "site-b" : "site-a";
        string? reason = OwnershipRules.Violation(site, op, Samples.Ledger());
        Assert.False(string.IsNullOrEmpty(reason), kind);
    }
}

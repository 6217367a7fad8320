using Grey.Linearizability.Checking;

namespace Grey.Linearizability.Tests.Checking;

public sealed class RegisterModelTests
{
    private static (bool Ok, long? Next) Step(long? state, HistoryOperation op) =>
        (RegisterModel.Instance.Step(state, op, out long? next), next);

    [Fact]
    public void Step_Read_AcceptsOnlyTheCurrentValue()
    {
        Assert.Equal((true, (long?)3), Step(3, Ops.Read(0, 3, 0, 1)));
        Assert.False(Step(3, Ops.Read(0, 4, 0, 1)).Ok);
        Assert.False(Step(3, Ops.Read(0, null, 0, 1)).Ok);
        Assert.Equal((true, (long?)null), Step(null, Ops.Read(0, null, 0, 1)));
    }

    [Fact]
    public void Step_Write_AlwaysSets()
    {
        Assert.Equal((true, (long?)5), Step(null, Ops.Write(0, 5, 0, 1)));
        Assert.Equal((true, (long?)5), Step(2, Ops.Write(0, 5, 0, null)));
    }

    [Fact]
    public void Step_Cas_FollowsItsRecordedOutcome()
    {
        Assert.Equal((true, (long?)2), Step(1, Ops.Cas(0, 1, 2, true, 0, 1)));
        Assert.False(Step(0, Ops.Cas(0, 1, 2, true, 0, 1)).Ok);
        Assert.False(Step(null, Ops.Cas(0, 1, 2, true, 0, 1)).Ok);
        Assert.Equal((true, (long?)0), Step(0, Ops.Cas(0, 1, 2, false, 0, 1)));
        Assert.Equal((true, (long?)null), Step(null, Ops.Cas(0, 1, 2, false, 0, 1)));
        Assert.False(Step(1, Ops.Cas(0, 1, 2, false, 0, 1)).Ok);
    }

    [Fact]
    public void Step_UnknownCas_SwapsExactlyWhenItMatches()
    {
        Assert.Equal((true, (long?)2), Step(1, Ops.Cas(0, 1, 2, false, 0, null)));
        Assert.Equal((true, (long?)7), Step(7, Ops.Cas(0, 1, 2, true, 0, null)));
    }
}

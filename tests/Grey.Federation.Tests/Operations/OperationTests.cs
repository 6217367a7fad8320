using Grey.Federation.Clock;
using Grey.Federation.Operations;

namespace Grey.Federation.Tests.Operations;

public sealed class OperationTests
{
    private static readonly HlcTimestamp T = new(10, 0);

    [Fact]
    public void Put_ValueTooLarge_Throws() =>
        Assert.Throws<ArgumentException>(() => Operation.Put("k", new byte[FederationLimits.MaxValueBytes + 1], T, "n1"));

    [Fact]
    public void Put_InvalidKeyOrOrigin_Throws()
    {
        Assert.Throws<ArgumentException>(() => Operation.Put("bad key", [1], T, "n1"));
        Assert.Throws<ArgumentException>(() => Operation.Put("k", [1], T, "N1"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(long.MinValue)]
    public void CounterAdd_ZeroOrMinValue_Throws(long amount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Operation.CounterAdd("c", amount, T, "n1"));

    [Fact]
    public void SetRemove_NoTags_Throws() =>
        Assert.Throws<ArgumentException>(() => Operation.SetRemove("s", "x", [], T, "n1"));

    [Fact]
    public void SetRemove_UnsortedDuplicateTags_SortedAndDistinct()
    {
        var a = new SetTag("site-b", "n1", T);
        var b = new SetTag("site-a", "n2", T);
        Operation op = Operation.SetRemove("s", "x", [a, b, a], T, "n1");
        Assert.Equal([b, a], op.Tags);
    }

    [Fact]
    public void Put_StampOutOfRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Operation.Put("k", [1], new HlcTimestamp(1, HlcTimestamp.MaxLogical + 1), "n1"));

    [Fact]
    public void Put_CallerChangesArrayAfterwards_OperationUnchanged()
    {
        byte[] value = [1, 2];
        Operation op = Operation.Put("k", value, T, "n1");
        value[0] = 9;
        Assert.Equal([1, 2], op.Value.ToArray());
    }
}

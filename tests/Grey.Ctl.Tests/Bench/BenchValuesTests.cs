using Grey.Ctl.Bench;

namespace Grey.Ctl.Tests.Bench;

public sealed class BenchValuesTests
{
    [Fact]
    public void Value_Is256BytesDeterministicAndVaries()
    {
        var a = new BenchValues(256);
        var b = new BenchValues(256);
        var seen = new HashSet<string>();
        for (long seq = 0; seq < 1000; seq++)
        {
            ReadOnlyMemory<byte> value = a.Value(1, 2, seq);
            Assert.Equal(E2eBenchOptions.ValueBytes, value.Length);
            Assert.True(value.Span.SequenceEqual(b.Value(1, 2, seq).Span));
            seen.Add(Convert.ToHexString(value.Span));
        }

        // Offsets are hashed into 1 MiB, so a rare pair of writes may share one; nearly all differ.
        Assert.True(seen.Count >= 990, $"{seen.Count} distinct values of 1000");
        Assert.False(a.Value(1, 2, 7).Span.SequenceEqual(a.Value(2, 2, 7).Span));
    }

    [Fact]
    public void Key_CyclesOverABoundedSetPerClient()
    {
        Assert.Equal("bench/c3/k5", BenchValues.Key(3, 5));
        Assert.Equal(BenchValues.Key(3, 5), BenchValues.Key(3, 5 + BenchValues.KeysPerClient));
        Assert.Equal(BenchValues.KeysPerClient, Enumerable.Range(0, 10_000).Select(i => BenchValues.Key(0, i)).Distinct().Count());
    }
}

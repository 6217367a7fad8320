using Xunit.Abstractions;
using static Grey.Linearizability.Tests.Ops;

namespace Grey.Linearizability.Tests;

public sealed class HistoryFileTests(ITestOutputHelper output)
{
    private static readonly HistoryOperation[] Sample =
    [
        Write(0, 5, 100, 180, key: "k1"),
        Read(1, 5, 120, 200, key: "k1"),
        Read(1, null, 210, 220, key: "shared/x"),
        Cas(2, 5, 7, false, 130, null, key: "k1"),
        Cas(3, -1, long.MaxValue, true, long.MinValue, 0, key: "k2"),
        Write(4, 1, 300, 300, key: "k2", ok: false),
    ];

    private static string WriteToString(ModelKind model, IReadOnlyList<HistoryOperation> history)
    {
        var writer = new StringWriter();
        HistoryFile.Write(writer, model, history);
        return writer.ToString();
    }

    private static void AssertMalformed(string text, int line, string fragment)
    {
        HistoryParseResult result = HistoryFile.Read(new StringReader(text));
        Assert.False(result.IsSuccess, "expected a parse error");
        Assert.Equal(line, result.Line);
        Assert.Equal($"malformed: line {line}: {result.Reason}", result.Error);
        Assert.Contains(fragment, result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ModelKind.Register)]
    [InlineData(ModelKind.Kv)]
    public void Write_ThenRead_GivesTheHistoryBack(ModelKind model)
    {
        string text = WriteToString(model, Sample);
        HistoryParseResult result = HistoryFile.Read(new StringReader(text));
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(model, result.Model);
        Assert.Equal(Sample, result.Operations);
    }

    [Fact]
    public void Write_Format_IsTheDocumentedOne()
    {
        string text = WriteToString(ModelKind.Kv, [Write(0, 5, 100, 180, key: "k1"), Cas(2, 5, 7, false, 130, null, key: "k1")]);
        Assert.Equal(
            "grey-history 1 kv\n# client key kind value expected output status call return\n0 k1 write 5 - - ok 100 180\n2 k1 cas 7 5 - fail 130 -\n",
            text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Write_UnwritableOperation_Throws()
    {
        var writer = new StringWriter();
        Assert.Throws<ArgumentException>(() => HistoryFile.Write(writer, ModelKind.Kv, [Write(0, 1, 0, 1, key: "has space")]));
        Assert.Throws<ArgumentException>(() => HistoryFile.Write(writer, ModelKind.Kv, [Write(0, 1, 0, 1, key: "")]));
        Assert.Throws<ArgumentException>(() => HistoryFile.Write(writer, ModelKind.Kv, [new HistoryOperation(0, "k", OperationKind.Write, null, null, null, true, 0, 1)]));
        Assert.Throws<ArgumentException>(() => HistoryFile.Write(writer, ModelKind.Kv, [Read(0, 1, 5, 4)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HistoryFile.Write(writer, (ModelKind)9, []));
    }

    [Fact]
    public void Read_CommentsBlankLinesAndTabs_AreAccepted()
    {
        HistoryParseResult result = HistoryFile.Read(new StringReader("# made by hand\n\n  grey-history\t1  register\n# ops\n0\tk\twrite 3 - - ok 1 2\n\n"));
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal([Write(0, 3, 1, 2)], result.Operations);
    }

    [Fact]
    public void Read_HeaderOnly_IsAnEmptyHistory()
    {
        HistoryParseResult result = HistoryFile.Read(new StringReader("grey-history 1 kv\n"));
        Assert.True(result.IsSuccess);
        Assert.Empty(result.Operations);
    }

    [Theory]
    [InlineData("", 1, "no header")]
    [InlineData("# only a comment\n", 1, "no header")]
    [InlineData("hello 1 kv\n", 1, "expected the header")]
    [InlineData("grey-history 1\n", 1, "the header has 2 fields")]
    [InlineData("grey-history 2 kv\n", 1, "unsupported format version '2'")]
    [InlineData("grey-history 1 queue\n", 1, "unknown model 'queue'")]
    [InlineData("grey-history 1 kv\n0 k write 1 - - ok 1\n", 2, "this line has 8")]
    [InlineData("grey-history 1 kv\n\n# c\n-1 k write 1 - - ok 1 2\n", 4, "client '-1'")]
    [InlineData("grey-history 1 kv\n0 k erase 1 - - ok 1 2\n", 2, "unknown kind 'erase'")]
    [InlineData("grey-history 1 kv\n0 k write x - - ok 1 2\n", 2, "value 'x'")]
    [InlineData("grey-history 1 kv\n0 k write 1 - - maybe 1 2\n", 2, "unknown status 'maybe'")]
    [InlineData("grey-history 1 kv\n0 k write 1 - - ok t 2\n", 2, "call time 't'")]
    [InlineData("grey-history 1 kv\n0 k write 1 - - ok 5 4\n", 2, "before the call time")]
    [InlineData("grey-history 1 kv\n0 k write - - - ok 1 2\n", 2, "a write needs a value")]
    [InlineData("grey-history 1 kv\n0 k read 1 - - ok 1 2\n", 2, "a read has no value")]
    [InlineData("grey-history 1 kv\n0 k read - - 3 ok 1 -\n", 2, "never returned has no output")]
    [InlineData("grey-history 1 kv\n0 k cas 1 - - ok 1 2\n", 2, "a cas needs a value and an expected value")]
    [InlineData("grey-history 1 kv\n0 k cas 1 2 3 ok 1 2\n", 2, "a cas has no output")]
    [InlineData("grey-history 1 kv\n0 - read - - - ok 1 2\n", 2, "reserved")]
    [InlineData("grey-history 1 kv\n0 k\u00e9 read - - - ok 1 2\n", 2, "printable ASCII")]
    public void Read_MalformedLine_ReportsLineAndReason(string text, int line, string fragment) =>
        AssertMalformed(text, line, fragment);

    [Fact]
    public void Read_OverlongLineOrKey_Reported()
    {
        AssertMalformed("grey-history 1 kv\n0 " + new string('k', 5000) + " read - - - ok 1 2\n", 2, "longer than 4096");
        AssertMalformed("grey-history 1 kv\n0 " + new string('k', 300) + " read - - - ok 1 2\n", 2, "longer than 256");
    }

    [Fact]
    public void Read_MutatedHistories_OnlyParseErrorsComeOut()
    {
        int seed = Checking.WglSearchTests.SeedFromEnvironment();
        output.WriteLine($"seed={seed} (set GREY_TEST_SEED to replay another)");
        var random = new Random(seed);
        var sources = new List<string> { WriteToString(ModelKind.Kv, Sample), WriteToString(ModelKind.Register, Sample) };
        for (int i = 0; i < 6; i++)
        {
            sources.Add(WriteToString(ModelKind.Kv, Checking.RandomHistories.Generate(random, 12, ["a", "b", "c"])));
        }

        (int ok, int malformed) = Mutator.Run(random, [.. sources], 3000, text =>
        {
            HistoryParseResult result = HistoryFile.Read(new StringReader(text));
            if (result.IsSuccess)
            {
                _ = LinearizabilityChecker.Check(result.Operations, result.Model, new CheckerOptions { MaxStatesPerKey = 2000 });
            }

            return result;
        });
        output.WriteLine($"{ok} mutants parsed, {malformed} rejected with a line number");
        Assert.True(ok > 100 && malformed > 100, $"mutations too weak or too strong: {ok} parsed, {malformed} rejected");
    }
}

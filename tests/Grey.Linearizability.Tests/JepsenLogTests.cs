using Xunit.Abstractions;

namespace Grey.Linearizability.Tests;

public sealed class JepsenLogTests(ITestOutputHelper output)
{
    private static HistoryParseResult Parse(params string[] lines) =>
        JepsenLog.Read(new StringReader(string.Join("\n", lines)));

    private static void AssertMalformed(int line, string fragment, params string[] lines)
    {
        HistoryParseResult result = Parse(lines);
        Assert.False(result.IsSuccess, "expected a parse error");
        Assert.Equal(line, result.Line);
        Assert.StartsWith($"malformed: line {line}: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(fragment, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TabsAndSpaces_GiveTheSameOperations()
    {
        HistoryParseResult tabs = Parse(
            "INFO  jepsen.util - 0\t:invoke\t:write\t3",
            "INFO  jepsen.util - 0\t:ok\t:write\t3",
            "INFO  jepsen.util - 1\t:invoke\t:read\tnil",
            "INFO  jepsen.util - 1\t:ok\t:read\t3");
        HistoryParseResult spaces = Parse(
            "INFO  jepsen.util - 0   :invoke :write  3",
            "INFO  jepsen.util - 0   :ok     :write  3",
            "INFO  jepsen.util - 1   :invoke :read   nil",
            "INFO  jepsen.util - 1   :ok     :read   3");
        Assert.True(tabs.IsSuccess, tabs.Error);
        Assert.Equal(tabs.Operations, spaces.Operations);
        Assert.Equal(
            [
                new HistoryOperation(0, JepsenLog.Key, OperationKind.Write, 3, null, null, true, 1, 2),
                new HistoryOperation(1, JepsenLog.Key, OperationKind.Read, null, null, 3, true, 3, 4),
            ],
            tabs.Operations);
        Assert.Equal(ModelKind.Register, tabs.Model);
    }

    [Fact]
    public void Read_CasOutcomes_OkFailAndInfo()
    {
        HistoryParseResult result = Parse(
            "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]",
            "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]",
            "INFO  jepsen.util - 2\t:invoke\t:cas\t[-5 6]",
            "INFO  jepsen.util - 0\t:ok\t:cas\t[1 2]",
            "INFO  jepsen.util - 1\t:fail\t:cas\t[3 4]",
            "INFO  jepsen.util - 2\t:info\t:cas\t:timed-out");
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(new HistoryOperation(0, JepsenLog.Key, OperationKind.Cas, 2, 1, null, true, 1, 4), result.Operations[0]);
        Assert.Equal(new HistoryOperation(1, JepsenLog.Key, OperationKind.Cas, 4, 3, null, false, 2, 5), result.Operations[1]);
        Assert.Equal(new HistoryOperation(2, JepsenLog.Key, OperationKind.Cas, 6, -5, null, true, 3, null), result.Operations[2]);
    }

    [Fact]
    public void Read_PendingAtEnd_IsUnknown_NemesisSkipped_FailedReadKept()
    {
        HistoryParseResult result = Parse(
            "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
            "INFO  jepsen.util - 0\t:invoke\t:write\t1",
            "",
            "INFO  jepsen.util - 3\t:invoke\t:read\tnil",
            "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out");
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(2, result.Operations.Count);
        Assert.True(result.Operations[0].IsUnknown);
        Assert.False(result.Operations[1].Ok);
        Assert.Equal(5, result.Operations[1].ReturnTime);
    }

    [Fact]
    public void Read_ProcessReusedAfterInfo_StartsANewOperation()
    {
        HistoryParseResult result = Parse(
            "INFO  jepsen.util - 0\t:invoke\t:write\t1",
            "INFO  jepsen.util - 0\t:info\t:write\t:timed-out",
            "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
            "INFO  jepsen.util - 0\t:ok\t:read\t1");
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(2, result.Operations.Count);
    }

    [Fact]
    public void Read_KvModel_IsCarriedThrough()
    {
        HistoryParseResult result = JepsenLog.Read(new StringReader("INFO  jepsen.util - 0\t:invoke\t:write\t1"), ModelKind.Kv);
        Assert.Equal(ModelKind.Kv, result.Model);
    }

    [Fact]
    public void Read_NotAnEventLine_ReportsItsLine()
    {
        AssertMalformed(2, "not a Jepsen event", "INFO  jepsen.util - 0\t:invoke\t:write\t1", "hello world");
    }

    [Fact]
    public void Read_TooFewFields_Reported() =>
        AssertMalformed(1, "has 2 fields", "INFO  jepsen.util - 0\t:invoke");

    [Fact]
    public void Read_BadProcess_Reported() =>
        AssertMalformed(1, "process 'x1' is not", "INFO  jepsen.util - x1\t:invoke\t:write\t1");

    [Fact]
    public void Read_UnknownType_Reported() =>
        AssertMalformed(1, "unknown event type ':maybe'", "INFO  jepsen.util - 0\t:maybe\t:write\t1");

    [Fact]
    public void Read_UnknownFunction_Reported() =>
        AssertMalformed(1, "unknown function ':append'", "INFO  jepsen.util - 0\t:invoke\t:append\t1");

    [Fact]
    public void Read_DoubleInvoke_Reported() =>
        AssertMalformed(2, "still open", "INFO  jepsen.util - 0\t:invoke\t:write\t1", "INFO  jepsen.util - 0\t:invoke\t:write\t2");

    [Fact]
    public void Read_CompletionWithoutInvoke_Reported() =>
        AssertMalformed(1, "never invoked", "INFO  jepsen.util - 4\t:ok\t:write\t1");

    [Fact]
    public void Read_CompletionOfOtherFunction_Reported() =>
        AssertMalformed(2, "completes a read but invoked a write", "INFO  jepsen.util - 0\t:invoke\t:write\t1", "INFO  jepsen.util - 0\t:ok\t:read\t1");

    [Fact]
    public void Read_WriteCompletingWithOtherValue_Reported() =>
        AssertMalformed(2, "invoked with 1", "INFO  jepsen.util - 0\t:invoke\t:write\t1", "INFO  jepsen.util - 0\t:ok\t:write\t2");

    [Fact]
    public void Read_BadWriteValue_Reported() =>
        AssertMalformed(1, "not a 64-bit integer", "INFO  jepsen.util - 0\t:invoke\t:write\t99999999999999999999");

    [Fact]
    public void Read_BadCas_Reported()
    {
        AssertMalformed(1, "not [expected new]", "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2 3]");
        AssertMalformed(1, "not [expected new]", "INFO  jepsen.util - 0\t:invoke\t:cas\t1 2");
        AssertMalformed(2, "invoked with [1 2]", "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]", "INFO  jepsen.util - 0\t:fail\t:cas\t[1 3]");
    }

    [Fact]
    public void Read_BadReadInvocationOrResult_Reported()
    {
        AssertMalformed(1, "invoked with nil", "INFO  jepsen.util - 0\t:invoke\t:read\t4");
        AssertMalformed(2, "neither nil nor", "INFO  jepsen.util - 0\t:invoke\t:read\tnil", "INFO  jepsen.util - 0\t:ok\t:read\tfour");
    }

    [Fact]
    public void Read_Empty_Reported()
    {
        AssertMalformed(1, "no Jepsen events");
        AssertMalformed(2, "no Jepsen events", "", "  ", ""); // "\n  \n" holds two lines.
    }

    [Fact]
    public void Read_OverlongLine_Reported() =>
        AssertMalformed(1, "longer than", "INFO  jepsen.util - 0\t:invoke\t:write\t" + new string('1', 5000));

    [Fact]
    public void Read_ControlCharactersInError_AreSanitized()
    {
        HistoryParseResult result = Parse("INFO  jepsen.util - 0\t:inv\u001boke\t:write\t1");
        Assert.DoesNotContain('\u001b', result.Error!);
    }

    [Fact]
    public void Read_MutatedCorpusFiles_OnlyParseErrorsComeOut()
    {
        int seed = Checking.WglSearchTests.SeedFromEnvironment();
        output.WriteLine($"seed={seed} (set GREY_TEST_SEED to replay another)");
        var random = new Random(seed);
        string[] sources = [.. JepsenCorpus.Verdicts().Take(12).Select(v => File.ReadAllText(Path.Combine(JepsenCorpus.Directory, v.File)))];
        (int ok, int malformed) = Mutator.Run(random, sources, 3000, text =>
        {
            HistoryParseResult result = JepsenLog.Read(new StringReader(text));
            if (result.IsSuccess)
            {
                // What parses must be checkable: the parser never hands the checker an inconsistent operation.
                _ = LinearizabilityChecker.Check(result.Operations, result.Model, new CheckerOptions { MaxStatesPerKey = 2000 });
            }

            return result;
        });
        output.WriteLine($"{ok} mutants parsed, {malformed} rejected with a line number");
        Assert.True(ok > 100 && malformed > 100, $"mutations too weak or too strong: {ok} parsed, {malformed} rejected");
    }
}

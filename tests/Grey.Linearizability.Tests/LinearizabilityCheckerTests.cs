using static Grey.Linearizability.Tests.Ops;

namespace Grey.Linearizability.Tests;

public sealed class LinearizabilityCheckerTests
{
    private static Verdict Verdict(ModelKind model, params HistoryOperation[] history) =>
        LinearizabilityChecker.Check(history, model).Verdict;

    private static Verdict Register(params HistoryOperation[] history) => Verdict(ModelKind.Register, history);

    [Fact]
    public void Check_EmptyHistory_IsLinearizable()
    {
        Assert.Equal(Linearizability.Verdict.Linearizable, Register());
    }

    [Fact]
    public void Check_ReadOfAbsentRegisterBeforeAnyWrite_IsLinearizable()
    {
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Read(0, null, 0, 1), Write(1, 5, 2, 3), Read(0, 5, 4, 5)));
    }

    [Fact]
    public void Check_SequentialStaleRead_IsNotLinearizable()
    {
        CheckResult result = LinearizabilityChecker.Check(
            [Write(0, 1, 0, 1), Write(1, 2, 2, 3), Read(2, 1, 4, 5)], ModelKind.Register);
        Assert.Equal(Linearizability.Verdict.NotLinearizable, result.Verdict);
        Assert.Contains("read -> 1", result.Detail, StringComparison.Ordinal);
        Assert.True(result.StatesExplored > 0);
    }

    [Fact]
    public void Check_ReadOfValueNeverWritten_IsNotLinearizable()
    {
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 1, 0, 1), Read(1, 7, 2, 3)));
    }

    [Fact]
    public void Check_ReadOverlappingWrite_MaySeeOldOrNewValue()
    {
        // The write spans [2, 10]; a read inside it may return the old value 1 or the new value 2.
        HistoryOperation first = Write(0, 1, 0, 1);
        HistoryOperation write = Write(0, 2, 2, 10);
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(first, write, Read(1, 1, 3, 4)));
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(first, write, Read(1, 2, 3, 4)));
    }

    [Fact]
    public void Check_ConcurrentReadsSeeNewThenOld_IsNotLinearizable()
    {
        // Both reads overlap the write, but the second starts after the first returned the new value:
        // once 2 was observed, a later read can no longer see 1.
        Assert.Equal(
            Linearizability.Verdict.NotLinearizable,
            Register(Write(0, 1, 0, 1), Write(0, 2, 2, 20), Read(1, 2, 3, 4), Read(2, 1, 5, 6)));
    }

    [Fact]
    public void Check_ConcurrentWritesObservedInEitherOrder_IsLinearizable()
    {
        HistoryOperation a = Write(0, 1, 0, 10);
        HistoryOperation b = Write(1, 2, 0, 10);
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(a, b, Read(2, 1, 11, 12)));
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(a, b, Read(2, 2, 11, 12)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(a, b, Read(2, 1, 11, 12), Read(3, 2, 13, 14), Read(2, 1, 15, 16)));
    }

    [Fact]
    public void Check_UnknownWriteObservedLater_IsLinearizable()
    {
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 1, 0, 1), Write(1, 9, 2, null), Read(2, 9, 50, 51)));
    }

    [Fact]
    public void Check_UnknownWriteNeverObserved_IsLinearizable()
    {
        // An operation with an unknown outcome may never have taken effect.
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 1, 0, 1), Write(1, 9, 2, null), Read(2, 1, 50, 51)));
    }

    [Fact]
    public void Check_UnknownWriteObservedBeforeItsCall_IsNotLinearizable()
    {
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 1, 0, 1), Read(2, 9, 2, 3), Write(1, 9, 4, null)));
    }

    [Fact]
    public void Check_UnknownWriteTakesEffectOnlyOnce_IsNotLinearizable()
    {
        // 9 appears, is overwritten by 1, and appears again: the one unknown write cannot explain both.
        Assert.Equal(
            Linearizability.Verdict.NotLinearizable,
            Register(Write(1, 9, 0, null), Read(2, 9, 2, 3), Write(0, 1, 4, 5), Read(2, 9, 6, 7)));
    }

    [Fact]
    public void Check_FailedCasWhileRegisterHeldExpected_IsNotLinearizable()
    {
        // A compare-and-set that failed saw a value other than 0, but the register held 0 throughout.
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 0, 0, 1), Cas(1, 0, 5, false, 2, 3), Read(0, 0, 4, 5)));
    }

    [Fact]
    public void Check_FailedCasWhileRegisterHeldOther_IsLinearizableAndChangesNothing()
    {
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 3, 0, 1), Cas(1, 0, 5, false, 2, 3), Read(0, 3, 4, 5)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 3, 0, 1), Cas(1, 0, 5, false, 2, 3), Read(0, 5, 4, 5)));
    }

    [Fact]
    public void Check_SuccessfulCas_RequiresExpectedValue()
    {
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 1, 0, 1), Cas(1, 1, 2, true, 2, 3), Read(0, 2, 4, 5)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 3, 0, 1), Cas(1, 1, 2, true, 2, 3)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Cas(1, 0, 2, true, 0, 1)));
    }

    [Fact]
    public void Check_UnknownCas_SwapsOnlyWhenExpectedMatched()
    {
        HistoryOperation unknown = Cas(1, 1, 2, ok: true, 2, null);
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 1, 0, 1), unknown, Read(0, 2, 10, 11)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 7, 0, 1), unknown, Read(0, 2, 10, 11)));
    }

    [Fact]
    public void Check_FailedReadsAndWrites_AreIgnored()
    {
        // A failed write took no effect; a failed read observed nothing.
        Assert.Equal(
            Linearizability.Verdict.Linearizable,
            Register(Write(0, 1, 0, 1), Write(1, 9, 2, 3, ok: false), Read(2, 1, 4, 5), Read(2, 42, 6, 7, ok: false)));
    }

    [Fact]
    public void Check_OperationsTouchingAtOneInstant_CountAsConcurrent()
    {
        // The read is called at the instant the write returns: it may be ordered before it.
        Assert.Equal(Linearizability.Verdict.Linearizable, Register(Write(0, 1, 0, 5), Read(1, null, 5, 6)));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Register(Write(0, 1, 0, 5), Read(1, null, 6, 7)));
    }

    [Fact]
    public void Check_KvKeysAreIndependent_RegisterModelIsNot()
    {
        HistoryOperation[] history =
        [
            Write(0, 1, 0, 1, key: "a"),
            Write(1, 2, 2, 3, key: "b"),
            Read(2, 1, 4, 5, key: "a"),
            Read(3, 2, 6, 7, key: "b"),
            Read(3, null, 8, 9, key: "c"),
        ];
        Assert.Equal(Linearizability.Verdict.Linearizable, Verdict(ModelKind.Kv, history));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, Verdict(ModelKind.Register, history));
    }

    [Fact]
    public void Check_KvViolationOnOneKey_NamesThatKey()
    {
        HistoryOperation[] history =
        [
            Write(0, 1, 0, 1, key: "a"),
            Write(1, 1, 0, 1, key: "b"),
            Write(1, 2, 2, 3, key: "b"),
            Read(2, 1, 4, 5, key: "a"),
            Read(2, 1, 6, 7, key: "b"),
        ];
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv);
        Assert.Equal(Linearizability.Verdict.NotLinearizable, result.Verdict);
        Assert.Equal("b", result.Key);
    }

    [Fact]
    public void Check_ManyConcurrentClients_FindsTheOneOrderThatWorks()
    {
        // Eight writers overlap completely; reads afterwards pin the last one. Only one of 8! orders of the
        // writes ends in 7, the search must find it (memoization keeps this small).
        var history = new List<HistoryOperation>();
        for (int c = 0; c < 8; c++)
        {
            history.Add(Write(c, c, 0, 100));
        }

        history.Add(Read(9, 7, 101, 102));
        Assert.Equal(Linearizability.Verdict.Linearizable, LinearizabilityChecker.Check(history, ModelKind.Register).Verdict);
        history.Add(Read(9, 3, 103, 104));
        Assert.Equal(Linearizability.Verdict.NotLinearizable, LinearizabilityChecker.Check(history, ModelKind.Register).Verdict);
    }

    /// <summary>
    /// A history the search cannot settle cheaply: 2,000 operations on one key with timed-out writes, and a
    /// read near the end that returns a value nobody wrote. Refuting it means exhausting every way the
    /// timed-out writes could have taken effect, far beyond the budgets the tests below give.
    /// </summary>
    private static List<HistoryOperation> HardViolation(string key = "k0")
    {
        List<HistoryOperation> history = LongHistories.Generate(20261126, keys: 1, operations: 2000, clients: 10, timeoutPercent: 5);
        LongHistories.CorruptRead(history, 1900);
        return [.. history.Select(op => op with { Key = key })];
    }

    [Fact]
    public void Check_StateBudgetExhausted_IsUnknownNeverAVerdict()
    {
        CheckResult result = LinearizabilityChecker.Check(HardViolation(), ModelKind.Register, new CheckerOptions { MaxStatesPerKey = 20_000 });
        Assert.Equal(Linearizability.Verdict.Unknown, result.Verdict);
        Assert.Equal(20_000, result.StatesExplored);
        Assert.Contains("budget of 20000 states", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_StateBudgetOnLinearizableHistory_IsUnknownNotLinearizable()
    {
        // A budget smaller than the path to the answer: even a correct history must not pass.
        List<HistoryOperation> history = LongHistories.Generate(7, keys: 1, operations: 200, clients: 5, timeoutPercent: 5);
        Assert.Equal(Linearizability.Verdict.Linearizable, LinearizabilityChecker.Check(history, ModelKind.Kv).Verdict);
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv, new CheckerOptions { MaxStatesPerKey = 10 });
        Assert.Equal(Linearizability.Verdict.Unknown, result.Verdict);
        Assert.Equal(10, result.StatesExplored);
    }

    [Fact]
    public void Check_MemoMemoryBudgetExhausted_IsUnknown()
    {
        // 2,000 operations make a state cost 256 bytes of bitset plus bookkeeping: 1 MB holds under 3,000 states.
        CheckResult result = LinearizabilityChecker.Check(HardViolation(), ModelKind.Register, new CheckerOptions { MaxMemoBytesPerKey = 1_000_000 });
        Assert.Equal(Linearizability.Verdict.Unknown, result.Verdict);
        Assert.InRange(result.StatesExplored, 1, 3000);
    }

    [Fact]
    public void Check_StateBudgetExhaustedOnOneKey_IsUnknownNamingThatKey()
    {
        var history = new List<HistoryOperation> { Write(0, 1, 0, 1, key: "small"), Read(0, 1, 2, 3, key: "small") };
        history.AddRange(HardViolation("big"));
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv, new CheckerOptions { MaxStatesPerKey = 20_000 });
        Assert.Equal(Linearizability.Verdict.Unknown, result.Verdict);
        Assert.Equal("big", result.Key);
    }

    [Fact]
    public void Check_ViolationOnOneKeyAndUndecidedOnAnother_IsNotLinearizable()
    {
        List<HistoryOperation> history = HardViolation("big");
        history.Add(Write(0, 1, 0, 1, key: "bad"));
        history.Add(Read(0, 2, 2, 3, key: "bad"));
        CheckResult result = LinearizabilityChecker.Check(history, ModelKind.Kv, new CheckerOptions { MaxStatesPerKey = 20_000 });
        Assert.Equal(Linearizability.Verdict.NotLinearizable, result.Verdict);
        Assert.Equal("bad", result.Key);
    }

    [Fact]
    public void Check_TimeBudgetExhausted_IsUnknown()
    {
        // Every look at the clock moves it 20 s on, so a budget of one minute runs out at the search's second look.
        var clock = new SteppingTimeProvider(TimeSpan.FromSeconds(20));
        CheckResult result = LinearizabilityChecker.Check(
            HardViolation(), ModelKind.Register, new CheckerOptions { TimeProvider = clock, Budget = TimeSpan.FromMinutes(1) });
        Assert.Equal(Linearizability.Verdict.Unknown, result.Verdict);
        Assert.Contains("time budget", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_GenerousTimeBudget_StillDecides()
    {
        var clock = new SteppingTimeProvider(TimeSpan.FromTicks(1));
        CheckResult result = LinearizabilityChecker.Check(
            JepsenCorpus.Load("etcd_000.log"), ModelKind.Register, new CheckerOptions { TimeProvider = clock, Budget = TimeSpan.FromHours(1) });
        Assert.Equal(Linearizability.Verdict.NotLinearizable, result.Verdict);
    }

    [Fact]
    public void Check_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(
            () => LinearizabilityChecker.Check(HardViolation(), ModelKind.Register, null, cts.Token));
    }

    [Fact]
    public void Check_InconsistentOperations_ThrowWithEveryProblem()
    {
        HistoryOperation[] history =
        [
            new(0, "k", OperationKind.Write, null, null, null, true, 0, 1),
            new(0, "k", OperationKind.Cas, 1, null, null, true, 2, 3),
            Read(0, 1, 10, 5),
        ];
        var ex = Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check(history, ModelKind.Register));
        Assert.Contains("operation 0 is a write without a value", ex.Message, StringComparison.Ordinal);
        Assert.Contains("operation 1 is a compare-and-set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("operation 2 returns at 5, before its call at 10", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InvalidOptions_Throw()
    {
        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check([], ModelKind.Register, new CheckerOptions { MaxStatesPerKey = 0 }));
        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check([], ModelKind.Register, new CheckerOptions { Budget = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check([], ModelKind.Register, new CheckerOptions { MaxMemoBytesPerKey = 0 }));
        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check([], (ModelKind)7));
    }
}

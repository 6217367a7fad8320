using System.Globalization;

namespace Grey.Linearizability.Checking;

/// <summary>
/// The Wing &amp; Gong linearizability search with Lowe's memoization, over the operations of one register.
/// </summary>
/// <remarks>
/// The history becomes a doubly linked list of call and return events in time order. The search walks it
/// from the front: at a call it tries to linearize that operation now (the model accepts it in the current
/// state, and the (linearized set, state) pair is new), unlinks the call and its return, and starts again
/// from the front; at a return it has met an operation that must already have taken effect but could not,
/// so it backtracks the most recent choice and tries the next call after it. The list surgery is the
/// "dancing links" of porcupine, so undoing a choice is O(1).
///
/// An operation whose outcome is unknown has no return event: it never forces a backtrack, so it may be
/// linearized anywhere after its call, or never (which the model treats like "at the very end", where it
/// can change nothing observed). The search therefore succeeds as soon as every completed operation is
/// linearized.
/// </remarks>
internal static class WglSearch
{
    /// <summary>How many loop iterations pass between two looks at the clock and the cancellation token.</summary>
    private const int ClockCheckInterval = 4096;

    /// <summary>The estimated bookkeeping of one memoized state besides its bitset: objects, array header, set entry.</summary>
    private const long StateOverheadBytes = 96;

    private const int Head = 0;
    private const int End = -1;

    /// <summary>How many states of a key with <paramref name="operations"/> operations fit in <paramref name="memoBytes"/>.</summary>
    public static long StatesWithin(long memoBytes, int operations)
    {
        long perState = (((long)operations + 63) / 64 * sizeof(ulong)) + StateOverheadBytes;
        return Math.Max(1, memoBytes / perState);
    }

    public static SearchOutcome Run(
        IReadOnlyList<HistoryOperation> operations,
        IRegisterModel model,
        long maxStates,
        Deadline deadline,
        CancellationToken cancellationToken)
    {
        int n = operations.Count;
        int completedTotal = 0;
        for (int i = 0; i < n; i++)
        {
            if (!operations[i].IsUnknown)
            {
                completedTotal++;
            }
        }

        if (completedTotal == 0)
        {
            return new SearchOutcome(Verdict.Linearizable, 0, "no completed operations");
        }

        var events = BuildEvents(operations);
        int e = events.Count;

        // Index 0 is the head sentinel; event k lives at index k + 1.
        var next = new int[e + 1];
        var prev = new int[e + 1];
        var opOf = new int[e + 1];
        var isCall = new bool[e + 1];
        var matchOf = new int[e + 1];
        var callEntryOf = new int[n];
        var returnEntryOf = new int[n];
        Array.Fill(returnEntryOf, End);
        for (int k = 0; k < e; k++)
        {
            int index = k + 1;
            (_, bool call, int op) = events[k];
            opOf[index] = op;
            isCall[index] = call;
            if (call)
            {
                callEntryOf[op] = index;
            }
            else
            {
                returnEntryOf[op] = index;
            }

            prev[index] = k;
            next[index] = k + 1 < e ? k + 2 : End;
        }

        next[Head] = e > 0 ? 1 : End;
        prev[Head] = End;
        for (int op = 0; op < n; op++)
        {
            matchOf[callEntryOf[op]] = returnEntryOf[op];
        }

        var zobrist = new ulong[n];
        ulong seed = 0x9E3779B97F4A7C15UL;
        for (int op = 0; op < n; op++)
        {
            zobrist[op] = SplitMix64(ref seed);
        }

        var bits = new ulong[(n + 63) / 64];
        ulong bitsHash = 0;
        long? state = null;
        var memo = new HashSet<MemoKey>(MemoKeyComparer.Instance);
        var probe = new MemoKey(bits, null, 0);
        var stack = new Stack<(int CallEntry, long? State)>();
        int completedLinearized = 0;
        long states = 0;
        int bestDepth = -1;
        int stuckOp = -1;
        long iterations = 0;

        int entry = next[Head];
        while (true)
        {
            if (completedLinearized == completedTotal)
            {
                return new SearchOutcome(
                    Verdict.Linearizable,
                    states,
                    $"linearizable: {completedTotal} completed operations placed, {states} states explored");
            }

            if (++iterations % ClockCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline.HasPassed())
                {
                    return new SearchOutcome(
                        Verdict.Unknown,
                        states,
                        $"undecided: the time budget of {deadline.Budget.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms ran out after {states} states");
                }
            }

            if (entry != End && isCall[entry])
            {
                int op = opOf[entry];
                HistoryOperation operation = operations[op];
                if (model.Step(state, operation, out long? nextState))
                {
                    ulong newBitsHash = bitsHash ^ zobrist[op];
                    bits[op >> 6] |= 1UL << (op & 63);
                    probe.Bits = bits;
                    probe.State = nextState;
                    probe.Hash = Mix(newBitsHash, nextState);
                    if (!memo.Contains(probe))
                    {
                        if (states >= maxStates)
                        {
                            return new SearchOutcome(
                                Verdict.Unknown,
                                states,
                                $"undecided: the budget of {maxStates} states ran out (the lower of MaxStatesPerKey and what MaxMemoBytesPerKey holds)");
                        }

                        memo.Add(new MemoKey((ulong[])bits.Clone(), nextState, probe.Hash));
                        states++;
                        stack.Push((entry, state));
                        state = nextState;
                        bitsHash = newBitsHash;
                        Lift(entry, matchOf[entry], next, prev);
                        if (!operation.IsUnknown)
                        {
                            completedLinearized++;
                        }

                        entry = next[Head];
                        continue;
                    }

                    bits[op >> 6] &= ~(1UL << (op & 63));
                }

                entry = next[entry];
                continue;
            }

            // A return event (or the end of the list): the operations linearized so far leave no way to
            // place this one, so undo the most recent choice and try the next candidate after it.
            if (entry != End && completedLinearized > bestDepth)
            {
                bestDepth = completedLinearized;
                stuckOp = opOf[entry];
            }

            if (stack.Count == 0)
            {
                return new SearchOutcome(
                    Verdict.NotLinearizable,
                    states,
                    DescribeFailure(operations, completedTotal, bestDepth, stuckOp, states));
            }

            (int lastCall, long? lastState) = stack.Pop();
            int lastOp = opOf[lastCall];
            bits[lastOp >> 6] &= ~(1UL << (lastOp & 63));
            bitsHash ^= zobrist[lastOp];
            state = lastState;
            Unlift(lastCall, matchOf[lastCall], next, prev);
            if (!operations[lastOp].IsUnknown)
            {
                completedLinearized--;
            }

            entry = next[lastCall];
        }
    }

    private static List<(long Time, bool Call, int Op)> BuildEvents(IReadOnlyList<HistoryOperation> operations)
    {
        var events = new List<(long Time, bool Call, int Op)>(operations.Count * 2);
        for (int op = 0; op < operations.Count; op++)
        {
            HistoryOperation operation = operations[op];
            events.Add((operation.CallTime, true, op));
            if (operation.ReturnTime is long returned)
            {
                events.Add((returned, false, op));
            }
        }

        // At equal times calls come before returns, so operations that touch at one instant count as
        // concurrent: the checker may then miss a violation at that instant, but never invents one.
        events.Sort(static (a, b) =>
        {
            int byTime = a.Time.CompareTo(b.Time);
            if (byTime != 0)
            {
                return byTime;
            }

            if (a.Call != b.Call)
            {
                return a.Call ? -1 : 1;
            }

            return a.Op.CompareTo(b.Op);
        });
        return events;
    }

    private static void Lift(int call, int match, int[] next, int[] prev)
    {
        Unlink(call, next, prev);
        if (match != End)
        {
            Unlink(match, next, prev);
        }
    }

    private static void Unlift(int call, int match, int[] next, int[] prev)
    {
        // Relink in the reverse order of removal, so every neighbour pointer is restored exactly.
        if (match != End)
        {
            Relink(match, next, prev);
        }

        Relink(call, next, prev);
    }

    private static void Unlink(int entry, int[] next, int[] prev)
    {
        int p = prev[entry];
        int q = next[entry];
        next[p] = q;
        if (q != End)
        {
            prev[q] = p;
        }
    }

    private static void Relink(int entry, int[] next, int[] prev)
    {
        int p = prev[entry];
        int q = next[entry];
        next[p] = entry;
        if (q != End)
        {
            prev[q] = entry;
        }
    }

    private static ulong Mix(ulong bitsHash, long? state)
    {
        ulong s = state is long v ? (ulong)v * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL : 0x2545F4914F6CDD1DUL;
        ulong h = bitsHash ^ s;
        h ^= h >> 31;
        h *= 0x7FB5D329728EA185UL;
        h ^= h >> 27;
        return h;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static string DescribeFailure(
        IReadOnlyList<HistoryOperation> operations, int completedTotal, int bestDepth, int stuckOp, long states)
    {
        string stuck = stuckOp >= 0 ? $"; then {Describe(operations[stuckOp])} could not be placed" : string.Empty;
        return $"not linearizable: at most {Math.Max(bestDepth, 0)} of {completedTotal} completed operations "
            + $"could be linearized{stuck} ({states} states explored)";
    }

    internal static string Describe(HistoryOperation op)
    {
        string what = op.Kind switch
        {
            OperationKind.Read => $"read -> {Show(op.Output)}",
            OperationKind.Write => $"write {Show(op.Value)}",
            _ => $"cas {Show(op.Expected)} -> {Show(op.Value)} ({(op.Ok ? "swapped" : "failed")})",
        };
        string returned = op.ReturnTime is long r ? r.ToString(CultureInfo.InvariantCulture) : "never";
        return $"client {op.Client.ToString(CultureInfo.InvariantCulture)} {what} (called at {op.CallTime.ToString(CultureInfo.InvariantCulture)}, returned at {returned})";
    }

    private static string Show(long? value) => value is long v ? v.ToString(CultureInfo.InvariantCulture) : "nil";
}

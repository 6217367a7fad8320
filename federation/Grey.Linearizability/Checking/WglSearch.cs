using System.Globalization;

namespace Grey.Linearizability.Checking;

/// <summary>
/// The Wing &amp; Gong linearizability search with Lowe's memoization, over the operations of one register.
/// </summary>
/// <remarks>
/// The completed operations become a doubly linked list of call and return events in time order. The
/// search walks it from the front: at a call it tries to linearize that operation now (the model accepts
/// its result in the current state, and the configuration is not known to fail), unlinks the call and its
/// return, and starts again from the front. At the first return it has met an operation that must already
/// have taken effect: before giving up on this configuration it tries the operations with unknown outcome
/// that were called before that return, and then backtracks the most recent choice. Unlinking is the
/// "dancing links" of porcupine, so undoing a choice is O(1).
///
/// Operations whose outcome is unknown have no return event and live in a list of their own, tried only
/// after every completed candidate: a linearization that needs fewer of them is found first, and the
/// configurations it fails in then dominate those that differ only by more unknown operations (see
/// <see cref="FailedConfigurations"/>). Such an operation may be linearized anywhere after its call, or
/// never, so the search succeeds as soon as every completed operation is linearized.
/// </remarks>
internal sealed class WglSearch
{
    /// <summary>How many loop iterations pass between two looks at the clock and the cancellation token.</summary>
    private const int ClockCheckInterval = 4096;

    /// <summary>The estimated bookkeeping of one memoized state besides its bitset: array header, list and stack entries.</summary>
    private const long StateOverheadBytes = 96;

    private const int End = LinkedEvents.End;

    private readonly IReadOnlyList<HistoryOperation> _operations;
    private readonly IRegisterModel _model;
    private readonly long _maxStates;
    private readonly Deadline _deadline;
    private readonly CancellationToken _cancellationToken;

    // Completed operations: entries 1..E of the event list, in time order.
    private readonly LinkedEvents _events;
    private readonly int[] _eventOp;
    private readonly bool[] _eventIsCall;
    private readonly long[] _eventRank;
    private readonly int[] _callEntryOf;
    private readonly int[] _returnEntryOf;

    // Operations with unknown outcome: entries 1..U of their own list, in call order.
    private readonly LinkedEvents _unknown;
    private readonly int[] _unknownOp;
    private readonly long[] _unknownRank;
    private readonly int[] _unknownEntryOf;
    private readonly int[] _previousTwin;

    private readonly ulong[] _zobrist;
    private readonly ulong[] _bits;
    private readonly FailedConfigurations _failed;
    private readonly Stack<Frame> _stack = new();
    private readonly int _completedTotal;

    private long? _state;
    private ulong _completedHash;
    private int _completedLinearized;
    private long _states;
    private bool _outOfStates;

    private WglSearch(
        IReadOnlyList<HistoryOperation> operations, IRegisterModel model, long maxStates, Deadline deadline, CancellationToken cancellationToken)
    {
        _operations = operations;
        _model = model;
        _maxStates = maxStates;
        _deadline = deadline;
        _cancellationToken = cancellationToken;

        int n = operations.Count;
        var completedMask = new ulong[(n + 63) / 64];
        _bits = new ulong[completedMask.Length];
        _zobrist = new ulong[n];
        _callEntryOf = new int[n];
        _returnEntryOf = new int[n];
        _unknownEntryOf = new int[n];
        _previousTwin = new int[n];
        ulong seed = 0x9E3779B97F4A7C15UL;
        for (int op = 0; op < n; op++)
        {
            _zobrist[op] = SplitMix64(ref seed);
            if (!operations[op].IsUnknown)
            {
                completedMask[op >> 6] |= 1UL << (op & 63);
                _completedTotal++;
            }
        }

        _failed = new FailedConfigurations(completedMask);

        List<(long Time, bool Call, int Op)> events = SortedEvents(operations);
        int completedEvents = 2 * _completedTotal;
        int unknownCount = n - _completedTotal;
        _events = new LinkedEvents(completedEvents);
        _eventOp = new int[completedEvents + 1];
        _eventIsCall = new bool[completedEvents + 1];
        _eventRank = new long[completedEvents + 1];
        _unknown = new LinkedEvents(unknownCount);
        _unknownOp = new int[unknownCount + 1];
        _unknownRank = new long[unknownCount + 1];
        var lastTwin = new Dictionary<(OperationKind, long?, long?), int>();
        int e = 0;
        int u = 0;
        for (int rank = 0; rank < events.Count; rank++)
        {
            (_, bool call, int op) = events[rank];
            if (operations[op].IsUnknown)
            {
                u++;
                _unknownOp[u] = op;
                _unknownRank[u] = rank;
                _unknownEntryOf[op] = u;
                HistoryOperation unknown = operations[op];
                var twinKey = (unknown.Kind, unknown.Value, unknown.Expected);
                _previousTwin[op] = lastTwin.TryGetValue(twinKey, out int twin) ? twin : -1;
                lastTwin[twinKey] = op;
                continue;
            }

            e++;
            _eventOp[e] = op;
            _eventIsCall[e] = call;
            _eventRank[e] = rank;
            if (call)
            {
                _callEntryOf[op] = e;
            }
            else
            {
                _returnEntryOf[op] = e;
            }
        }
    }

    private enum Phase
    {
        Completed,
        Unknown,
    }

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
        => new WglSearch(operations, model, maxStates, deadline, cancellationToken).Search();

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

    private SearchOutcome Search()
    {
        if (_completedTotal == 0)
        {
            return new SearchOutcome(Verdict.Linearizable, 0, "no completed operations");
        }

        Phase phase = Phase.Completed;
        int cursor = _events.First;
        long limit = long.MaxValue;
        int bestDepth = -1;
        int stuckOp = -1;
        long iterations = 0;
        while (true)
        {
            if (_completedLinearized == _completedTotal)
            {
                return new SearchOutcome(
                    Verdict.Linearizable,
                    _states,
                    $"linearizable: {_completedTotal} completed operations placed, {_states} states explored");
            }

            if (++iterations % ClockCheckInterval == 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (_deadline.HasPassed())
                {
                    return new SearchOutcome(
                        Verdict.Unknown,
                        _states,
                        $"undecided: the time budget of {_deadline.Budget.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms ran out after {_states} states");
                }
            }

            if (phase == Phase.Completed)
            {
                if (cursor != End && _eventIsCall[cursor])
                {
                    if (FollowsUnknownUsefully(_eventOp[cursor]) && TryLinearize(_eventOp[cursor], limit))
                    {
                        cursor = _events.First;
                        continue;
                    }

                    if (_outOfStates)
                    {
                        return OutOfStates();
                    }

                    cursor = _events.Next(cursor);
                    continue;
                }

                // The first return still linked: its operation must take effect before anything called
                // later, so only the operations called before it are candidates now.
                if (cursor != End && _completedLinearized > bestDepth)
                {
                    bestDepth = _completedLinearized;
                    stuckOp = _eventOp[cursor];
                }

                limit = cursor != End ? _eventRank[cursor] : long.MaxValue;
                phase = Phase.Unknown;
                cursor = _unknown.First;
                continue;
            }

            if (cursor != End && _unknownRank[cursor] < limit)
            {
                if (IsUsefulUnknown(_unknownOp[cursor]) && TryLinearize(_unknownOp[cursor], limit))
                {
                    phase = Phase.Completed;
                    cursor = _events.First;
                    continue;
                }

                if (_outOfStates)
                {
                    return OutOfStates();
                }

                cursor = _unknown.Next(cursor);
                continue;
            }

            // Every candidate of this configuration failed: undo the most recent choice and try the next one.
            if (_stack.Count == 0)
            {
                return new SearchOutcome(Verdict.NotLinearizable, _states, DescribeFailure(bestDepth, stuckOp));
            }

            Frame frame = Backtrack();
            if (_operations[frame.Op].IsUnknown)
            {
                phase = Phase.Unknown;
                cursor = _unknown.Next(_unknownEntryOf[frame.Op]);
                limit = frame.Limit;
            }
            else
            {
                phase = Phase.Completed;
                cursor = _events.Next(_callEntryOf[frame.Op]);
            }
        }
    }

    /// <summary>
    /// Whether trying the unknown-outcome operation <paramref name="op"/> now can lead anywhere that another
    /// branch does not already cover. Each rule skips a configuration dominated by one the search explores
    /// anyway (same completed operations, same state, fewer unknown operations used), see
    /// <see cref="FailedConfigurations"/>:
    /// <list type="bullet">
    /// <item>an earlier-called twin (same kind and values) is still unused: the twins are interchangeable
    /// once both are called, so only the earliest is tried and the used ones of a kind are always a prefix;</item>
    /// <item>it is a write and the last choice was also an unknown operation: writing it straight away,
    /// without the previous one, reaches the same state with less used;</item>
    /// <item>it would not change the state: the configuration without it is the current one.</item>
    /// </list>
    /// </summary>
    private bool IsUsefulUnknown(int op)
    {
        int twin = _previousTwin[op];
        if (twin >= 0 && (_bits[twin >> 6] & (1UL << (twin & 63))) == 0)
        {
            return false;
        }

        HistoryOperation operation = _operations[op];
        if (operation.Kind == OperationKind.Write && _stack.Count > 0 && _operations[_stack.Peek().Op].IsUnknown)
        {
            return false;
        }

        return !_model.Step(_state, operation, out long? next) || next != _state;
    }

    /// <summary>
    /// Right after an unknown-outcome operation u, a completed operation x is worth trying only if the
    /// model rejected x in the state before u: otherwise linearizing x first and u after it reaches the
    /// same configuration (x leaves the state alone or is a failed cas that u's new state also satisfies),
    /// or x overwrites u's effect (a write) so x without u dominates. Both orders are explored from the
    /// configuration before u, so unknown operations are only ever used just in time, to enable the
    /// completed operation that follows them.
    /// </summary>
    private bool FollowsUnknownUsefully(int op)
    {
        if (_stack.Count == 0)
        {
            return true;
        }

        Frame top = _stack.Peek();
        return !_operations[top.Op].IsUnknown || !_model.Step(top.PreviousState, _operations[op], out _);
    }

    /// <summary>
    /// Linearizes <paramref name="op"/> now if the model accepts it and the resulting configuration is not
    /// known to fail; <paramref name="limit"/> is remembered to resume the unknown candidates after it.
    /// </summary>
    private bool TryLinearize(int op, long limit)
    {
        HistoryOperation operation = _operations[op];
        if (!_model.Step(_state, operation, out long? next))
        {
            return false;
        }

        bool completed = !operation.IsUnknown;
        ulong completedHash = completed ? _completedHash ^ _zobrist[op] : _completedHash;
        ulong key = Mix(completedHash, next);
        _bits[op >> 6] |= 1UL << (op & 63);
        if (_failed.IsDominated(key, _bits, next))
        {
            _bits[op >> 6] &= ~(1UL << (op & 63));
            return false;
        }

        if (_states >= _maxStates)
        {
            _bits[op >> 6] &= ~(1UL << (op & 63));
            _outOfStates = true;
            return false;
        }

        _states++;
        _stack.Push(new Frame(op, _state, limit, (ulong[])_bits.Clone(), next, key));
        _state = next;
        _completedHash = completedHash;
        if (completed)
        {
            _events.Unlink(_callEntryOf[op]);
            _events.Unlink(_returnEntryOf[op]);
            _completedLinearized++;
        }
        else
        {
            _unknown.Unlink(_unknownEntryOf[op]);
        }

        return true;
    }

    /// <summary>Undoes the most recent choice and records the configuration it led to as failed.</summary>
    private Frame Backtrack()
    {
        Frame frame = _stack.Pop();
        _failed.Add(frame.Key, frame.Bits, frame.State);
        int op = frame.Op;
        _bits[op >> 6] &= ~(1UL << (op & 63));
        _state = frame.PreviousState;
        if (_operations[op].IsUnknown)
        {
            _unknown.Relink(_unknownEntryOf[op]);
        }
        else
        {
            _completedHash ^= _zobrist[op];
            _events.Relink(_returnEntryOf[op]);
            _events.Relink(_callEntryOf[op]);
            _completedLinearized--;
        }

        return frame;
    }

    private SearchOutcome OutOfStates() => new(
        Verdict.Unknown,
        _states,
        $"undecided: the budget of {_maxStates} states ran out (the lower of MaxStatesPerKey and what MaxMemoBytesPerKey holds)");

    private string DescribeFailure(int bestDepth, int stuckOp)
    {
        string stuck = stuckOp >= 0 ? $"; then {Describe(_operations[stuckOp])} could not be placed" : string.Empty;
        return $"not linearizable: at most {Math.Max(bestDepth, 0)} of {_completedTotal} completed operations "
            + $"could be linearized{stuck} ({_states} states explored)";
    }

    private static List<(long Time, bool Call, int Op)> SortedEvents(IReadOnlyList<HistoryOperation> operations)
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

    private static ulong Mix(ulong hash, long? state)
    {
        ulong s = state is long v ? ((ulong)v * 0xBF58476D1CE4E5B9UL) + 0x94D049BB133111EBUL : 0x2545F4914F6CDD1DUL;
        ulong h = hash ^ s;
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

    private static string Show(long? value) => value is long v ? v.ToString(CultureInfo.InvariantCulture) : "nil";

    /// <summary>One choice on the search path: the operation, what to restore, and the configuration it led to.</summary>
    private readonly record struct Frame(int Op, long? PreviousState, long Limit, ulong[] Bits, long? State, ulong Key);
}

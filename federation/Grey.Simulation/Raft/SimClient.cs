using Grey.Linearizability;
using Grey.Simulation.Kv;

namespace Grey.Simulation.Raft;

/// <summary>
/// A client of the simulated group: issues one operation at a time (read, write or compare-and-set on a
/// few shared keys), to the node it believes leads, and records each in the history with its virtual call
/// and return times. A "not leader" answer means nothing happened, so the client retries elsewhere. A write
/// or compare-and-set whose attempt times out is sent again with the same client id and sequence number
/// (the store applies it at most once) until <see cref="RaftSimulationOptions.OperationDeadline"/>; only
/// then is it recorded with an unknown outcome (<see cref="HistoryOperation.ReturnTime"/> null), and the
/// client continues as a new process, as Jepsen does. Retrying keeps unknown outcomes rare, which keeps
/// the history decidable: every unknown write doubles the linearizations the checker may have to try.
/// A read that times out observed nothing and is simply not recorded.
/// </summary>
internal sealed class SimClient
{
    /// <summary>Values written are <c>(client + 1) × ValueSpace + counter</c>, so every written value is unique.</summary>
    public const long ValueSpace = 1_000_000;

    /// <summary>Most attempts of one operation (retries after "not leader" or a timed-out attempt).</summary>
    public const int MaxAttempts = 256;

    private readonly RaftSimulation sim;
    private readonly Random random;
    private readonly int id;
    private readonly Dictionary<string, long?> lastSeen = [];
    private int process;
    private long sequence;
    private long counter;
    private long opId;
    private Pending? current;

    public SimClient(RaftSimulation sim, int id, Random random)
    {
        this.sim = sim;
        this.id = id;
        this.random = random;
        process = id;
    }

    /// <summary>True while an operation is outstanding.</summary>
    public bool IsBusy => current is not null;

    /// <summary>Operations completed with a known outcome.</summary>
    public int Completed { get; private set; }

    /// <summary>Operations whose outcome is unknown (timed out).</summary>
    public int TimedOut { get; private set; }

    /// <summary>Schedules the first operation.</summary>
    public void Start() => sim.Queue.Schedule(ThinkTime(), Next);

    /// <summary>At the end of the run: an operation still outstanding has an unknown outcome.</summary>
    public void Abandon()
    {
        if (current is { } op)
        {
            Record(op, ok: false, output: null, returned: false);
            current = null;
        }
    }

    private void Next()
    {
        if (!sim.WorkloadRunning || current is not null)
        {
            return;
        }

        string key = sim.KeyNames[random.Next(sim.KeyNames.Count)];
        int roll = random.Next(100);
        long callTime = sim.NowMicros;
        Pending op;
        if (roll < 45)
        {
            op = new Pending(++opId, OperationKind.Read, key, null, null, callTime, null);
        }
        else if (roll < 80)
        {
            long value = ((id + 1) * ValueSpace) + ++counter;
            op = new Pending(++opId, OperationKind.Write, key, value, null, callTime, new KvCommand(id, ++sequence, KvOperation.Write, key, value, null));
        }
        else if (lastSeen.TryGetValue(key, out var seen) && seen is long expected)
        {
            // Compare-and-set against the last value this client saw: often still current, sometimes not,
            // so both outcomes occur. (The history format has no compare-and-set on an absent key.)
            long value = ((id + 1) * ValueSpace) + ++counter;
            op = new Pending(++opId, OperationKind.Cas, key, value, expected, callTime, new KvCommand(id, ++sequence, KvOperation.Cas, key, value, expected));
        }
        else
        {
            long value = ((id + 1) * ValueSpace) + ++counter;
            op = new Pending(++opId, OperationKind.Write, key, value, null, callTime, new KvCommand(id, ++sequence, KvOperation.Write, key, value, null));
        }

        current = op;
        op.Deadline = sim.Queue.Clock.Now + sim.Options.OperationDeadline;
        Send(op, sim.PickNode(random, leaderGuess: LeaderGuess));
    }

    private ulong LeaderGuess { get; set; }

    private void Send(Pending op, SimNode? node)
    {
        op.Attempts++;
        op.AttemptTimeout?.Cancel();
        op.AttemptTimeout = sim.Queue.Schedule(sim.Options.OperationTimeout, () => OnAttemptTimeout(op));
        if (node is null)
        {
            RetryLater(op, 0);
            return;
        }

        var latency = sim.ClientLatency(random);
        sim.Queue.Schedule(latency, () =>
        {
            if (current != op || !node.IsUp)
            {
                return;
            }

            void Reply(ClientReply reply) => sim.Queue.Schedule(sim.ClientLatency(random), () => OnReply(op, reply));
            if (op.Command is null)
            {
                node.SubmitRead(op.Key, Reply);
            }
            else
            {
                node.SubmitCommand(op.Command, Reply);
            }
        });
    }

    private void OnReply(Pending op, ClientReply reply)
    {
        if (current != op)
        {
            return;
        }

        if (reply.Kind == ClientReplyKind.NotLeader)
        {
            RetryLater(op, reply.LeaderHint);
            return;
        }

        op.AttemptTimeout?.Cancel();
        if (op.Kind == OperationKind.Read)
        {
            lastSeen[op.Key] = reply.Value;
            Record(op, ok: true, output: reply.Value, returned: true);
        }
        else
        {
            if (reply.Ok)
            {
                lastSeen[op.Key] = op.Value;
            }

            Record(op, ok: reply.Ok, output: null, returned: true);
        }

        Completed++;
        current = null;
        sim.Queue.Schedule(ThinkTime(), Next);
    }

    private void RetryLater(Pending op, ulong hint)
    {
        LeaderGuess = hint;
        if (op.Attempts >= MaxAttempts)
        {
            return;
        }

        sim.Queue.Schedule(TimeSpan.FromMilliseconds(random.Next(5, 20)), () =>
        {
            if (current == op && sim.Queue.Clock.Now < op.Deadline)
            {
                Send(op, sim.PickNode(random, LeaderGuess));
            }
        });
    }

    private void OnAttemptTimeout(Pending op)
    {
        if (current != op)
        {
            return;
        }

        if (op.Kind == OperationKind.Read)
        {
            // Unrecorded: a read that never returned observed nothing and changed nothing.
            Finish();
            return;
        }

        if (sim.Queue.Clock.Now < op.Deadline && op.Attempts < MaxAttempts)
        {
            // The same command again, to whichever node: the store's session table applies it at most once.
            LeaderGuess = 0;
            Send(op, sim.PickNode(random, 0));
            return;
        }

        Record(op, ok: false, output: null, returned: false);
        TimedOut++;

        // Jepsen's rule: a process whose operation may still take effect is retired; its successor is a new process.
        process += sim.Options.Clients;
        Finish();
    }

    private void Finish()
    {
        current = null;
        LeaderGuess = 0;
        sim.Queue.Schedule(ThinkTime(), Next);
    }

    private void Record(Pending op, bool ok, long? output, bool returned)
    {
        if (!returned && op.Kind == OperationKind.Read)
        {
            // A read that never returned observed nothing and changed nothing; leaving it out is exact.
            return;
        }

        sim.History.Add(new HistoryOperation(
            process,
            op.Key,
            op.Kind,
            op.Value,
            op.Expected,
            output,
            ok,
            op.CallTime,
            returned ? sim.NowMicros : null));
    }

    private TimeSpan ThinkTime() => TimeSpan.FromMilliseconds(random.Next(1, 30));

    private sealed class Pending(long id, OperationKind kind, string key, long? value, long? expected, long callTime, KvCommand? command)
    {
        public long Id { get; } = id;

        public OperationKind Kind { get; } = kind;

        public string Key { get; } = key;

        public long? Value { get; } = value;

        public long? Expected { get; } = expected;

        public long CallTime { get; } = callTime;

        public KvCommand? Command { get; } = command;

        public int Attempts { get; set; }

        public Core.ScheduledEvent? AttemptTimeout { get; set; }

        public TimeSpan Deadline { get; set; }
    }
}

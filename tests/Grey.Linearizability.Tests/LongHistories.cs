namespace Grey.Linearizability.Tests;

/// <summary>
/// Long histories of the shape the simulator records: clients issue operations one after another on a few
/// keys; each takes effect at a hidden instant inside its interval and its result is computed from that
/// order, so the history is linearizable by construction. Some writes and cas time out (the effect
/// happened, the client never learned it).
/// </summary>
internal static class LongHistories
{
    public static List<HistoryOperation> Generate(int seed, int keys, int operations, int clients, int timeoutPercent)
    {
        var random = new Random(seed);
        var drafts = new List<(HistoryOperation Op, long Point)>();
        var clientTime = new long[clients];
        for (int i = 0; i < operations; i++)
        {
            int client = random.Next(clients);
            long call = clientTime[client] + random.Next(1, 20);
            long ret = call + random.Next(1, 40);
            clientTime[client] = ret;
            long point = call + random.NextInt64(ret - call + 1);
            string key = "k" + random.Next(keys);
            var kind = (OperationKind)random.Next(3);
            drafts.Add((new HistoryOperation(client, key, kind, kind == OperationKind.Read ? null : random.Next(5),
                kind == OperationKind.Cas ? random.Next(5) : null, null, true, call, ret), point));
        }

        var map = new Dictionary<string, long?>();
        var result = new HistoryOperation[drafts.Count];
        foreach (int i in Enumerable.Range(0, drafts.Count).OrderBy(i => drafts[i].Point).ThenBy(i => i))
        {
            HistoryOperation op = drafts[i].Op;
            long? state = map.GetValueOrDefault(op.Key);
            switch (op.Kind)
            {
                case OperationKind.Read:
                    op = op with { Output = state };
                    break;
                case OperationKind.Write:
                    map[op.Key] = op.Value;
                    break;
                default:
                    op = op with { Ok = state == op.Expected };
                    if (op.Ok)
                    {
                        map[op.Key] = op.Value;
                    }

                    break;
            }

            if (op.Kind != OperationKind.Read && random.Next(100) < timeoutPercent)
            {
                op = op with { ReturnTime = null };
            }

            result[i] = op;
        }

        return [.. result];
    }

    /// <summary>Makes the first completed read at or after <paramref name="from"/> return a value nobody wrote.</summary>
    public static int CorruptRead(List<HistoryOperation> history, int from)
    {
        int victim = history.FindIndex(from, op => op.Kind == OperationKind.Read && op.ReturnTime is not null);
        history[victim] = history[victim] with { Output = -1 };
        return victim;
    }
}

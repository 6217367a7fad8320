namespace Grey.Linearizability.Tests.Checking;

/// <summary>
/// Small random histories, a good share of them linearizable: operations get a hidden linearization point
/// inside their interval and their results are computed from it, then sometimes one result is corrupted.
/// Some operations time out: of those, some took effect and some never did.
/// </summary>
internal static class RandomHistories
{
    public static List<HistoryOperation> Generate(Random random, int maxOps, string[] keys, int unknownPercent = 12)
    {
        int n = random.Next(1, maxOps + 1);
        var drafts = new List<(HistoryOperation Op, double Point, bool Lost)>();
        for (int i = 0; i < n; i++)
        {
            long call = random.Next(0, 20);
            long ret = call + random.Next(0, 6);
            double point = call + (random.NextDouble() * (ret - call));
            string key = keys[random.Next(keys.Length)];
            OperationKind kind = (OperationKind)random.Next(3);
            long value = random.Next(3);
            long expected = random.Next(3);
            var op = new HistoryOperation(i, key, kind, kind == OperationKind.Read ? null : value,
                kind == OperationKind.Cas ? expected : null, null, true, call, ret);
            bool lost = false;
            int roll = random.Next(100);
            if (roll < unknownPercent)
            {
                // The client never learned the outcome; a third of these never took effect at all,
                // the others took effect at their hidden point, possibly long after the call.
                op = op with { ReturnTime = null };
                lost = random.Next(3) == 0;
                point = call + (random.NextDouble() * 25);
            }
            else if (roll < unknownPercent + 4 && kind != OperationKind.Cas)
            {
                // A failed read or write took no effect and observed nothing.
                op = op with { Ok = false };
                lost = true;
            }

            drafts.Add((op, point, lost));
        }

        // Run the operations at their hidden points to compute true results.
        var map = new Dictionary<string, long?>();
        var results = new HistoryOperation[n];
        foreach (int i in Enumerable.Range(0, n).OrderBy(i => drafts[i].Point))
        {
            (HistoryOperation op, _, bool lost) = drafts[i];
            long? state = map.TryGetValue(op.Key, out long? s) ? s : null;
            if (lost)
            {
                results[i] = op;
                continue;
            }

            switch (op.Kind)
            {
                case OperationKind.Read:
                    op = op with { Output = op.ReturnTime is null ? null : state };
                    break;
                case OperationKind.Write:
                    map[op.Key] = op.Value;
                    break;
                default:
                    bool swapped = state == op.Expected;
                    if (swapped)
                    {
                        map[op.Key] = op.Value;
                    }

                    op = op with { Ok = swapped };
                    break;
            }

            results[i] = op;
        }

        if (random.Next(2) == 0)
        {
            int i = random.Next(n);
            HistoryOperation op = results[i];
            results[i] = op.Kind switch
            {
                OperationKind.Read when op.ReturnTime is not null && op.Ok => op with { Output = random.Next(4) == 0 ? null : random.Next(3) },
                OperationKind.Cas when op.ReturnTime is not null => op with { Ok = !op.Ok },
                _ => op with { CallTime = Math.Max(0, op.CallTime - random.Next(4)) },
            };
        }

        return [.. results];
    }
}

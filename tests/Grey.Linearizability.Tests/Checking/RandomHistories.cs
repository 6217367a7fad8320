namespace Grey.Linearizability.Tests.Checking;

/// <summary>
/// Small random histories, about half of them linearizable: operations get a hidden linearization point
/// inside their interval and their results are computed from it, then sometimes one result is corrupted.
/// </summary>
internal static class RandomHistories
{
    public static List<HistoryOperation> Generate(Random random, int maxOps, string[] keys)
    {
        int n = random.Next(1, maxOps + 1);
        var drafts = new List<(HistoryOperation Op, double Point)>();
        for (int i = 0; i < n; i++)
        {
            long call = random.Next(0, 20);
            long ret = call + random.Next(0, 6);
            double point = call + (random.NextDouble() * (ret - call));
            string key = keys[random.Next(keys.Length)];
            OperationKind kind = (OperationKind)random.Next(3);
            long value = random.Next(3);
            long expected = random.Next(3);
            drafts.Add((new HistoryOperation(i, key, kind, kind == OperationKind.Read ? null : value,
                kind == OperationKind.Cas ? expected : null, null, true, call, ret), point));
        }

        // Run the operations at their hidden points to compute true results.
        var map = new Dictionary<string, long?>();
        var results = new HistoryOperation[n];
        foreach (int i in Enumerable.Range(0, n).OrderBy(i => drafts[i].Point))
        {
            HistoryOperation op = drafts[i].Op;
            long? state = map.TryGetValue(op.Key, out long? s) ? s : null;
            switch (op.Kind)
            {
                case OperationKind.Read:
                    op = op with { Output = state };
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

        for (int i = 0; i < n; i++)
        {
            HistoryOperation op = results[i];
            int roll = random.Next(100);
            if (roll < 12)
            {
                // The client never learned the outcome; the effect happened (and may have been seen).
                op = op with { ReturnTime = null, Output = null };
            }
            else if (roll < 16 && op.Kind != OperationKind.Cas)
            {
                // A failed read or write, which must have no effect: drop its effect by making it harmless.
                op = op with { Ok = false, Kind = OperationKind.Read, Value = null, Expected = null, Output = null };
            }

            results[i] = op;
        }

        if (random.Next(2) == 0)
        {
            int i = random.Next(n);
            HistoryOperation op = results[i];
            results[i] = op.Kind switch
            {
                OperationKind.Read when op.ReturnTime is not null => op with { Output = random.Next(4) == 0 ? null : random.Next(3) },
                OperationKind.Cas when op.ReturnTime is not null => op with { Ok = !op.Ok },
                _ => op with { CallTime = Math.Max(0, op.CallTime - random.Next(4)) },
            };
        }

        return [.. results];
    }
}

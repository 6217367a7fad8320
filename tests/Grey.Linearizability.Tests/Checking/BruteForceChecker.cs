namespace Grey.Linearizability.Tests.Checking;

/// <summary>
/// Linearizability by definition, for tiny histories: try every order of the operations that respects
/// real time, over the whole key-value map at once (no partitioning, no memoization), letting each
/// operation with an unknown outcome either take effect somewhere after its call or not at all. It shares
/// no code with the checker, so agreement on many random histories is evidence that both are right.
/// </summary>
internal static class BruteForceChecker
{
    public static bool IsLinearizable(IReadOnlyList<HistoryOperation> history, ModelKind model)
    {
        // Failed reads and writes took no effect and observed nothing; unknown reads observed nothing.
        var ops = history
            .Where(op => op.Kind switch
            {
                OperationKind.Read => op.ReturnTime is not null && op.Ok,
                OperationKind.Write => op.ReturnTime is null || op.Ok,
                _ => true,
            })
            .ToList();
        var placed = new bool[ops.Count];
        return Search(ops, placed, new Dictionary<string, long?>(), model);
    }

    private static bool Search(List<HistoryOperation> ops, bool[] placed, Dictionary<string, long?> map, ModelKind model)
    {
        bool allCompletedPlaced = true;
        for (int i = 0; i < ops.Count; i++)
        {
            if (!placed[i] && ops[i].ReturnTime is not null)
            {
                allCompletedPlaced = false;
            }
        }

        if (allCompletedPlaced)
        {
            return true;
        }

        for (int i = 0; i < ops.Count; i++)
        {
            if (placed[i] || !IsMinimal(ops, placed, i))
            {
                continue;
            }

            HistoryOperation op = ops[i];
            string key = model == ModelKind.Register ? string.Empty : op.Key;
            long? before = map.TryGetValue(key, out long? v) ? v : null;
            if (!Apply(op, before, out long? after))
            {
                continue;
            }

            placed[i] = true;
            map[key] = after;
            bool found = Search(ops, placed, map, model);
            map[key] = before;
            placed[i] = false;
            if (found)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>No unplaced operation returned strictly before operation <paramref name="i"/> was called.</summary>
    private static bool IsMinimal(List<HistoryOperation> ops, bool[] placed, int i)
    {
        for (int j = 0; j < ops.Count; j++)
        {
            if (!placed[j] && j != i && ops[j].ReturnTime is long r && r < ops[i].CallTime)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Apply(HistoryOperation op, long? state, out long? next)
    {
        next = state;
        switch (op.Kind)
        {
            case OperationKind.Read:
                return op.Output == state;
            case OperationKind.Write:
                next = op.Value;
                return true;
            default:
                if (op.ReturnTime is null)
                {
                    if (state == op.Expected)
                    {
                        next = op.Value;
                    }

                    return true;
                }

                if (op.Ok)
                {
                    next = op.Value;
                    return state == op.Expected;
                }

                return state != op.Expected;
        }
    }
}

namespace Grey.Linearizability.Checking;

/// <summary>
/// A register with read, write and compare-and-set, starting absent (Jepsen's <c>nil</c>). The key-value
/// model is this register once per key, since operations on different keys commute.
/// </summary>
internal sealed class RegisterModel : IRegisterModel
{
    public static readonly RegisterModel Instance = new();

    private RegisterModel()
    {
    }

    public bool Step(long? state, HistoryOperation operation, out long? next)
    {
        next = state;
        switch (operation.Kind)
        {
            case OperationKind.Read:
                // Unknown reads are dropped before the search, so every read here has returned.
                return operation.Output == state;

            case OperationKind.Write:
                next = operation.Value;
                return true;

            case OperationKind.Cas:
                bool matches = state == operation.Expected;
                if (operation.IsUnknown)
                {
                    // Placed anywhere after its call: it swaps exactly when the register held the expected value.
                    next = matches ? operation.Value : state;
                    return true;
                }

                if (operation.Ok)
                {
                    next = operation.Value;
                    return matches;
                }

                // A compare-and-set that returned false observed, at its linearization point, a value
                // other than the expected one; the Jepsen verdicts depend on reading it that way.
                return !matches;

            default:
                throw new InvalidOperationException($"Unknown operation kind {operation.Kind}.");
        }
    }
}

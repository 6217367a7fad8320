using System.Globalization;
using Grey.Linearizability.Checking;

namespace Grey.Linearizability;

/// <summary>
/// Decides whether a concurrent history of register or key-value operations is linearizable: whether
/// every operation can be given one instant between its call and its return such that, in that order,
/// each result is what a single register (per key) would have returned.
/// </summary>
/// <remarks>
/// The search is Wing &amp; Gong's with Lowe's memoization of (linearized set, model state), as in
/// porcupine. A key-value history is split per key first: linearizability is local (Herlihy &amp; Wing),
/// so the history is linearizable exactly when each key's sub-history is, and each search stays small.
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>
    /// The most operations one check accepts; a larger history is reported <see cref="Verdict.Unknown"/>.
    /// The limit keeps one key's bitsets (one bit per operation per memoized state) within reason.
    /// </summary>
    public const int MaxOperations = 1_000_000;

    /// <summary>Checks <paramref name="history"/> against <paramref name="model"/> within the budgets of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An operation is inconsistent (for example a write without a value,
    /// or a return before its call), or an option is out of range.</exception>
    public static CheckResult Check(
        IReadOnlyList<HistoryOperation> history,
        ModelKind model,
        CheckerOptions? options = null,
        CancellationToken cancellationToken = default)
        => Check(history, model, RegisterModel.Instance, options, cancellationToken);

    /// <summary>The check with a replaceable register model, so tests can show that a broken model is caught.</summary>
    internal static CheckResult Check(
        IReadOnlyList<HistoryOperation> history,
        ModelKind model,
        IRegisterModel registerModel,
        CheckerOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(registerModel);
        options ??= new CheckerOptions();
        Validate(history, model, options);

        if (history.Count > MaxOperations)
        {
            return new CheckResult(
                Verdict.Unknown,
                null,
                $"undecided: the history has {history.Count} operations, more than the limit of {MaxOperations}",
                0);
        }

        Deadline deadline = options.Budget is TimeSpan budget
            ? Deadline.Start(options.TimeProvider ?? TimeProvider.System, budget)
            : Deadline.None;

        long total = 0;
        CheckResult? undecided = null;
        foreach ((string? key, List<HistoryOperation> operations) in Partition(history, model))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.HasPassed())
            {
                undecided ??= new CheckResult(Verdict.Unknown, key, "undecided: the time budget ran out before this key was checked", 0);
                break;
            }

            long maxStates = Math.Min(options.MaxStatesPerKey, WglSearch.StatesWithin(options.MaxMemoBytesPerKey, operations.Count));
            SearchOutcome outcome = WglSearch.Run(operations, registerModel, maxStates, deadline, cancellationToken);
            total += outcome.StatesExplored;
            switch (outcome.Verdict)
            {
                case Verdict.NotLinearizable:
                    // A violation on one key is a violation of the whole history, whatever other keys say.
                    return new CheckResult(Verdict.NotLinearizable, key, outcome.Detail, total);
                case Verdict.Unknown:
                    undecided ??= new CheckResult(Verdict.Unknown, key, outcome.Detail, 0);
                    break;
            }
        }

        if (undecided is not null)
        {
            return undecided with { StatesExplored = total };
        }

        return new CheckResult(
            Verdict.Linearizable,
            null,
            string.Create(CultureInfo.InvariantCulture, $"linearizable: {history.Count} operations, {total} states explored"),
            total);
    }

    /// <summary>
    /// Splits the history into the registers the model consists of, dropping operations that cannot
    /// constrain anything: failed reads and writes (they took no effect) and reads whose result is unknown.
    /// </summary>
    private static List<(string? Key, List<HistoryOperation> Operations)> Partition(
        IReadOnlyList<HistoryOperation> history, ModelKind model)
    {
        var partitions = new List<(string? Key, List<HistoryOperation> Operations)>();
        var byKey = new Dictionary<string, List<HistoryOperation>>(StringComparer.Ordinal);
        List<HistoryOperation>? single = null;
        foreach (HistoryOperation op in history)
        {
            bool informative = op.Kind switch
            {
                OperationKind.Read => !op.IsUnknown && op.Ok,
                OperationKind.Write => op.IsUnknown || op.Ok,
                _ => true,
            };
            if (!informative)
            {
                continue;
            }

            if (model == ModelKind.Register)
            {
                if (single is null)
                {
                    single = [];
                    partitions.Add((null, single));
                }

                single.Add(op);
                continue;
            }

            if (!byKey.TryGetValue(op.Key, out List<HistoryOperation>? list))
            {
                list = [];
                byKey.Add(op.Key, list);
                partitions.Add((op.Key, list));
            }

            list.Add(op);
        }

        return partitions;
    }

    private static void Validate(IReadOnlyList<HistoryOperation> history, ModelKind model, CheckerOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(model))
        {
            errors.Add($"unknown model {model}");
        }

        if (options.MaxStatesPerKey < 1)
        {
            errors.Add($"MaxStatesPerKey must be at least 1, not {options.MaxStatesPerKey}");
        }

        if (options.MaxMemoBytesPerKey < 1)
        {
            errors.Add($"MaxMemoBytesPerKey must be at least 1, not {options.MaxMemoBytesPerKey}");
        }

        if (options.Budget is TimeSpan budget && budget <= TimeSpan.Zero)
        {
            errors.Add($"Budget must be positive, not {budget}");
        }

        for (int i = 0; i < history.Count && errors.Count < 20; i++)
        {
            HistoryOperation? op = history[i];
            if (op is null)
            {
                errors.Add($"operation {i} is null");
                continue;
            }

            if (op.Key is null)
            {
                errors.Add($"operation {i} has no key");
            }

            switch (op.Kind)
            {
                case OperationKind.Read:
                    break;
                case OperationKind.Write when op.Value is null:
                    errors.Add($"operation {i} is a write without a value");
                    break;
                case OperationKind.Cas when op.Value is null || op.Expected is null:
                    errors.Add($"operation {i} is a compare-and-set without an expected and a new value");
                    break;
                case OperationKind.Write or OperationKind.Cas:
                    break;
                default:
                    errors.Add($"operation {i} has unknown kind {op.Kind}");
                    break;
            }

            if (op.ReturnTime is long returned && returned < op.CallTime)
            {
                errors.Add($"operation {i} returns at {returned}, before its call at {op.CallTime}");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Cannot check the history: " + string.Join("; ", errors) + ".", nameof(history));
        }
    }
}

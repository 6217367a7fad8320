namespace Grey.Linearizability;

/// <summary>
/// The result of reading a history file: the operations and their model, or the first line that was wrong.
/// Malformed input is an expected failure, so it is a value, not an exception.
/// </summary>
public sealed record HistoryParseResult
{
    private HistoryParseResult(ModelKind model, IReadOnlyList<HistoryOperation> operations, int line, string? reason)
    {
        Model = model;
        Operations = operations;
        Line = line;
        Reason = reason;
    }

    /// <summary>True when the file was read without error.</summary>
    public bool IsSuccess => Reason is null;

    /// <summary>The model the history is to be checked against (named in the file or given by the caller).</summary>
    public ModelKind Model { get; }

    /// <summary>The operations, in the order they were called; empty when the file was malformed.</summary>
    public IReadOnlyList<HistoryOperation> Operations { get; }

    /// <summary>The 1-based line that was wrong, or 0 when the file was read without error.</summary>
    public int Line { get; }

    /// <summary>What was wrong on <see cref="Line"/>, or null when the file was read without error.</summary>
    public string? Reason { get; }

    /// <summary>The error as greyctl prints it: <c>malformed: line N: what was wrong</c>; null on success.</summary>
    public string? Error => Reason is null ? null : $"malformed: line {Line}: {Reason}";

    /// <summary>A successfully read history.</summary>
    public static HistoryParseResult Success(ModelKind model, IReadOnlyList<HistoryOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        return new HistoryParseResult(model, operations, 0, null);
    }

    /// <summary>A malformed file: <paramref name="line"/> (1-based) was wrong, for <paramref name="reason"/>.</summary>
    public static HistoryParseResult Malformed(int line, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(line);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new HistoryParseResult(ModelKind.Register, [], line, reason);
    }
}

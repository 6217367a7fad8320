namespace Grey.Linearizability;

/// <summary>
/// One client operation as a client saw it: when it was called, when (and whether) it returned, and what
/// it returned. Values are 64-bit integers; a null <see cref="Output"/> of a read means "key absent".
/// </summary>
/// <param name="Client">The client (Jepsen process) that issued the operation.</param>
/// <param name="Key">The key the operation acts on; the register model ignores it.</param>
/// <param name="Kind">Read, write or compare-and-set.</param>
/// <param name="Value">Write: the value written. Cas: the new value. Read: unused.</param>
/// <param name="Expected">Cas: the value compared with. Otherwise unused.</param>
/// <param name="Output">Read: the value read, null when the key was absent. Otherwise unused.</param>
/// <param name="Ok">
/// False for an operation that completed and failed (Jepsen <c>:fail</c>). A failed compare-and-set
/// changed nothing and, at its linearization point, the register did not hold <see cref="Expected"/>.
/// A failed read or write took no effect and observed nothing, so the checker drops it.
/// Ignored when <see cref="ReturnTime"/> is null.
/// </param>
/// <param name="CallTime">When the client called the operation (any monotonic unit, e.g. ticks).</param>
/// <param name="ReturnTime">
/// When the client saw the result, or null when the outcome is unknown (a timeout or a crash, Jepsen
/// <c>:info</c>): such an operation may have taken effect at any time after <see cref="CallTime"/>, or never.
/// </param>
public sealed record HistoryOperation(
    int Client,
    string Key,
    OperationKind Kind,
    long? Value,
    long? Expected,
    long? Output,
    bool Ok,
    long CallTime,
    long? ReturnTime)
{
    /// <summary>True when the client never learned the outcome (<see cref="ReturnTime"/> is null).</summary>
    public bool IsUnknown => ReturnTime is null;
}

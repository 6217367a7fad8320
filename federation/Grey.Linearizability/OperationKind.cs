namespace Grey.Linearizability;

/// <summary>The kind of one client operation on a register (one key).</summary>
public enum OperationKind
{
    /// <summary>Reads the register; <see cref="HistoryOperation.Output"/> is the value read (null: absent).</summary>
    Read,

    /// <summary>Writes <see cref="HistoryOperation.Value"/> to the register.</summary>
    Write,

    /// <summary>
    /// Compare-and-set: if the register holds <see cref="HistoryOperation.Expected"/>, set it to
    /// <see cref="HistoryOperation.Value"/>; <see cref="HistoryOperation.Ok"/> says whether it swapped.
    /// </summary>
    Cas,
}

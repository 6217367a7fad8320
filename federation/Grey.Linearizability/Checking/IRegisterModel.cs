namespace Grey.Linearizability.Checking;

/// <summary>
/// The sequential specification of one register, as the search sees it. It is an interface so that
/// tests can plug in a deliberately broken model and show that the corpus test would then fail.
/// </summary>
/// <remarks>
/// The search's pruning of operations with unknown outcome (see <see cref="WglSearch"/>) is proved for
/// <see cref="RegisterModel"/>'s semantics; any other implementation is for such tests only.
/// </remarks>
internal interface IRegisterModel
{
    /// <summary>
    /// Applies <paramref name="operation"/> to <paramref name="state"/> (null: the register is absent).
    /// Returns false when the operation's recorded outcome is impossible in that state.
    /// </summary>
    bool Step(long? state, HistoryOperation operation, out long? next);
}

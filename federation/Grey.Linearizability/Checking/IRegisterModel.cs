namespace Grey.Linearizability.Checking;

/// <summary>
/// The sequential specification of one register, as the search sees it. It is an interface so that
/// tests can plug in a deliberately broken model and show that the corpus test would then fail.
/// </summary>
internal interface IRegisterModel
{
    /// <summary>
    /// Applies <paramref name="operation"/> to <paramref name="state"/> (null: the register is absent).
    /// Returns false when the operation's recorded outcome is impossible in that state.
    /// </summary>
    bool Step(long? state, HistoryOperation operation, out long? next);
}

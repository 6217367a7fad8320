namespace Grey.Raft;

/// <summary>
/// Everything the application must do after the node changed: persist, send, apply. Handle it in order
/// (snapshot, entries and hard state to storage with fsync when <see cref="MustSync"/>; then messages;
/// then committed entries) and call <see cref="RawNode.Advance"/>.
/// </summary>
public sealed class Ready
{
    /// <summary>The new soft state, or null when it did not change.</summary>
    public SoftState? SoftState { get; init; }

    /// <summary>The hard state to persist, or null when it did not change.</summary>
    public HardState? HardState { get; init; }

    /// <summary>Answers to ReadIndex requests.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>Entries to append to stable storage, before the messages are sent.</summary>
    public IReadOnlyList<Entry> Entries { get; init; } = [];

    /// <summary>A snapshot to apply to storage and the state machine, or null.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>Committed entries to apply to the state machine (ConfChange entries through <see cref="RawNode.ApplyConfChange"/>).</summary>
    public IReadOnlyList<Entry> CommittedEntries { get; init; } = [];

    /// <summary>Messages to send once the entries, hard state and snapshot are persisted.</summary>
    public IReadOnlyList<Message> Messages { get; init; } = [];

    /// <summary>True when the hard state or entries must be fsynced before the messages are sent.</summary>
    public bool MustSync { get; init; }
}

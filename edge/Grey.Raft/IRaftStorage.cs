namespace Grey.Raft;

/// <summary>
/// The stable storage a node reads. The application writes it (from each Ready) before it sends the Ready's
/// messages. Reads of compacted indexes throw <see cref="RaftStorageException"/> with
/// <see cref="StorageError.Compacted"/>; reads past the last index throw it with <see cref="StorageError.Unavailable"/>.
/// </summary>
public interface IRaftStorage
{
    /// <summary>The persisted hard state and the membership of the latest snapshot.</summary>
    (HardState HardState, ConfState ConfState) InitialState();

    /// <summary>
    /// The entries in [lo, hi), at most <paramref name="maxBytes"/> of them by <c>Data</c> size plus a fixed
    /// overhead, but always at least one when the range is not empty.
    /// </summary>
    IReadOnlyList<Entry> Entries(ulong lo, ulong hi, ulong maxBytes);

    /// <summary>The term of the entry at <paramref name="index"/>, which may be the snapshot's index.</summary>
    ulong Term(ulong index);

    /// <summary>The index of the first entry still available (the snapshot index plus one).</summary>
    ulong FirstIndex();

    /// <summary>The index of the last entry.</summary>
    ulong LastIndex();

    /// <summary>The most recent snapshot.</summary>
    Snapshot Snapshot();
}

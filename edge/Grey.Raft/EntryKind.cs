namespace Grey.Raft;

/// <summary>
/// What a log entry carries. Later layers feed only <see cref="Data"/> entries to the site's chain and
/// deltas; the other kinds are internal to the group.
/// </summary>
public enum EntryKind : byte
{
    /// <summary>A client command, proposed by the application.</summary>
    Data = 0,

    /// <summary>The empty entry a new leader appends so that it can commit an entry of its own term.</summary>
    NoOp = 1,

    /// <summary>A membership change; <see cref="Entry.Data"/> holds an encoded <see cref="ConfChange"/>.</summary>
    ConfChange = 2,

    /// <summary>An internal record of the application (for example the region's acknowledgement).</summary>
    Record = 3,
}

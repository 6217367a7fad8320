namespace Grey.Simulation.Invariants;

/// <summary>How a node's log looks at one index, as the leader-completeness check asks it.</summary>
internal enum LogLookup
{
    /// <summary>The index lies past the end of the node's log.</summary>
    Missing,

    /// <summary>The index is covered by the node's snapshot, so only the snapshot vouches for it.</summary>
    Compacted,

    /// <summary>The node holds an entry at the index.</summary>
    Present,
}

/// <summary>One entry as the invariant checker sees it: position, term and a hash of its kind and payload.</summary>
/// <param name="Lookup">Whether the node holds the entry.</param>
/// <param name="Term">The entry's term when present.</param>
/// <param name="ContentHash">The hash of the entry's kind and payload when present.</param>
internal readonly record struct LoggedEntry(LogLookup Lookup, ulong Term, ulong ContentHash);

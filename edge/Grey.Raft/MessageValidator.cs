namespace Grey.Raft;

/// <summary>
/// Structural checks on a message from the network, so that a malformed message (from a buggy peer or a
/// damaged transport) is refused with a clear reason instead of corrupting the log. Raft trusts the
/// content of well-formed messages (peers are not Byzantine); this only rejects what cannot be well-formed.
/// </summary>
internal static class MessageValidator
{
    /// <summary>The most entries one Append may carry; far above what MaxSizePerMsg produces.</summary>
    internal const int MaxEntriesPerMessage = 1 << 20;

    /// <summary>Returns why <paramref name="m"/> is malformed, or null when it is well-formed.</summary>
    public static string? Validate(Message m)
    {
        if (m.Entries is null)
        {
            return "entries list is null";
        }

        if (m.Entries.Count > 0 && m.Type != MessageType.Append)
        {
            return $"{m.Type} must not carry entries";
        }

        if (m.Entries.Count > MaxEntriesPerMessage)
        {
            return $"{m.Entries.Count} entries exceed the limit of {MaxEntriesPerMessage}";
        }

        // Terms of log entries are not compared with the message term: a node whose disk kept entries but
        // lost the hard state written after them (both unsynced) restarts with a log term above its term,
        // which is harmless (it never acknowledged them) and must not make its messages unreadable.
        if (m.Type == MessageType.Append)
        {
            if (m.Index > ulong.MaxValue - (ulong)m.Entries.Count - 1)
            {
                return $"index {m.Index} leaves no room for {m.Entries.Count} entries";
            }

            var prevTerm = m.LogTerm;
            for (var i = 0; i < m.Entries.Count; i++)
            {
                var e = m.Entries[i];
                if (e.Index != m.Index + 1 + (ulong)i)
                {
                    return $"entry {i} has index {e.Index}, expected {m.Index + 1 + (ulong)i}";
                }

                if (e.Term < prevTerm)
                {
                    return $"entry {e.Index} has term {e.Term}, below the term {prevTerm} before it (terms never decrease along a log)";
                }

                if (!Enum.IsDefined(e.Kind))
                {
                    return $"entry {e.Index} has unknown kind {(byte)e.Kind}";
                }

                prevTerm = e.Term;
            }
        }

        if (m.Type == MessageType.Snapshot)
        {
            if (m.Snapshot is null)
            {
                return "snapshot message without a snapshot";
            }

            var meta = m.Snapshot.Metadata;
            if (meta.Index == 0 || meta.Term == 0)
            {
                return $"snapshot at index {meta.Index} term {meta.Term}: both must be positive";
            }

            var cs = meta.ConfState;
            if (cs is null || cs.Voters is null || cs.Learners is null || cs.VotersOutgoing is null || cs.LearnersNext is null)
            {
                return "snapshot has an incomplete configuration";
            }

            if (cs.Voters.Count == 0 || cs.Voters.Concat(cs.Learners).Concat(cs.VotersOutgoing).Concat(cs.LearnersNext).Contains(0UL))
            {
                return "snapshot configuration has no voters or names node 0";
            }

            if (cs.Voters.Intersect(cs.Learners).Any() || cs.Voters.Count > ConfChange.MaxChanges || cs.Learners.Count > ConfChange.MaxChanges)
            {
                return "snapshot configuration lists a node as voter and learner, or is too large";
            }
        }
        else if (m.Snapshot is not null)
        {
            return $"{m.Type} must not carry a snapshot";
        }

        return null;
    }
}

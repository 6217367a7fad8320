namespace Grey.Raft.Tests.Support;

/// <summary>A node with its in-memory storage and applied state, driven the way an application drives it.</summary>
internal sealed class TestNode
{
    public TestNode(ulong id, RawNode node, MemoryStorage storage, RaftOptions options)
    {
        Id = id;
        Node = node;
        Storage = storage;
        Options = options;
    }

    public ulong Id { get; }

    public RawNode Node { get; set; }

    public MemoryStorage Storage { get; }

    public RaftOptions Options { get; }

    /// <summary>Every entry applied, in order (data and internal kinds).</summary>
    public List<Entry> Applied { get; } = [];

    public List<ReadState> ReadStates { get; } = [];

    public ConfState ConfState { get; set; } = ConfState.Empty;

    /// <summary>When true the application does not handle this node's Readies (it is slow or stuck).</summary>
    public bool Paused { get; set; }

    public Raft.Core.RaftMachine Machine => Node.Machine;

    /// <summary>
    /// Handles one Ready the way the contract says: snapshot, entries and hard state to storage, then the
    /// messages go out, then committed entries are applied (conf changes through ApplyConfChange).
    /// </summary>
    public Ready? HandleReady(List<Message> outbox)
    {
        if (Paused || !Node.HasReady())
        {
            return null;
        }

        var rd = Node.GetReady();
        if (rd.Snapshot is not null)
        {
            Storage.ApplySnapshot(rd.Snapshot);
            ConfState = rd.Snapshot.Metadata.ConfState;
        }

        Storage.Append(rd.Entries);
        if (rd.HardState is { } hs)
        {
            Storage.SetHardState(hs);
        }

        outbox.AddRange(rd.Messages);
        foreach (var e in rd.CommittedEntries)
        {
            Applied.Add(e);
            if (e.Kind == EntryKind.ConfChange)
            {
                ConfState = Node.ApplyConfChange(ConfChange.Decode(e.Data.Span));
            }
        }

        ReadStates.AddRange(rd.ReadStates);
        Node.Advance(rd);
        return rd;
    }
}

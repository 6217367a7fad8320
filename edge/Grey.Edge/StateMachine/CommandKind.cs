namespace Grey.Edge.StateMachine;

/// <summary>What a client command does to its key. The byte values are part of the log format: never renumber.</summary>
internal enum CommandKind : byte
{
    /// <summary>Sets the key's value (raw bytes).</summary>
    Put = 1,

    /// <summary>Removes the key.</summary>
    Delete = 2,

    /// <summary>Adds a signed amount to the key's counter.</summary>
    CounterAdd = 3,

    /// <summary>Adds a member to the key's set.</summary>
    SetAdd = 4,

    /// <summary>Removes a member from the key's set.</summary>
    SetRemove = 5,

    /// <summary>
    /// Applies a desired-state change of the home region (issue 7): the key is the change's, the value its canonical
    /// bytes (<c>DesiredChange.Encode</c>). Proposed only by the leader's outbox after verifying the region's signature.
    /// </summary>
    Desired = 6,
}

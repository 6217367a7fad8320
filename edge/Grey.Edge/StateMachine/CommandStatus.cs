namespace Grey.Edge.StateMachine;

/// <summary>How applying a command ended. Expected outcomes are values, not exceptions.</summary>
internal enum CommandStatus
{
    /// <summary>Applied.</summary>
    Ok,

    /// <summary>The key was absent (delete).</summary>
    NotFound,

    /// <summary>The If-Match / If-None-Match precondition did not hold; nothing changed.</summary>
    PreconditionFailed,

    /// <summary>The key holds another type (a value, a counter or a set); nothing changed.</summary>
    WrongType,

    /// <summary>The key is owned by the cloud (<c>desired/...</c>, DESIGN G6); nothing changed.</summary>
    Forbidden,

    /// <summary>The counter would overflow a signed 64-bit integer; nothing changed.</summary>
    Overflow,

    /// <summary>The site has no epoch yet (no data entry may precede it); nothing changed.</summary>
    NoEpoch,

    /// <summary>
    /// A desired-state change whose sequence is not the next one of its region at apply time (already applied, or
    /// ahead of a missing one); nothing changed.
    /// </summary>
    DesiredOutOfOrder,
}

namespace Grey.Edge.StateMachine;

/// <summary>A precondition checked when the command is applied (so every replica decides alike). Byte values are part of the log format.</summary>
internal enum CommandCondition : byte
{
    /// <summary>Always applies.</summary>
    None = 0,

    /// <summary>Applies only when the key's revision equals <see cref="Command.ExpectedRevision"/> (compare-and-set; 0 means absent).</summary>
    IfRevision = 1,

    /// <summary>Applies only when the key is absent (create).</summary>
    IfAbsent = 2,
}

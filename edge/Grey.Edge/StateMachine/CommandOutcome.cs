namespace Grey.Edge.StateMachine;

/// <summary>The result of one applied command: its status, the key's revision after it and, for counters, the value.</summary>
internal readonly record struct CommandOutcome(CommandStatus Status, ulong Revision, long CounterValue = 0, ulong Index = 0)
{
    /// <summary>Whether the command changed the state.</summary>
    public bool IsOk => Status == CommandStatus.Ok;
}

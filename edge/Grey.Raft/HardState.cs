namespace Grey.Raft;

/// <summary>The state a node must persist (fsync) before it sends the messages of the same Ready.</summary>
/// <param name="Term">The latest term the node has seen.</param>
/// <param name="Vote">The candidate the node voted for in <paramref name="Term"/>, or 0.</param>
/// <param name="Commit">The highest log index the node knows to be committed.</param>
public readonly record struct HardState(ulong Term, ulong Vote, ulong Commit)
{
    /// <summary>True for the state of a node that has never run.</summary>
    public bool IsEmpty => Term == 0 && Vote == 0 && Commit == 0;
}

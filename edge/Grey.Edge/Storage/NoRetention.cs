namespace Grey.Edge.Storage;

/// <summary>The retention hook of a node with no consumer: nothing beyond Raft's own needs is kept.</summary>
internal sealed class NoRetention : ILogRetention
{
    /// <summary>The single instance.</summary>
    public static NoRetention Instance { get; } = new();

    private NoRetention()
    {
    }

    /// <inheritdoc/>
    public ulong LowestIndexNeeded() => ulong.MaxValue;

    /// <inheritdoc/>
    public void Discarded(ulong throughIndex, RetentionOverride reason)
    {
    }
}

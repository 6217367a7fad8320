namespace Grey.Ctl.EdgeHarness;

/// <summary>Settings of one torture run, with the defaults <c>greyctl torture edge</c> uses.</summary>
internal sealed record TortureOptions
{
    /// <summary>Seed of every random choice (faults, victims, client operations).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Nodes in the site.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Fault rounds.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>Concurrent clients.</summary>
    public int Clients { get; init; } = 5;

    /// <summary>Keys shared by the clients (few keys make conflicts and compare-and-set failures common).</summary>
    public int Keys { get; init; } = 3;

    /// <summary>How long a client waits for one answer before recording the outcome as unknown.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between a client's operations, which keeps the history small enough to check.</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromMilliseconds(15);

    /// <summary>How long a round lets the clients run before its fault.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a fault lasts; each round draws a length up to this.</summary>
    public TimeSpan MaxFault { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the site may take to be healthy again after a round's fault is repaired.</summary>
    public TimeSpan Recovery { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The time budget of the linearizability check.</summary>
    public TimeSpan CheckBudget { get; init; } = TimeSpan.FromMinutes(1);
}

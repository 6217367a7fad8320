using Grey.Federation.Chain;

namespace Grey.Simulation.Fleet;

/// <summary>What a simulated broker message carries.</summary>
internal enum BrokerMessageKind
{
    /// <summary>A site delta published by a site's outbox.</summary>
    SiteDelta,

    /// <summary>A checkpoint delta published after a fold.</summary>
    Checkpoint,

    /// <summary>A copy of a real delta with one byte changed (chaos class tamper).</summary>
    Tampered,

    /// <summary>A delta signed by an unenrolled key (chaos class forge).</summary>
    Forged,

    /// <summary>A region's signed region delta for another region.</summary>
    RegionDelta,
}

/// <summary>
/// One message in the simulated broker: the wire bytes the region ingests plus what the checker needs to account
/// for it (never read by the region, which sees only <see cref="Wire"/> and the subject's site or region).
/// </summary>
internal sealed class BrokerMessage
{
    public required long Id { get; init; }

    public required BrokerMessageKind Kind { get; init; }

    /// <summary>The subject's site (site deltas) or sending region (region deltas).</summary>
    public required string Subject { get; init; }

    /// <summary>The region the message is for.</summary>
    public required string To { get; init; }

    public required byte[] Wire { get; init; }

    public ulong Epoch { get; init; }

    public ulong FirstIndex { get; init; }

    public ulong LastIndex { get; init; }

    /// <summary>The entries of a site delta (for the sabotaged region that re-merges duplicates).</summary>
    public IReadOnlyList<DataEntry>? Entries { get; init; }

    /// <summary>The signed content (the canonical delta), so tampering can pick a byte of it deterministically.</summary>
    public byte[]? Content { get; init; }

    /// <summary>The region settled it (acknowledged to the broker); the broker forgets it.</summary>
    public bool Settled { get; set; }

    /// <summary>Lost in a broker restart before it was settled.</summary>
    public bool Lost { get; set; }

    public bool IsAttack => Kind is BrokerMessageKind.Tampered or BrokerMessageKind.Forged;
}

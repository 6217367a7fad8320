namespace Grey.Region.Hosting;

/// <summary>Counters of the ingest loop (the core keeps its own in <see cref="Status.RegionMetrics"/>); not persisted.</summary>
public sealed class RegionHostMetrics
{
    /// <summary>Turns that ingested at least one delta or signal.</summary>
    public long Turns { get; internal set; }

    /// <summary>Site deltas received from the transport.</summary>
    public long DeltasReceived { get; internal set; }

    /// <summary>Site deltas settled with the broker after their outcome was durable.</summary>
    public long DeltasSettled { get; internal set; }

    /// <summary>Status reports applied.</summary>
    public long ReportsApplied { get; internal set; }

    /// <summary>Status reports refused (undecodable, or naming another site than their subject).</summary>
    public long ReportsRefused { get; internal set; }

    /// <summary>Peer region deltas offered to the core.</summary>
    public long RegionDeltasReceived { get; internal set; }

    /// <summary>Region deltas of this region published.</summary>
    public long RegionDeltasPublished { get; internal set; }

    /// <summary>Region deltas of this region that carried its whole state (the rest carried only what changed since the previous one).</summary>
    public long RegionDeltasFull { get; internal set; }

    /// <summary>NAKs published.</summary>
    public long NaksPublished { get; internal set; }

    /// <summary>Acknowledgements published.</summary>
    public long AcksPublished { get; internal set; }

    /// <summary>Revocation notices republished because a delta signed by a revoked node arrived (see <see cref="RevocationRepair"/>).</summary>
    public long RevocationsRepublished { get; internal set; }

    /// <summary>Sends or settlements the transport failed (each is repaired by a resend, a redelivery or a later region delta).</summary>
    public long TransportFailures { get; internal set; }

    /// <summary>Times the core failed durably and was reopened from its store.</summary>
    public long Reopens { get; internal set; }
}

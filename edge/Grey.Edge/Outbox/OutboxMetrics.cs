namespace Grey.Edge.Outbox;

/// <summary>
/// The outbox's counters since this process started (thread-safe). The backlog figures come from the journal,
/// so they stay true while the link is down. Read them all at once with <see cref="OutboxService.Snapshot"/>.
/// </summary>
internal sealed class OutboxMetrics
{
    private long deltasShipped;
    private long checkpointsShipped;
    private long bytesShipped;
    private long resends;
    private long acksAccepted;
    private long acksRefused;
    private long acksStale;
    private long naks;
    private long publishFailures;
    private long revocations;

    /// <summary>Deltas (site and checkpoint) the broker accepted.</summary>
    public long DeltasShipped => Interlocked.Read(ref deltasShipped);

    /// <summary>Checkpoint deltas the broker accepted (folds shipped).</summary>
    public long CheckpointsShipped => Interlocked.Read(ref checkpointsShipped);

    /// <summary>Signed bytes the broker accepted.</summary>
    public long BytesShipped => Interlocked.Read(ref bytesShipped);

    /// <summary>Times shipping restarted from the acknowledged index (link up, ack timeout, NAK).</summary>
    public long Resends => Interlocked.Read(ref resends);

    /// <summary>Acks verified, checked and proposed.</summary>
    public long AcksAccepted => Interlocked.Read(ref acksAccepted);

    /// <summary>Acks refused: bad signature, untrusted signer, wrong region/site/epoch, chain hash mismatch, beyond what was shipped.</summary>
    public long AcksRefused => Interlocked.Read(ref acksRefused);

    /// <summary>Acks at or below the acknowledged index (repeats), or below a fold (cannot be checked): ignored.</summary>
    public long AcksStale => Interlocked.Read(ref acksStale);

    /// <summary>NAKs for this site and epoch acted on.</summary>
    public long Naks => Interlocked.Read(ref naks);

    /// <summary>Publishes the uplink did not store (link down, broker refusal).</summary>
    public long PublishFailures => Interlocked.Read(ref publishFailures);

    /// <summary>Verified revocation notices acted on.</summary>
    public long Revocations => Interlocked.Read(ref revocations);

    internal void Shipped(long bytes, bool checkpoint)
    {
        Interlocked.Increment(ref deltasShipped);
        Interlocked.Add(ref bytesShipped, bytes);
        if (checkpoint)
        {
            Interlocked.Increment(ref checkpointsShipped);
        }
    }

    internal void Resent() => Interlocked.Increment(ref resends);

    internal void AckAccepted() => Interlocked.Increment(ref acksAccepted);

    internal void AckRefused() => Interlocked.Increment(ref acksRefused);

    internal void AckStale() => Interlocked.Increment(ref acksStale);

    internal void Nak() => Interlocked.Increment(ref naks);

    internal void PublishFailed() => Interlocked.Increment(ref publishFailures);

    internal void Revoked() => Interlocked.Increment(ref revocations);
}

namespace Grey.Simulation.Fleet;

/// <summary>What the simulated outboxes did, summed over every node.</summary>
internal sealed class OutboxCounters
{
    public long DeltasShipped { get; set; }

    public long CheckpointsShipped { get; set; }

    public long BytesShipped { get; set; }

    public long Resends { get; set; }

    public long Naks { get; set; }

    public long PublishFailures { get; set; }

    public void Shipped(bool checkpoint, long bytes)
    {
        if (checkpoint)
        {
            CheckpointsShipped++;
        }
        else
        {
            DeltasShipped++;
        }

        BytesShipped += bytes;
    }
}

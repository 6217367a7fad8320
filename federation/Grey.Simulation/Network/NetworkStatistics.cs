namespace Grey.Simulation.Network;

/// <summary>What the simulated network did to the messages it was given.</summary>
internal sealed class NetworkStatistics
{
    /// <summary>Messages handed to the network.</summary>
    public long Sent { get; set; }

    /// <summary>Copies handed to a receiver.</summary>
    public long Delivered { get; set; }

    /// <summary>Messages lost at random.</summary>
    public long Dropped { get; set; }

    /// <summary>Messages blocked by a partition.</summary>
    public long Partitioned { get; set; }

    /// <summary>Extra copies created.</summary>
    public long Duplicated { get; set; }

    /// <summary>Messages held back so later ones overtake them.</summary>
    public long Reordered { get; set; }

    /// <summary>Messages refused because <see cref="SimulatedNetwork{TMessage}.MaxInFlight"/> were already in flight.</summary>
    public long Overflowed { get; set; }
}

namespace Grey.Region.Hosting;

/// <summary>
/// A transport could not send or settle now (the broker is away, the connection is closed). Expected: the loop
/// counts it and goes on, since every such loss is repaired (the site resends, the broker redelivers, the next
/// region delta carries the whole state).
/// </summary>
public sealed class RegionTransportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegionTransportException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RegionTransportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RegionTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

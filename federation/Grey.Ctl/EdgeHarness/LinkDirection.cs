namespace Grey.Ctl.EdgeHarness;

/// <summary>The directions of one proxied TCP link that a fault can block.</summary>
[Flags]
internal enum LinkDirection
{
    /// <summary>Nothing blocked: bytes flow both ways.</summary>
    None = 0,

    /// <summary>Bytes from the side that dialed the proxy towards the target.</summary>
    Forward = 1,

    /// <summary>Bytes from the target back towards the side that dialed.</summary>
    Backward = 2,

    /// <summary>Both directions: a full partition of the link.</summary>
    Both = Forward | Backward,
}

namespace Grey.Edge.Daemon.Api;

/// <summary>Named limits of the HTTP API.</summary>
internal static class ApiLimits
{
    /// <summary>Largest value a PUT may carry: the federation's register limit (64 KiB); larger: 413.</summary>
    public const int MaxValueBytes = Grey.Federation.FederationLimits.MaxValueBytes;

    /// <summary>Largest JSON or integer body (sets, counters, membership): 4 KiB; larger: 413.</summary>
    public const int MaxSmallBodyBytes = 4096;

    /// <summary>Largest forwarded command body (a maximal encoded command).</summary>
    public const int MaxForwardBytes = Grey.Edge.StateMachine.CommandCodec.MaxEncodedBytes;

    /// <summary>Default number of keys a prefix list returns.</summary>
    public const int DefaultListLimit = 1000;

    /// <summary>Most keys one prefix list may return (?limit=).</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>Longest key in a URL: 256 printable ASCII characters (the federation's key rule).</summary>
    public const int MaxKeyBytes = Grey.Federation.FederationLimits.MaxKeyBytes;
}

namespace Grey.Integration.Tests.Mqtt;

/// <summary>What a write through a site's HTTP API is known to have done.</summary>
internal enum WriteOutcome
{
    /// <summary>2xx: committed.</summary>
    Acknowledged,

    /// <summary>Refused before it was proposed (connection refused, no leader, overloaded, no epoch yet): never committed.</summary>
    NotApplied,

    /// <summary>Any other failure (outcome unknown, dropped, a timeout): it may or may not have committed.</summary>
    Unknown,
}

namespace Grey.Ctl.EdgeHarness;

/// <summary>How one key-value call through the HTTP API ended, as the client saw it.</summary>
internal enum KvCallStatus
{
    /// <summary>The call succeeded (a write was acknowledged; a read found the key).</summary>
    Ok,

    /// <summary>A read found no value (404).</summary>
    NotFound,

    /// <summary>A compare-and-set did not match (412): nothing changed.</summary>
    PreconditionFailed,

    /// <summary>The call certainly had no effect (the connection was refused, or a 4xx other than 412).</summary>
    Failed,

    /// <summary>The outcome is unknown (a timeout, a reset after sending, a 5xx): it may or may not have taken effect.</summary>
    Unknown,
}

/// <summary>The result of one call: its status, and for a read the value and its revision.</summary>
internal readonly record struct KvCallResult(KvCallStatus Status, byte[]? Value, long Revision, string Detail)
{
    public static KvCallResult Of(KvCallStatus status, string detail = "") => new(status, null, 0, detail);
}

namespace Grey.Edge.Devices;

/// <summary>How a device's write ended, as the node reports it to the listener.</summary>
internal enum DeviceWriteStatus
{
    /// <summary>Committed by the site's Raft group (a majority has it fsynced): the device gets PUBACK success.</summary>
    Committed,

    /// <summary>Not committed for now (no leader, no quorum, timeout): the device may send it again.</summary>
    Unavailable,

    /// <summary>Refused for good (the node's own validation): sending the same message again will not help.</summary>
    Refused,
}

/// <summary>The outcome of one write, with a reason for the device when it was not committed.</summary>
internal readonly record struct DeviceWriteResult(DeviceWriteStatus Status, string? Detail = null)
{
    /// <summary>A committed write.</summary>
    public static DeviceWriteResult Committed { get; } = new(DeviceWriteStatus.Committed);
}

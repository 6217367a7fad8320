namespace Grey.Region.Ingest;

/// <summary>What became of one delta offered to the region.</summary>
public enum IngestStatus
{
    /// <summary>Merged (durable and acknowledged at the next <see cref="RegionCore.Flush"/>).</summary>
    Merged = 0,

    /// <summary>Already merged: counted and acknowledged again, never merged twice.</summary>
    Duplicate = 1,

    /// <summary>Ahead of a missing range: held (bounded) and a NAK names the first missing index.</summary>
    Gap = 2,

    /// <summary>Refused with a reason and put in the quarantine; never merged.</summary>
    Rejected = 3,
}

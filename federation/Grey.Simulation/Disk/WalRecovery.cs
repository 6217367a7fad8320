namespace Grey.Simulation.Disk;

/// <summary>What recovery found in a write-ahead log.</summary>
/// <param name="Records">The payloads of the whole records, in order.</param>
/// <param name="CutBytes">Bytes after the last whole record that recovery cut (a torn or garbled tail).</param>
/// <param name="CutReason">Why the tail was cut, or null when the log ended cleanly.</param>
internal sealed record WalRecovery(IReadOnlyList<byte[]> Records, int CutBytes, string? CutReason);

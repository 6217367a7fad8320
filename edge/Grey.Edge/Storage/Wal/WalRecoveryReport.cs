namespace Grey.Edge.Storage.Wal;

/// <summary>What opening the log found and repaired.</summary>
/// <param name="SegmentsRead">How many segment files were replayed.</param>
/// <param name="RecordsRead">How many valid records they held.</param>
/// <param name="TornFile">The file whose torn tail was cut, or null.</param>
/// <param name="TornOffset">Where the cut was made.</param>
/// <param name="TornBytes">How many bytes were cut.</param>
/// <param name="TornReason">Why the tail was judged torn (incomplete, or checksum-bad with nothing valid after it).</param>
/// <param name="DeletedSegments">Segments removed because their creation was torn (no complete start records).</param>
internal sealed record WalRecoveryReport(
    int SegmentsRead,
    long RecordsRead,
    string? TornFile,
    long TornOffset,
    long TornBytes,
    string? TornReason,
    IReadOnlyList<string> DeletedSegments);

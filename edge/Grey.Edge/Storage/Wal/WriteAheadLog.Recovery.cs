using Grey.Edge.Storage.Files;

namespace Grey.Edge.Storage.Wal;

/// <content>Opening: replaying the segments, cutting a torn tail, refusing corruption.</content>
internal sealed partial class WriteAheadLog
{
    /// <summary>
    /// How many bytes the recovery scan for valid records after a damaged tail may checksum in all. Beyond it
    /// the tail is treated as corruption (reported, not cut). A real torn tail is at most one group commit.
    /// </summary>
    internal const long MaxTornTailScanBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/>, replays it and makes it ready for appends.
    /// A torn tail (an incomplete or checksum-bad last record of the last segment with nothing valid after it)
    /// is cut and reported; any other damage throws <see cref="WalCorruptionException"/> naming file and offset.
    /// </summary>
    /// <param name="fileSystem">The disk.</param>
    /// <param name="directory">The directory of the segments.</param>
    /// <param name="options">The limits.</param>
    /// <param name="time">The clock (segment creation times).</param>
    /// <param name="recovered">The log as replayed.</param>
    /// <param name="writerMode">Whether a background task writes, or the caller through <see cref="Pump"/>.</param>
    public static WriteAheadLog Open(
        IFileSystem fileSystem,
        string directory,
        WalOptions options,
        TimeProvider time,
        out WalRecoveredState recovered,
        WalWriterMode writerMode = WalWriterMode.Background)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.ThrowIfInvalid();
        fileSystem.CreateDirectory(directory);

        var named = new List<(ulong Sequence, ulong First, string Name)>();
        foreach (var name in fileSystem.ListFiles(directory))
        {
            if (SegmentHeader.TryParseName(name, out var sequence, out var first))
            {
                named.Add((sequence, first, name));
            }
        }

        named.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        for (var i = 1; i < named.Count; i++)
        {
            if (named[i].Sequence != named[i - 1].Sequence + 1)
            {
                throw new WalCorruptionException(
                    Path.Combine(directory, named[i].Name),
                    0,
                    $"segment sequence {named[i - 1].Sequence + 1} is missing between {named[i - 1].Name} and {named[i].Name}");
            }
        }

        var openedAt = time.GetUtcNow();
        var replay = new WalReplay();
        var segments = new List<WalSegmentInfo>();
        var deleted = new List<string>();
        long records = 0;
        string? tornFile = null;
        string? tornReason = null;
        long tornOffset = 0;
        long tornBytes = 0;
        long lastLength = 0;

        for (var k = 0; k < named.Count; k++)
        {
            var isLast = k == named.Count - 1;
            var path = Path.Combine(directory, named[k].Name);
            var bytes = ReadAll(fileSystem, path);
            var parsed = ParseSegment(path, bytes, named[k].Sequence, named[k].First, isLast, options.MaxRecordBytes);

            if (parsed.TornAt is { } cut)
            {
                tornFile = path;
                tornOffset = cut;
                tornBytes = bytes.Length - cut;
                tornReason = parsed.TornReason;
            }

            if (parsed.Records.Count < 2 && !isLast)
            {
                throw new WalCorruptionException(path, bytes.Length, "a segment that is not the last one lacks its start records (snapshot marker and hard state)");
            }

            if (parsed.Records.Count < 2)
            {
                // A last segment without complete start records was torn while it was being created: it holds
                // nothing acknowledged (its predecessor was synced before it was created), so it is removed.
                fileSystem.Delete(path);
                fileSystem.SyncDirectory(directory);
                deleted.Add(path);
                continue;
            }

            if (parsed.TornAt is { } tornAt)
            {
                using var handle = fileSystem.Open(path, createNew: false);
                handle.SetLength(tornAt);
                handle.Flush();
            }

            replay.BeginSegment(parsed.Header.FirstIndex);
            foreach (var (record, offset) in parsed.Records)
            {
                var error = replay.Apply(record, segments.Count);
                if (error is not null)
                {
                    throw new WalCorruptionException(path, offset, error);
                }
            }

            records += parsed.Records.Count;
            lastLength = parsed.TornAt ?? parsed.DataEnd;
            segments.Add(new WalSegmentInfo(
                parsed.Header.Sequence,
                parsed.Header.FirstIndex,
                DateTimeOffset.FromUnixTimeMilliseconds(parsed.Header.CreatedUnixMs),
                path));
        }

        if (segments.Count > 0 && replay.Finish() is { } finishError)
        {
            throw new WalCorruptionException(segments[0].Path, 0, finishError);
        }

        // After a torn last segment was removed its sequence number is free again (the removal was synced).
        var nextSequence = segments.Count > 0 ? segments[^1].Sequence + 1 : named.Count > 0 ? named[^1].Sequence : 1UL;
        var writtenBy = new DateTimeOffset[replay.Entries.Count];
        for (var i = 0; i < writtenBy.Length; i++)
        {
            var segment = replay.EntrySegments[i];
            writtenBy[i] = segment + 1 < segments.Count ? segments[segment + 1].CreatedAt : openedAt;
        }

        var floorTerm = segments.Count > 0 ? replay.FloorTerm ?? 0 : 0;
        recovered = new WalRecoveredState(
            segments.Count > 0 ? replay.Floor : 0,
            floorTerm,
            replay.Entries.ToArray(),
            writtenBy,
            segments.Count > 0 ? replay.HardState : default,
            new WalRecoveryReport(segments.Count, records, tornFile, tornOffset, tornBytes, tornReason, deleted));

        var wal = new WriteAheadLog(fileSystem, directory, options, time, recovered, segments, nextSequence, writerMode);
        if (segments.Count == 0)
        {
            wal.CreateFirstSegment();
        }
        else
        {
            wal.OpenLastSegment(lastLength);
        }

        wal.Start();
        return wal;
    }

    private static byte[] ReadAll(IFileSystem fileSystem, string path)
    {
        using var handle = fileSystem.OpenRead(path);
        var length = handle.Length;
        if (length > Array.MaxLength)
        {
            throw new WalCorruptionException(path, 0, $"segment of {length} bytes is larger than any segment this log writes");
        }

        var bytes = new byte[length];
        var read = handle.Read(0, bytes);
        return read == bytes.Length ? bytes : bytes[..read];
    }

    private static ParsedSegment ParseSegment(string path, byte[] bytes, ulong sequence, ulong first, bool isLast, int maxRecordBytes)
    {
        var records = new List<(WalRecord, long)>();
        var status = SegmentHeader.TryRead(bytes, out var header, out var headerError);
        if (status != WalDecodeStatus.Ok)
        {
            var refusal = isLast ? RefuseTail(ScanForValidRecord(bytes, 1, maxRecordBytes), headerError) : headerError;
            if (refusal is null)
            {
                return new ParsedSegment(header, records, 0, headerError, 0);
            }

            throw new WalCorruptionException(path, 0, refusal);
        }

        if (header.Sequence != sequence || header.FirstIndex != first)
        {
            throw new WalCorruptionException(path, 0, $"header names segment {header.Sequence} at index {header.FirstIndex}, the file name says {sequence} at {first}");
        }

        var offset = SegmentHeader.Size;
        while (offset < bytes.Length)
        {
            var result = WalRecordCodec.TryRead(bytes.AsSpan(offset), maxRecordBytes, out var record, out var size, out var error);
            if (result == WalDecodeStatus.Ok)
            {
                var position = records.Count;
                if (position == 0 && record.Type is not (WalRecordType.Compacted or WalRecordType.SnapshotReset))
                {
                    throw new WalCorruptionException(path, offset, $"a segment must start with a snapshot marker, found {record.Type}");
                }

                if (position == 1 && record.Type != WalRecordType.HardState)
                {
                    throw new WalCorruptionException(path, offset, $"a segment's second record must be the hard state, found {record.Type}");
                }

                records.Add((record, offset));
                offset += size;
                continue;
            }

            if (!isLast)
            {
                throw new WalCorruptionException(path, offset, $"{error} in a segment that is not the last one");
            }

            // Zeros from here to the end are the preallocated space after the last write (WalOptions.PreallocateBytes),
            // or an unsynced write that never reached the disk: the log ends here, nothing is torn. No record
            // starts with a zero byte run (type 0 does not exist), so zeros never hide a valid record.
            if (bytes.AsSpan(offset).IndexOfAnyExcept((byte)0) < 0)
            {
                return new ParsedSegment(header, records, null, null, offset);
            }

            if (RefuseTail(ScanForValidRecord(bytes, offset + 1, maxRecordBytes), error) is { } refused)
            {
                throw new WalCorruptionException(path, offset, refused);
            }

            return new ParsedSegment(header, records, offset, error, offset);
        }

        return new ParsedSegment(header, records, null, null, bytes.Length);
    }

    // Whether any offset at or after `from` starts a record with a valid checksum. A torn write leaves only
    // garbage after the tear, so a valid record there proves the damage is in the middle of the log. Crafted
    // bytes could make every offset look like the start of a large record; past a bounded amount of checksum
    // work the tail cannot be proven torn, and the caller refuses it (fail closed, never hang).
    private static TailScan ScanForValidRecord(byte[] bytes, int from, int maxRecordBytes)
    {
        long work = 0;
        for (var o = from; o + WalRecordCodec.HeaderSize <= bytes.Length; o++)
        {
            var status = WalRecordCodec.TryRead(bytes.AsSpan(o), maxRecordBytes, out _, out var size, out _);
            if (status == WalDecodeStatus.Ok)
            {
                return TailScan.ValidRecordFound;
            }

            if (status == WalDecodeStatus.Invalid && size > 0 && o + size <= bytes.Length)
            {
                work += size;
                if (work > MaxTornTailScanBytes)
                {
                    return TailScan.BudgetExceeded;
                }
            }
        }

        return TailScan.NothingValid;
    }

    private static string? RefuseTail(TailScan scan, string? error) => scan switch
    {
        TailScan.ValidRecordFound => $"{error}, and valid records follow: this is damage in committed data, not a torn write",
        TailScan.BudgetExceeded => $"{error}, and the {MaxTornTailScanBytes}-byte scan for valid records after it did not finish: the tail cannot be proven torn",
        _ => null,
    };

    private enum TailScan
    {
        NothingValid,
        ValidRecordFound,
        BudgetExceeded,
    }

    // DataEnd: where the records end (a zero tail after it is preallocated space, kept for the next appends).
    private sealed record ParsedSegment(SegmentHeader Header, List<(WalRecord Record, long Offset)> Records, long? TornAt, string? TornReason, long DataEnd);
}

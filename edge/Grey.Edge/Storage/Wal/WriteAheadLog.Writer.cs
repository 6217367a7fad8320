using Grey.Edge.Storage.Files;
using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <content>The background writer: group commit, segment rolls, compaction and resets. Only it touches the files.</content>
internal sealed partial class WriteAheadLog
{
    private static readonly int StartRecordsSize = SegmentHeader.Size + WalRecordCodec.MarkerSize + WalRecordCodec.HardStateSize;

    // Writer state: what is written to the files so far. Only the writer task (or Open, before it starts) uses it.
    private ulong nextSequence;
    private ulong writerFloor;
    private ulong writerFloorTerm;
    private ulong writerLast;
    private HardState writerHardState;
    private IFileHandle? current;
    private long currentLength;

    // The current segment's file length: its data and the zero-filled space after it (WalOptions.PreallocateBytes).
    private long currentAllocated;
    private bool currentDirty;
    private bool currentHasData;

    private async Task WriteLoopAsync()
    {
        var batch = new List<Operation>();
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            TakeBatch(batch);
            ProcessBatch(batch);
        }
    }

    private void TakeBatch(List<Operation> batch)
    {
        batch.Clear();
        while (batch.Count < options.MaxPendingOperations && queue.Reader.TryRead(out var op))
        {
            batch.Add(op);
        }
    }

    // Writes one batch and completes its operations: every append of the batch shares one fsync.
    private void ProcessBatch(List<Operation> batch)
    {
        if (failure is not null)
        {
            FailAll(batch);
            return;
        }

        try
        {
            var sync = false;
            foreach (var op in batch)
            {
                switch (op)
                {
                    case AppendOperation append:
                        WriteAppend(append);
                        sync |= append.Sync;
                        break;
                    case MarkerOperation { Type: WalRecordType.Compacted } compact:
                        WriteCompaction(compact);
                        break;
                    case MarkerOperation reset:
                        WriteReset(reset);
                        break;
                }
            }

            // One fsync for every operation of the batch: this is the group commit.
            if (sync && currentDirty)
            {
                SyncCurrent();
            }

            Interlocked.Increment(ref groupCount);
            Interlocked.Add(ref operationCount, batch.Count);
            foreach (var op in batch)
            {
                op.Completion.TrySetResult();
                slots.Release();
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            FailAll(batch);
        }
    }

    private void FailAll(List<Operation> batch)
    {
        var cause = failure!;
        foreach (var op in batch)
        {
            op.Completion.TrySetException(new WalFailedException($"WAL write failed; nothing of this operation is acknowledged: {cause.Message}", cause));
            slots.Release();
        }
    }

    private void WriteAppend(AppendOperation op)
    {
        var start = 0;
        var previous = 0;
        for (var r = 0; r < op.RecordEnds.Length; r++)
        {
            var length = op.RecordEnds[r] - previous;
            var buffered = previous - start;
            if (currentLength + buffered + length > options.SegmentBytes && (currentHasData || buffered > 0))
            {
                WriteToCurrent(op.Buffer.AsSpan(start, buffered));
                Roll(WalRecordType.Compacted);
                start = previous;
            }

            if (op.RecordIndexes[r] != 0)
            {
                writerLast = op.RecordIndexes[r];
            }
            else
            {
                writerHardState = op.HardState!.Value;
            }

            previous = op.RecordEnds[r];
        }

        WriteToCurrent(op.Buffer.AsSpan(start, previous - start));
    }

    private void WriteCompaction(MarkerOperation op)
    {
        var record = new byte[WalRecordCodec.MarkerSize];
        WalRecordCodec.WriteMarker(record, WalRecordType.Compacted, op.Index, op.Term);
        if (currentLength + record.Length > options.SegmentBytes && currentHasData)
        {
            Roll(WalRecordType.Compacted);
        }

        WriteToCurrent(record);
        writerFloor = op.Index;
        writerFloorTerm = op.Term;

        // The marker must be durable before any segment it makes unnecessary is deleted.
        SyncCurrent();
        DeleteSegmentsBefore(LastSegmentStartingAtOrBelow(writerFloor + 1));
    }

    private void WriteReset(MarkerOperation op)
    {
        writerHardState = op.HardState!.Value;
        writerFloor = op.Index;
        writerFloorTerm = op.Term;
        writerLast = op.Index;
        Roll(WalRecordType.SnapshotReset);
        DeleteSegmentsBefore(segments.Count - 1);
    }

    private int LastSegmentStartingAtOrBelow(ulong index)
    {
        var found = 0;
        for (var k = 0; k < segments.Count; k++)
        {
            if (segments[k].FirstIndex <= index)
            {
                found = k;
            }
        }

        return found;
    }

    // Deletes the oldest segments, one at a time with a directory fsync after each, so that whatever a crash
    // leaves is a contiguous run of segments (never a hole in the sequence).
    private void DeleteSegmentsBefore(int keepFrom)
    {
        for (var j = 0; j < keepFrom; j++)
        {
            fileSystem.Delete(segments[0].Path);
            fileSystem.SyncDirectory(directory);
            lock (gate)
            {
                segments.RemoveAt(0);
            }
        }
    }

    private void WriteToCurrent(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        current!.Write(currentLength, bytes);
        currentLength += bytes.Length;
        currentDirty = true;
        currentHasData = true;
        if (currentLength > currentAllocated)
        {
            currentAllocated = currentLength;
        }

        if (currentAllocated - currentLength < options.PreallocateBytes / 2)
        {
            Preallocate();
        }
    }

    private static readonly byte[] Zeros = new byte[64 * 1024];

    // Zero-fills the current segment up to PreallocateBytes past its data (at most to SegmentBytes). Written, not
    // fallocated: an fallocated range is "unwritten" on ext4, and the first write into it changes allocation
    // metadata, which is what preallocating is meant to take out of each group commit's sync.
    private void Preallocate()
    {
        var target = Math.Min(currentLength + options.PreallocateBytes, (long)options.SegmentBytes);
        while (currentAllocated < target)
        {
            var n = (int)Math.Min(Zeros.Length, target - currentAllocated);
            current!.Write(currentAllocated, Zeros.AsSpan(0, n));
            currentAllocated += n;
            currentDirty = true;
        }
    }

    private void SyncCurrent()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        current!.Flush();
        Interlocked.Add(ref fsyncTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        Interlocked.Increment(ref fsyncCount);
        currentDirty = false;
    }

    private void CreateFirstSegment() => Roll(WalRecordType.Compacted);

    private void OpenLastSegment(long length)
    {
        current = fileSystem.Open(segments[^1].Path, createNew: false);
        currentLength = length;
        currentAllocated = Math.Max(length, current.Length);
        currentHasData = length > StartRecordsSize;
    }

    // Closes the current segment (fsynced) and starts the next one with its start records: the snapshot
    // marker (the compaction floor, or the reset) and the hard state, so that deleting older segments never
    // loses the latest hard state. The new file and its directory entry are fsynced before anything is
    // written after them.
    private void Roll(WalRecordType startMarker)
    {
        if (current is not null)
        {
            // Only the last segment may end in preallocated zeros: recovery refuses anything but records in the others.
            if (currentAllocated > currentLength)
            {
                current.SetLength(currentLength);
                currentAllocated = currentLength;
                currentDirty = true;
            }

            if (currentDirty)
            {
                SyncCurrent();
            }

            current.Dispose();
            current = null;
        }

        var header = new SegmentHeader(nextSequence, writerLast + 1, time.GetUtcNow().ToUnixTimeMilliseconds());
        var buffer = new byte[StartRecordsSize];
        header.Write(buffer);
        var at = SegmentHeader.Size;
        at += WalRecordCodec.WriteMarker(buffer.AsSpan(at), startMarker, writerFloor, writerFloorTerm);
        WalRecordCodec.WriteHardState(buffer.AsSpan(at), writerHardState);

        var path = Path.Combine(directory, header.FileName);
        current = fileSystem.Open(path, createNew: true);
        current.Write(0, buffer);
        currentLength = buffer.Length;
        currentAllocated = buffer.Length;
        currentHasData = false;
        Preallocate();
        SyncCurrent();
        fileSystem.SyncDirectory(directory);
        lock (gate)
        {
            segments.Add(new WalSegmentInfo(header.Sequence, header.FirstIndex, DateTimeOffset.FromUnixTimeMilliseconds(header.CreatedUnixMs), path));
        }

        nextSequence++;
    }
}

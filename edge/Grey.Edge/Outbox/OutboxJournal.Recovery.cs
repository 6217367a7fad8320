using System.Buffers.Binary;

namespace Grey.Edge.Outbox;

/// <summary>Opening the journal: the same discipline as the WAL (torn tail of the newest segment cut, other damage refused).</summary>
internal sealed partial class OutboxJournal
{
    private void Recover()
    {
        fs.CreateDirectory(directory);
        var names = new List<(long Seq, string Name)>();
        foreach (var name in fs.ListFiles(directory))
        {
            if (JournalFormat.TryParseName(name, out var seq))
            {
                names.Add((seq, name));
            }
        }

        names.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        for (var i = 0; i < names.Count; i++)
        {
            var (seq, name) = names[i];
            nextSeq = Math.Max(nextSeq, seq + 1);
            var path = Path.Combine(directory, name);
            var bytes = ReadAll(path);
            var newest = i == names.Count - 1;
            if (!JournalFormat.TryDecodeHeader(bytes, out var folded, out var baseIndex, out var baseChain, out var headerError))
            {
                if (newest && bytes.Length < JournalFormat.HeaderBytes)
                {
                    // A segment created just before a crash, its header not yet on disk.
                    TornBytesCut += bytes.Length;
                    fs.Delete(path);
                    fs.SyncDirectory(directory);
                    continue;
                }

                throw new OutboxJournalCorruptException(path, 0, headerError);
            }

            if (folded)
            {
                records.Clear();
                retainedBytes = 0;
                foldThrough = Math.Max(foldThrough, baseIndex);
                lowIndex = baseIndex;
                lowChain = baseChain;
                tailIndex = baseIndex;
                tailChain = baseChain;
            }
            else if (tailChain is null)
            {
                lowIndex = baseIndex;
                lowChain = baseChain;
                tailIndex = baseIndex;
                tailChain = baseChain;
            }
            else if (baseIndex != tailIndex || !baseChain.AsSpan().SequenceEqual(tailChain))
            {
                throw new OutboxJournalCorruptException(path, 8, $"segment base {baseIndex} does not continue the previous segment's tail {tailIndex}");
            }

            var segment = new Segment(seq, path) { BaseIndex = baseIndex, LastIndex = baseIndex };
            var offset = ReadRecords(path, bytes, newest, segment);
            if (offset < bytes.Length)
            {
                TornBytesCut += bytes.Length - offset;
                using var cut = fs.Open(path, createNew: false);
                cut.SetLength(offset);
                cut.Flush();
            }

            segment.Length = offset;
            segments.Add(segment);
        }

        if (segments.Count > 0)
        {
            segments[^1].Handle = fs.Open(segments[^1].Path, createNew: false);
        }
    }

    private int ReadRecords(string path, byte[] bytes, bool newest, Segment segment)
    {
        var offset = JournalFormat.HeaderBytes;
        while (offset < bytes.Length)
        {
            var left = bytes.Length - offset;
            if (left < JournalFormat.RecordHeaderBytes)
            {
                return newest ? offset : throw new OutboxJournalCorruptException(path, offset, "a record header is cut short");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            if (length == 0 || length > MaxRecordBytes)
            {
                throw new OutboxJournalCorruptException(path, offset, $"record length {length} is out of range");
            }

            var end = (long)offset + JournalFormat.RecordHeaderBytes + length;
            if (end > bytes.Length)
            {
                // A record cut short by a crash: only the newest segment may end so.
                return newest ? offset : throw new OutboxJournalCorruptException(path, offset, "a record is cut short");
            }

            var payload = bytes.AsMemory(offset + JournalFormat.RecordHeaderBytes, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4)) != Storage.Wal.Crc32C.Compute(payload.Span))
            {
                if (newest && end == bytes.Length)
                {
                    // The last write of the newest segment, torn: cut it (the log replays it).
                    return offset;
                }

                throw new OutboxJournalCorruptException(path, offset, "record checksum mismatch");
            }

            if (!JournalFormat.TryDecodePayload(payload, out var record, out var error))
            {
                throw new OutboxJournalCorruptException(path, offset, error);
            }

            if (record.Index <= tailIndex || !record.ChainBefore.AsSpan().SequenceEqual(tailChain))
            {
                throw new OutboxJournalCorruptException(path, offset, $"record {record.Index} does not continue the chain after {tailIndex}");
            }

            records.Add(record);
            retainedBytes += record.Bytes;
            tailIndex = record.Index;
            tailChain = record.ChainAfter;
            segment.LastIndex = record.Index;
            offset = (int)end;
        }

        return offset;
    }

    private byte[] ReadAll(string path)
    {
        using var handle = fs.OpenRead(path);
        var length = handle.Length;
        // Bounded by the largest segment any configuration can write (a smaller SegmentBytes now must still read
        // the segments an earlier run wrote).
        if (length > OutboxJournalOptions.MaxSegmentBytes + MaxRecordBytes + JournalFormat.HeaderBytes + JournalFormat.RecordHeaderBytes)
        {
            throw new OutboxJournalCorruptException(path, length, "segment larger than a segment can grow");
        }

        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = handle.Read(read, bytes.AsSpan(read));
            if (n <= 0)
            {
                throw new OutboxJournalCorruptException(path, read, "file shorter than its length");
            }

            read += n;
        }

        return bytes;
    }
}

namespace Grey.Simulation.Disk;

/// <summary>
/// One node's disk as an append-only file: writes land in a volatile page cache and become durable only
/// at <see cref="Sync"/>. <see cref="Crash"/> models a power cut: everything not yet synced is lost, except
/// that the first unsynced write may survive torn (a prefix of it, or its full length with part of it
/// garbled), which recovery must detect and cut.
/// </summary>
internal sealed class SimulatedDisk
{
    /// <summary>
    /// The largest file the disk holds. The simulator's logs stay far below it; reaching it means a
    /// runaway writer, so a write beyond it throws.
    /// </summary>
    public const int MaxBytes = 256 << 20;

    private byte[] data = new byte[4096];
    private int length;
    private int syncedLength;
    private int firstUnsyncedWriteEnd;

    /// <summary>Bytes written, synced or not.</summary>
    public int Length => length;

    /// <summary>Bytes that survive a crash.</summary>
    public int SyncedLength => syncedLength;

    /// <summary>Completed syncs.</summary>
    public long Syncs { get; private set; }

    /// <summary>Crashes that left a torn write behind.</summary>
    public long TornWrites { get; private set; }

    /// <summary>Appends bytes to the page cache (not durable until <see cref="Sync"/>).</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if ((long)length + bytes.Length > MaxBytes)
        {
            throw new InvalidOperationException($"simulated disk full: {length} + {bytes.Length} bytes exceed {MaxBytes}");
        }

        EnsureCapacity(length + bytes.Length);
        bytes.CopyTo(data.AsSpan(length));
        length += bytes.Length;
        if (firstUnsyncedWriteEnd <= syncedLength)
        {
            firstUnsyncedWriteEnd = length;
        }
    }

    /// <summary>Makes every byte written so far durable (fsync).</summary>
    public void Sync()
    {
        syncedLength = length;
        firstUnsyncedWriteEnd = length;
        Syncs++;
    }

    /// <summary>Cuts the file to <paramref name="newLength"/> bytes durably (recovery cutting a torn tail).</summary>
    public void Truncate(int newLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newLength, length);
        length = newLength;
        syncedLength = newLength;
        firstUnsyncedWriteEnd = newLength;
    }

    /// <summary>
    /// Power cut: keeps the synced bytes; with probability <paramref name="tornProbability"/> also keeps a
    /// torn version of the first unsynced write (a strict prefix, or its whole length with garbled bytes).
    /// Returns the number of unsynced bytes lost.
    /// </summary>
    public int Crash(Random random, double tornProbability)
    {
        ArgumentNullException.ThrowIfNull(random);
        int unsynced = length - syncedLength;
        int keep = 0;
        if (unsynced > 0 && random.NextDouble() < tornProbability)
        {
            int firstWrite = firstUnsyncedWriteEnd - syncedLength;
            if (random.Next(2) == 0)
            {
                keep = random.Next(1, Math.Max(2, firstWrite));
                keep = Math.Min(keep, firstWrite);
            }
            else
            {
                // A write that reached its full length but whose sectors were only partly written: garble
                // some bytes after a random point, as a torn sector would.
                keep = firstWrite;
                int from = syncedLength + random.Next(firstWrite);
                for (int i = from; i < syncedLength + keep; i++)
                {
                    if (random.Next(4) == 0)
                    {
                        data[i] ^= (byte)random.Next(1, 256);
                    }
                }

                data[from] ^= 0x5A;
            }

            TornWrites++;
        }

        length = syncedLength + keep;
        firstUnsyncedWriteEnd = length;
        return unsynced - keep;
    }

    /// <summary>The file's content as a reader after a restart sees it.</summary>
    public ReadOnlySpan<byte> Read() => data.AsSpan(0, length);

    private void EnsureCapacity(int needed)
    {
        if (needed > data.Length)
        {
            Array.Resize(ref data, Math.Max(needed, Math.Min(MaxBytes, data.Length * 2)));
        }
    }
}

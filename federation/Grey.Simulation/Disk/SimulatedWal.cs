using System.Buffers.Binary;

namespace Grey.Simulation.Disk;

/// <summary>
/// A write-ahead log of opaque records on a <see cref="SimulatedDisk"/>. Each record is framed as
/// <c>[u32 length][u32 CRC-32C of length and payload][payload]</c>, little-endian. Recovery reads whole
/// records up to the first frame that is incomplete or fails its checksum, and cuts the file there: after
/// a crash the tail may hold a torn write, and a record after it would not be trustworthy either.
/// </summary>
internal sealed class SimulatedWal
{
    /// <summary>The largest payload of one record; larger appends are misuse and throw.</summary>
    public const int MaxRecordBytes = 16 << 20;

    /// <summary>Bytes of framing in front of each payload.</summary>
    public const int HeaderBytes = 8;

    public SimulatedWal(SimulatedDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        Disk = disk;
    }

    /// <summary>The disk under the log.</summary>
    public SimulatedDisk Disk { get; }

    /// <summary>Appends one record to the page cache; durable only after <see cref="Sync"/>.</summary>
    public void Append(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0 || payload.Length > MaxRecordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"a record holds 1 to {MaxRecordBytes} bytes");
        }

        var frame = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Checksum(frame));
        Disk.Write(frame);
    }

    /// <summary>Makes every appended record durable.</summary>
    public void Sync() => Disk.Sync();

    /// <summary>Reads the whole records and cuts any torn or garbled tail from the disk.</summary>
    public WalRecovery Recover()
    {
        var recovery = Scan();
        if (recovery.CutBytes > 0)
        {
            Disk.Truncate(Disk.Length - recovery.CutBytes);
        }

        return recovery;
    }

    /// <summary>Reads the whole records, as <see cref="Recover"/> does, without changing the disk.</summary>
    public WalRecovery Scan()
    {
        ReadOnlySpan<byte> bytes = Disk.Read();
        var records = new List<byte[]>();
        int offset = 0;
        string? reason = null;
        while (offset < bytes.Length)
        {
            int remaining = bytes.Length - offset;
            if (remaining < HeaderBytes)
            {
                reason = $"torn header: {remaining} bytes at offset {offset}";
                break;
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            if (length == 0 || length > MaxRecordBytes)
            {
                reason = $"invalid record length {length} at offset {offset}";
                break;
            }

            if (length > (uint)(remaining - HeaderBytes))
            {
                reason = $"torn record: {length} bytes declared, {remaining - HeaderBytes} present at offset {offset}";
                break;
            }

            ReadOnlySpan<byte> frame = bytes.Slice(offset, HeaderBytes + (int)length);
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
            if (stored != Checksum(frame))
            {
                reason = $"checksum mismatch at offset {offset}";
                break;
            }

            records.Add(frame[HeaderBytes..].ToArray());
            offset += frame.Length;
        }

        return new WalRecovery(records, bytes.Length - offset, reason);
    }

    private static uint Checksum(ReadOnlySpan<byte> frame)
    {
        // The checksum covers the length field too, so a garbled length is caught even when the bytes it
        // then points at happen to exist.
        return Crc32C.Append(Crc32C.Compute(frame[..4]), frame[HeaderBytes..]);
    }
}

using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Grey.Region.Storage;

/// <summary>
/// The byte layout of the region store's files (docs/REGION.md, "Store format"). Little-endian integers,
/// CRC-32C checksums. Pure functions over byte arrays.
/// </summary>
internal static class StoreFormat
{
    /// <summary>Segment header: magic, version, reserved, first sequence number, CRC of the first 16 bytes.</summary>
    public const int SegmentHeaderBytes = 20;

    /// <summary>Record header: CRC, body length, type, sequence number.</summary>
    public const int RecordHeaderBytes = 17;

    /// <summary>Checkpoint header: magic, version, reserved, sequence number, state length.</summary>
    public const int CheckpointHeaderBytes = 20;

    /// <summary>The only record type so far: an accepted signed site delta.</summary>
    public const byte SiteDeltaRecord = 1;

    /// <summary>Format version of segments and checkpoints.</summary>
    public const ushort Version = 1;

    /// <summary>
    /// Largest record body: a signed delta at the federation's envelope limit plus its signer's site and
    /// certificate. Anything larger is damage, not a record.
    /// </summary>
    public const int MaxRecordBody = Grey.Federation.FederationLimits.MaxEnvelopeBytes + MaxCertificateBytes + 512;

    /// <summary>Largest delta-signing certificate kept in a record.</summary>
    public const int MaxCertificateBytes = 16 * 1024;

    /// <summary>Largest checkpoint state: the federation's limit on an encoded region state.</summary>
    public const int MaxCheckpointState = Grey.Federation.FederationLimits.MaxRegionStateBytes;

    private static ReadOnlySpan<byte> SegmentMagic => "GRLG"u8;

    private static ReadOnlySpan<byte> CheckpointMagic => "GRCK"u8;

    public static string SegmentName(ulong firstSequence) => $"log-{firstSequence:x16}.grl";

    public static string CheckpointName(ulong sequence) => $"ckpt-{sequence:x16}.grc";

    public static bool TryParseName(string name, string prefix, string suffix, out ulong value)
    {
        value = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal)
            && name.Length == prefix.Length + 16 + suffix.Length
            && ulong.TryParse(name.AsSpan(prefix.Length, 16), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
    }

    public static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32(Crc32ParameterSet.Crc32C);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt32();
    }

    public static byte[] SegmentHeader(ulong firstSequence)
    {
        byte[] h = new byte[SegmentHeaderBytes];
        SegmentMagic.CopyTo(h);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), firstSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), Crc(h.AsSpan(0, 16)));
        return h;
    }

    /// <summary>Reads a segment header; null with a reason when it is bad.</summary>
    public static string? CheckSegmentHeader(ReadOnlySpan<byte> file, ulong expectedFirst)
    {
        if (file.Length < SegmentHeaderBytes)
        {
            return "segment header incomplete";
        }

        if (!file[..4].SequenceEqual(SegmentMagic))
        {
            return "no GRLG magic";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(file[16..]) != Crc(file[..16]))
        {
            return "segment header checksum mismatch";
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[4..]);
        if (version != Version)
        {
            return $"segment format version {version} not supported (expected {Version})";
        }

        ulong first = BinaryPrimitives.ReadUInt64LittleEndian(file[8..]);
        return first != expectedFirst ? $"segment header names first sequence {first}, the file name {expectedFirst}" : null;
    }

    public static byte[] EncodeDeltaRecord(LoggedDelta d)
    {
        byte[] head = EncodeDeltaRecordHead(d.Sequence, d.SignerSite, d.Certificate, d.Wire);
        return [.. head, .. d.Wire];
    }

    /// <summary>
    /// A delta record without its wire bytes, which follow it in the file: the CRC at its start already covers them. The
    /// store writes the two parts one after the other, so a delta of up to 1 MiB is not copied into a record first.
    /// </summary>
    public static byte[] EncodeDeltaRecordHead(ulong sequence, string signerSite, ReadOnlySpan<byte> certificate, ReadOnlySpan<byte> wire)
    {
        byte[] site = Encoding.UTF8.GetBytes(signerSite);
        if (site.Length > byte.MaxValue || certificate.Length > MaxCertificateBytes)
        {
            throw new ArgumentException("signer site or certificate beyond the record limits", nameof(signerSite));
        }

        int body = 1 + site.Length + 2 + certificate.Length + 4 + wire.Length;
        if (body > MaxRecordBody)
        {
            throw new ArgumentException($"record body {body} bytes beyond {MaxRecordBody}", nameof(wire));
        }

        byte[] r = new byte[RecordHeaderBytes + body - wire.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(4), (uint)body);
        r[8] = SiteDeltaRecord;
        BinaryPrimitives.WriteUInt64LittleEndian(r.AsSpan(9), sequence);
        int o = RecordHeaderBytes;
        r[o++] = (byte)site.Length;
        site.CopyTo(r.AsSpan(o));
        o += site.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(o), (ushort)certificate.Length);
        o += 2;
        certificate.CopyTo(r.AsSpan(o));
        o += certificate.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(o), (uint)wire.Length);
        var crc = new Crc32(Crc32ParameterSet.Crc32C);
        crc.Append(r.AsSpan(4));
        crc.Append(wire);
        BinaryPrimitives.WriteUInt32LittleEndian(r, crc.GetCurrentHashAsUInt32());
        return r;
    }

    /// <summary>What reading one record found.</summary>
    public enum ReadStatus
    {
        Record,
        End,
        Torn,
        Corrupt,
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/>. A record that fails its checksum or is cut short is
    /// <see cref="ReadStatus.Torn"/> when it reaches the end of the file (or only zeros follow): the last
    /// write of a crash. With intact bytes after it, it is <see cref="ReadStatus.Corrupt"/>.
    /// </summary>
    public static ReadStatus ReadRecord(ReadOnlySpan<byte> file, int offset, out LoggedDelta? record, out int next, out string problem)
    {
        record = null;
        next = offset;
        problem = string.Empty;
        ReadOnlySpan<byte> rest = file[offset..];
        if (rest.Length == 0)
        {
            return ReadStatus.End;
        }

        if (rest.IndexOfAnyExcept((byte)0) < 0)
        {
            problem = "zero-filled tail";
            return ReadStatus.Torn;
        }

        if (rest.Length < RecordHeaderBytes)
        {
            problem = "record header cut short";
            return ReadStatus.Torn;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
        long extent = RecordHeaderBytes + (long)length;
        if (extent > rest.Length)
        {
            problem = $"record of {length} bytes runs past the end of the file";
            return ReadStatus.Torn;
        }

        ReadOnlySpan<byte> whole = rest[..(int)extent];
        if (BinaryPrimitives.ReadUInt32LittleEndian(whole) != Crc(whole[4..]))
        {
            problem = "record checksum mismatch";
            return extent == rest.Length ? ReadStatus.Torn : ReadStatus.Corrupt;
        }

        if (length > MaxRecordBody || whole[8] != SiteDeltaRecord)
        {
            problem = $"record type {whole[8]} or length {length} not valid";
            return ReadStatus.Corrupt;
        }

        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(whole[9..]);
        ReadOnlySpan<byte> b = whole[RecordHeaderBytes..];
        try
        {
            int siteLength = b[0];
            string site = Encoding.UTF8.GetString(b.Slice(1, siteLength));
            int o = 1 + siteLength;
            int certLength = BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
            byte[] cert = b.Slice(o + 2, certLength).ToArray();
            o += 2 + certLength;
            int wireLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(b[o..]));
            byte[] wire = b.Slice(o + 4, wireLength).ToArray();
            if (o + 4 + wireLength != b.Length)
            {
                problem = "record body has trailing bytes";
                return ReadStatus.Corrupt;
            }

            record = new LoggedDelta(seq, site, cert, wire);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            problem = "record body fields overrun the record";
            return ReadStatus.Corrupt;
        }

        next = offset + (int)extent;
        return ReadStatus.Record;
    }

    public static byte[] EncodeCheckpoint(ulong sequence, ReadOnlySpan<byte> state)
    {
        byte[] c = new byte[CheckpointHeaderBytes + state.Length + 4];
        CheckpointMagic.CopyTo(c);
        BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(8), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(16), (uint)state.Length);
        state.CopyTo(c.AsSpan(CheckpointHeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(c.Length - 4), Crc(c.AsSpan(0, c.Length - 4)));
        return c;
    }

    /// <summary>Decodes a checkpoint; null with a problem when it is damaged.</summary>
    public static byte[]? DecodeCheckpoint(ReadOnlySpan<byte> c, ulong expectedSequence, out string problem)
    {
        problem = string.Empty;
        if (c.Length < CheckpointHeaderBytes + 4 || !c[..4].SequenceEqual(CheckpointMagic))
        {
            problem = "no GRCK header";
            return null;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(c[^4..]) != Crc(c[..^4]))
        {
            problem = "checkpoint checksum mismatch";
            return null;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(c[4..]);
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(c[8..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(c[16..]);
        if (version != Version || seq != expectedSequence || length != c.Length - CheckpointHeaderBytes - 4)
        {
            problem = $"checkpoint header invalid (version {version}, sequence {seq}, length {length})";
            return null;
        }

        return c.Slice(CheckpointHeaderBytes, (int)length).ToArray();
    }
}

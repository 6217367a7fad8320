using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Region.Registry;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Region.Daemon.Persistence;

/// <summary>
/// What the node registry needs after a restart, in <c>registry.log</c> under the data directory: enrolments (node,
/// site, delta-signing certificate), the latest signed attestation result of each node (checked again, expiry
/// included, when replayed, so a region restart does not make every node re-attest before its deltas merge),
/// admin revocations (final), and the revocation-notice issuer's last sequence number (never reused). Each record
/// is fsynced before the change it describes is acted on. Records: u32 CRC-32C of the rest, u32 body length,
/// u8 type, body. A torn last record is cut; damage with intact data after it is refused
/// (<see cref="InvalidDataException"/>); the file is rewritten compactly when it holds far more records than live facts.
/// </summary>
internal sealed class RegistryJournal : IDisposable
{
    /// <summary>The file name.</summary>
    public const string FileName = "registry.log";

    /// <summary>Largest record body (a certificate, an attestation result envelope and ids fit well within it).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The journal is rewritten when it holds more records than this many per live fact (plus <see cref="CompactSlack"/>).</summary>
    public const int CompactFactor = 4;

    /// <summary>Records always allowed beyond the live facts before a rewrite.</summary>
    public const int CompactSlack = 1024;

    private const byte TypeEnroll = 1;
    private const byte TypeResult = 2;
    private const byte TypeRevoke = 3;
    private const byte TypeIssuerSequence = 4;

    private readonly string _directory;
    private readonly Dictionary<string, (string Site, byte[] Certificate)> _enrolled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _results = new(StringComparer.Ordinal);
    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);
    private FileStream _file;
    private long _records;

    private RegistryJournal(string directory, FileStream file)
    {
        _directory = directory;
        _file = file;
    }

    /// <summary>The issuer's last revocation notice sequence number.</summary>
    public ulong IssuerSequence { get; private set; }

    /// <summary>Bytes cut from a torn tail when opened.</summary>
    public long TornBytesCut { get; private set; }

    private string PathOf => Path.Combine(_directory, FileName);

    /// <summary>Opens (or creates) the journal and replays it into <paramref name="registry"/>.</summary>
    public static RegistryJournal Open(string directory, NodeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        string path = Path.Combine(directory, FileName);
        byte[] bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        var journal = new RegistryJournal(directory, new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read));
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (!TryRead(bytes, offset, out byte type, out ReadOnlySpan<byte> body, out int size))
            {
                if (!IsTornTail(bytes, offset))
                {
                    // Damage with intact bytes after it is not a torn write: refuse rather than forget a revocation.
                    journal.Dispose();
                    throw new InvalidDataException($"{path}: damaged record at offset {offset} with data after it");
                }

                break;
            }

            try
            {
                journal.Apply(type, body.ToArray());
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidDataException)
            {
                journal.Dispose();
                throw new InvalidDataException($"{path}: record at offset {offset} does not decode: {e.Message}", e);
            }

            journal._records++;
            offset += size;
        }

        if (offset < bytes.Length)
        {
            // A record cut short, or failing its checksum as the last one, or zeros: a write that never became
            // durable. The change it described was never acted on (records are fsynced first), so cutting it loses nothing.
            journal.TornBytesCut = bytes.Length - offset;
            journal._file.SetLength(offset);
            journal._file.Flush(flushToDisk: true);
        }

        journal._file.Seek(0, SeekOrigin.End);
        try
        {
            journal.ReplayInto(registry);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            journal.Dispose();
            throw new InvalidDataException($"{path}: an enrolment's certificate does not decode: {e.Message}", e);
        }

        return journal;
    }

    /// <summary>Records an enrolment (before the registry is told).</summary>
    public void Enrolled(string nodeId, string site, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Append(TypeEnroll, Join(nodeId, site, certificate.RawData));
    }

    /// <summary>Records a node's accepted attestation result.</summary>
    public void Attested(string nodeId, AttestationEnvelope result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Append(TypeResult, Join(nodeId, result.ToBytes()));
    }

    /// <summary>Records an admin revocation (before the registry is told).</summary>
    public void Revoked(string nodeId) => Append(TypeRevoke, Encoding.UTF8.GetBytes(nodeId));

    /// <summary>Records the revocation notice issuer's sequence number (before the notice is sent).</summary>
    public void IssuedSequence(ulong sequence)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(body, sequence);
        Append(TypeIssuerSequence, body);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    /// <summary>Whether the bad record at <paramref name="offset"/> is a torn last write (cut short, the last record, or zeros to the end).</summary>
    private static bool IsTornTail(byte[] bytes, int offset)
    {
        int remaining = bytes.Length - offset;
        if (remaining < 9 || bytes.AsSpan(offset).IndexOfAnyExcept((byte)0) < 0)
        {
            return true;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        return length >= 0 && length <= MaxBodyBytes && 9 + length >= remaining;
    }

    private static bool TryRead(byte[] bytes, int offset, out byte type, out ReadOnlySpan<byte> body, out int size)
    {
        type = 0;
        body = default;
        size = 0;
        if (bytes.Length - offset < 9)
        {
            return false;
        }

        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        if (length < 0 || length > MaxBodyBytes || bytes.Length - offset - 9 < length)
        {
            return false;
        }

        if (Crc32C(bytes.AsSpan(offset + 4, 5 + length)) != crc)
        {
            return false;
        }

        type = bytes[offset + 8];
        body = bytes.AsSpan(offset + 9, length);
        size = 9 + length;
        return true;
    }

    private static uint Crc32C(ReadOnlySpan<byte> data) => Grey.Region.Storage.StoreFormat.Crc(data);

    private static byte[] Join(params object[] parts)
    {
        using var ms = new MemoryStream();
        Span<byte> len = stackalloc byte[4];
        foreach (object part in parts)
        {
            byte[] b = part as byte[] ?? Encoding.UTF8.GetBytes((string)part);
            BinaryPrimitives.WriteInt32LittleEndian(len, b.Length);
            ms.Write(len);
            ms.Write(b);
        }

        return ms.ToArray();
    }

    private static List<byte[]> Split(byte[] body, int expected)
    {
        var parts = new List<byte[]>();
        int offset = 0;
        while (offset < body.Length)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(offset));
            if (length < 0 || length > body.Length - offset - 4)
            {
                throw new InvalidDataException($"field length {length} runs past the record");
            }

            parts.Add(body.AsSpan(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        return parts.Count == expected ? parts : throw new InvalidDataException($"{parts.Count} fields, expected {expected}");
    }

    private void Apply(byte type, byte[] body)
    {
        switch (type)
        {
            case TypeEnroll:
                List<byte[]> e = Split(body, 3);
                _enrolled[Encoding.UTF8.GetString(e[0])] = (Encoding.UTF8.GetString(e[1]), e[2]);
                break;
            case TypeResult:
                List<byte[]> r = Split(body, 2);
                _results[Encoding.UTF8.GetString(r[0])] = r[1];
                break;
            case TypeRevoke:
                _revoked.Add(Encoding.UTF8.GetString(body));
                break;
            case TypeIssuerSequence when body.Length == 8:
                IssuerSequence = Math.Max(IssuerSequence, BinaryPrimitives.ReadUInt64LittleEndian(body));
                break;
            default:
                throw new InvalidDataException($"{FileName}: record type {type} is unknown (a checksummed record of an unknown type: a newer format?)");
        }
    }

    private void ReplayInto(NodeRegistry registry)
    {
        foreach ((string node, (string site, byte[] der)) in _enrolled)
        {
            // A refusal here repeats one the live registry made too (the record is written before the registry is told).
            registry.Enroll(node, site, X509CertificateLoader.LoadCertificate(der));
        }

        foreach ((string node, byte[] wire) in _results)
        {
            // Results are checked again, expiry included: an expired one is simply not applied and the node re-attests.
            if (AttestationEnvelope.TryParse(wire, out AttestationEnvelope? envelope, out _))
            {
                registry.ApplyAttestationResult(node, envelope!);
            }
        }

        foreach (string node in _revoked)
        {
            registry.Revoke(node);
        }
    }

    private void Append(byte type, byte[] body)
    {
        if (body.Length > MaxBodyBytes)
        {
            throw new ArgumentException($"registry record of {body.Length} bytes exceeds {MaxBodyBytes}", nameof(body));
        }

        Apply(type, body);
        _file.Write(Record(type, body));
        _file.Flush(flushToDisk: true);
        _records++;
        int live = _enrolled.Count + _results.Count + _revoked.Count + 1;
        if (_records > ((long)live * CompactFactor) + CompactSlack)
        {
            Compact();
        }
    }

    private static byte[] Record(byte type, byte[] body)
    {
        var record = new byte[9 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), body.Length);
        record[8] = type;
        body.CopyTo(record.AsSpan(9));
        BinaryPrimitives.WriteUInt32LittleEndian(record, Crc32C(record.AsSpan(4)));
        return record;
    }

    private void Compact()
    {
        string tmp = PathOf + ".tmp";
        long records = 0;
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            foreach ((string node, (string site, byte[] der)) in _enrolled)
            {
                stream.Write(Record(TypeEnroll, Join(node, site, der)));
                records++;
            }

            foreach ((string node, byte[] wire) in _results)
            {
                stream.Write(Record(TypeResult, Join(node, wire)));
                records++;
            }

            foreach (string node in _revoked)
            {
                stream.Write(Record(TypeRevoke, Encoding.UTF8.GetBytes(node)));
                records++;
            }

            var seq = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(seq, IssuerSequence);
            stream.Write(Record(TypeIssuerSequence, seq));
            stream.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(tmp, PathOf, overwrite: true);
        Grey.Region.Storage.DirectorySync.Sync(_directory);
        _file = new FileStream(PathOf, FileMode.Append, FileAccess.Write, FileShare.Read);
        _records = records + 1;
    }
}

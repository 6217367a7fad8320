using System.Buffers.Binary;
using Grey.Federation;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Region.Storage;

namespace Grey.Region.Daemon.Desired;

/// <summary>
/// Every desired-state change this region issued, in <c>desired.log</c> under the data directory, each fsynced before
/// the change is acted on (ledger, outbox, HTTP answer). Records: u32 CRC-32C of the rest, u32 body length, body = the
/// change's canonical bytes (<see cref="DesiredChange.Encode"/>, what is signed and digested; the envelope is signed
/// again at load, so a renewed region certificate is picked up). When opened, a bad record with no intact record
/// after it is a torn last write and is cut (its change was never acted on); a bad record with an intact one after it,
/// a change of another region, or a sequence that is not the site's next is refused with
/// <see cref="InvalidDataException"/> naming the file and offset, because issued changes must never be forgotten.
/// </summary>
internal sealed class DesiredJournal : IDisposable
{
    /// <summary>The file name.</summary>
    public const string FileName = "desired.log";

    /// <summary>Bytes of a record's header (checksum, length).</summary>
    public const int HeaderBytes = 8;

    /// <summary>Largest record body: a change with the largest value, key and ids fits well within it.</summary>
    public const int MaxBodyBytes = FederationLimits.MaxValueBytes + 1024;

    private readonly FileStream _file;

    private DesiredJournal(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    /// <summary>The journal's path.</summary>
    public string Path { get; }

    /// <summary>Bytes cut from a torn tail when opened.</summary>
    public long TornBytesCut { get; private set; }

    /// <summary>Records appended since opened, and read when opened.</summary>
    public long Records { get; private set; }

    /// <summary>
    /// Opens (or creates) the journal of <paramref name="region"/> in <paramref name="directory"/> and returns the
    /// changes it holds in file order (per site, sequences 1, 2, 3, ...).
    /// </summary>
    public static DesiredJournal Open(string directory, string region, out IReadOnlyList<DesiredChange> changes)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(region);
        string path = System.IO.Path.Combine(directory, FileName);
        bool existed = File.Exists(path);
        byte[] bytes = existed ? File.ReadAllBytes(path) : [];
        var loaded = new List<DesiredChange>();
        var next = new Dictionary<string, ulong>(StringComparer.Ordinal);
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (!TryRead(bytes, offset, out ReadOnlySpan<byte> body, out int size))
            {
                int intact = FindIntactRecord(bytes, offset + 1);
                if (intact >= 0)
                {
                    throw new InvalidDataException($"{path}: damaged record at offset {offset} with an intact record after it (at offset {intact}); issued changes cannot be dropped");
                }

                break;
            }

            DecodeResult<DesiredChange> decoded = DesiredChange.Decode(body.ToArray());
            if (!decoded.IsSuccess)
            {
                throw new InvalidDataException($"{path}: record at offset {offset} does not decode: {decoded.Error.Message}");
            }

            DesiredChange change = decoded.Value;
            if (change.Region != region)
            {
                throw new InvalidDataException($"{path}: record at offset {offset} is a change of region {change.Region}, this region is {region}");
            }

            ulong expected = next.GetValueOrDefault(change.Site, 1UL);
            if (change.Sequence != expected)
            {
                throw new InvalidDataException($"{path}: record at offset {offset} is change {change.Sequence} for site {change.Site}, expected {expected}");
            }

            next[change.Site] = expected + 1;
            loaded.Add(change);
            offset += size;
        }

        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        var journal = new DesiredJournal(file, path) { Records = loaded.Count };
        try
        {
            if (offset < bytes.Length)
            {
                // A record cut short, failing its checksum as the last one, or zeros: a write that never became durable,
                // so its change was never answered, published or put in the ledger. Cutting it loses nothing.
                journal.TornBytesCut = bytes.Length - offset;
                file.SetLength(offset);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            if (!existed)
            {
                DirectorySync.Sync(directory);
            }
        }
        catch
        {
            file.Dispose();
            throw;
        }

        changes = loaded;
        return journal;
    }

    /// <summary>Appends a change and fsyncs it; only then may the change be acted on.</summary>
    public void Append(DesiredChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _file.Write(Record(change.Encode()));
        _file.Flush(flushToDisk: true);
        Records++;
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    /// <summary>One framed record of <paramref name="body"/>.</summary>
    internal static byte[] Record(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            throw new ArgumentException($"desired record of {body.Length} bytes exceeds {MaxBodyBytes}", nameof(body));
        }

        var record = new byte[HeaderBytes + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), body.Length);
        body.CopyTo(record.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(record, StoreFormat.Crc(record.AsSpan(4)));
        return record;
    }

    private static int FindIntactRecord(byte[] bytes, int from)
    {
        for (int o = from; o <= bytes.Length - HeaderBytes; o++)
        {
            if (TryRead(bytes, o, out _, out _))
            {
                return o;
            }
        }

        return -1;
    }

    private static bool TryRead(byte[] bytes, int offset, out ReadOnlySpan<byte> body, out int size)
    {
        body = default;
        size = 0;
        if (bytes.Length - offset < HeaderBytes)
        {
            return false;
        }

        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        if (length <= 0 || length > MaxBodyBytes || bytes.Length - offset - HeaderBytes < length)
        {
            return false;
        }

        if (StoreFormat.Crc(bytes.AsSpan(offset + 4, 4 + length)) != crc)
        {
            return false;
        }

        body = bytes.AsSpan(offset + HeaderBytes, length);
        size = HeaderBytes + length;
        return true;
    }
}

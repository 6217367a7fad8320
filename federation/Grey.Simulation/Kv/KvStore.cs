using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Grey.Simulation.Kv;

/// <summary>
/// The replicated state machine each simulated node runs: key → 64-bit register, with write and
/// compare-and-set applied from committed log entries, and reads served locally once ReadIndex says the
/// node is up to date. It remembers each client's last applied sequence number and answer, so a command
/// that reaches the log twice is applied once.
/// </summary>
internal sealed class KvStore
{
    /// <summary>Most distinct keys; a workload beyond it is misconfigured, so an apply beyond it throws.</summary>
    public const int MaxKeys = 4096;

    /// <summary>Most client sessions remembered (one per client; the simulator runs a handful).</summary>
    public const int MaxSessions = 4096;

    private const byte SnapshotVersion = 1;

    private readonly SortedDictionary<string, long> values = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, (long Sequence, bool Ok)> sessions = [];

    /// <summary>Commands applied (duplicates excluded).</summary>
    public long Applied { get; private set; }

    /// <summary>Commands recognised as duplicates and not applied again.</summary>
    public long Duplicates { get; private set; }

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public long? Read(string key) => values.TryGetValue(key, out long v) ? v : null;

    /// <summary>Applies one committed command, or answers it from the session table when already applied.</summary>
    public KvResult Apply(KvCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (sessions.TryGetValue(command.Client, out var session) && command.Sequence <= session.Sequence)
        {
            Duplicates++;
            return new KvResult(command.Sequence == session.Sequence && session.Ok, Duplicate: true);
        }

        bool ok;
        if (command.Operation == KvOperation.Write)
        {
            ok = true;
        }
        else
        {
            ok = Read(command.Key) == command.Expected;
        }

        if (ok)
        {
            if (!values.ContainsKey(command.Key) && values.Count >= MaxKeys)
            {
                throw new InvalidOperationException($"kv store: more than {MaxKeys} keys");
            }

            values[command.Key] = command.Value;
        }

        if (!sessions.ContainsKey(command.Client) && sessions.Count >= MaxSessions)
        {
            throw new InvalidOperationException($"kv store: more than {MaxSessions} client sessions");
        }

        sessions[command.Client] = (command.Sequence, ok);
        Applied++;
        return new KvResult(ok, Duplicate: false);
    }

    /// <summary>The whole state (values and sessions) as bytes, in a canonical order.</summary>
    public byte[] Snapshot()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true))
        {
            writer.Write(SnapshotVersion);
            writer.Write(values.Count);
            foreach (var (key, value) in values)
            {
                writer.Write((byte)key.Length);
                writer.Write(Encoding.ASCII.GetBytes(key));
                writer.Write(value);
            }

            writer.Write(sessions.Count);
            foreach (var (client, (sequence, ok)) in sessions)
            {
                writer.Write(client);
                writer.Write(sequence);
                writer.Write(ok);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Replaces the state with a snapshot; on malformed bytes leaves the state untouched and says why.</summary>
    public bool TryRestore(ReadOnlySpan<byte> snapshot, [NotNullWhen(false)] out string? error)
    {
        var newValues = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var newSessions = new SortedDictionary<int, (long, bool)>();
        int o = 0;
        bool Need(int n, ReadOnlySpan<byte> s) => o + n <= s.Length;
        if (!Need(5, snapshot) || snapshot[0] != SnapshotVersion)
        {
            error = "kv snapshot: missing or unknown version";
            return false;
        }

        int keyCount = BinaryPrimitives.ReadInt32LittleEndian(snapshot[1..]);
        o = 5;
        if (keyCount < 0 || keyCount > MaxKeys)
        {
            error = $"kv snapshot: {keyCount} keys outside 0..{MaxKeys}";
            return false;
        }

        for (int i = 0; i < keyCount; i++)
        {
            if (!Need(1, snapshot))
            {
                error = "kv snapshot: truncated key";
                return false;
            }

            int length = snapshot[o++];
            if (length == 0 || length > KvCommand.MaxKeyBytes || !Need(length + 8, snapshot) || !Ascii.IsValid(snapshot.Slice(o, length)))
            {
                error = "kv snapshot: invalid key";
                return false;
            }

            string key = Encoding.ASCII.GetString(snapshot.Slice(o, length));
            o += length;
            if (!newValues.TryAdd(key, BinaryPrimitives.ReadInt64LittleEndian(snapshot[o..])))
            {
                error = $"kv snapshot: key '{key}' appears twice";
                return false;
            }

            o += 8;
        }

        if (!Need(4, snapshot))
        {
            error = "kv snapshot: truncated session count";
            return false;
        }

        int sessionCount = BinaryPrimitives.ReadInt32LittleEndian(snapshot[o..]);
        o += 4;
        if (sessionCount < 0 || sessionCount > MaxSessions)
        {
            error = $"kv snapshot: {sessionCount} sessions outside 0..{MaxSessions}";
            return false;
        }

        for (int i = 0; i < sessionCount; i++)
        {
            if (!Need(13, snapshot) || snapshot[o + 12] > 1)
            {
                error = "kv snapshot: invalid session";
                return false;
            }

            int client = BinaryPrimitives.ReadInt32LittleEndian(snapshot[o..]);
            if (!newSessions.TryAdd(client, (BinaryPrimitives.ReadInt64LittleEndian(snapshot[(o + 4)..]), snapshot[o + 12] == 1)))
            {
                error = $"kv snapshot: client {client} appears twice";
                return false;
            }

            o += 13;
        }

        if (o != snapshot.Length)
        {
            error = $"kv snapshot: {snapshot.Length - o} trailing bytes";
            return false;
        }

        values.Clear();
        foreach (var (k, v) in newValues)
        {
            values[k] = v;
        }

        sessions.Clear();
        foreach (var (c, s) in newSessions)
        {
            sessions[c] = s;
        }

        error = null;
        return true;
    }
}

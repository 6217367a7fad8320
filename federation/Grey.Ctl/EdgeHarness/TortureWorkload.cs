using System.Globalization;
using System.Text;
using Grey.Linearizability;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Concurrent clients on a few keys, each choosing a node, a key and an operation (write, read, or a
/// compare-and-set built from a read) from its own seeded random source, and recording every operation
/// as a <see cref="HistoryOperation"/> with call and return times from the injected monotonic clock.
/// Values are unique 64-bit integers written as decimal text, so every value names the one write that
/// produced it.
/// </summary>
/// <remarks>
/// The HTTP API compares revisions, the checker's register compares values. A compare-and-set is therefore
/// a read (value v, revision r) followed by <c>PUT If-Match: "r"</c> recorded as <c>cas v → w</c>: with
/// unique values and a revision that rises with every write of the key, "the key is at revision r" and "the
/// key holds v" are the same statement. After an operation with unknown outcome the client continues under
/// a new client id, as Jepsen does with a crashed process, because the unknown operation may still be
/// pending while the client's next one runs.
/// </remarks>
internal sealed class TortureWorkload
{
    /// <summary>The most operations recorded; past it clients stop issuing new ones.</summary>
    public const int MaxOperations = 200_000;

    private readonly EdgeCluster _cluster;
    private readonly EdgeKvClient _http1;
    private readonly EdgeKvClient _http2;
    private readonly TimeProvider _time;
    private readonly TortureOptions _options;
    private readonly List<HistoryOperation> _history = [];
    private readonly object _lock = new();
    private int _nextClientId;

    /// <summary>
    /// Clients with an even id speak HTTP/1.1 (<paramref name="http1"/>), odd ones HTTP/2 (<paramref name="http2"/>):
    /// the node's API port serves both, and both must keep every acknowledged write through the faults.
    /// </summary>
    public TortureWorkload(EdgeCluster cluster, EdgeKvClient http1, EdgeKvClient http2, TimeProvider time, TortureOptions options)
    {
        _cluster = cluster;
        _http1 = http1;
        _http2 = http2;
        _time = time;
        _options = options;
        _nextClientId = options.Clients;
    }

    /// <summary>The keys the clients use.</summary>
    public IReadOnlyList<string> Keys => Enumerable.Range(0, _options.Keys).Select(k => "torture/k" + k.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A copy of the operations recorded so far.</summary>
    public List<HistoryOperation> Snapshot()
    {
        lock (_lock)
        {
            return [.. _history];
        }
    }

    /// <summary>Runs every client until <paramref name="stop"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var clients = new Task[_options.Clients];
        for (int c = 0; c < clients.Length; c++)
        {
            int index = c;
            var random = new Random(unchecked((int)_options.Seed * 7919 + index));
            clients[c] = Task.Run(() => ClientLoopAsync(index, random, stop));
        }

        return Task.WhenAll(clients);
    }

    /// <summary>Reads <paramref name="key"/> once through <paramref name="node"/> and records it as client <paramref name="clientId"/>.</summary>
    public async Task<KvCallResult> RecordedReadAsync(int clientId, int node, string key, CancellationToken cancellationToken)
    {
        long call = _time.GetTimestamp();
        KvCallResult result = await Client(clientId).GetAsync(_cluster.ApiEndpoints[node], key, _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        long ret = _time.GetTimestamp();
        switch (result.Status)
        {
            case KvCallStatus.Ok when TryParseValue(result.Value, out long value):
                Record(new HistoryOperation(clientId, key, OperationKind.Read, null, null, value, true, call, ret));
                break;
            case KvCallStatus.Ok:
                // A value no client wrote: record it as read so the checker names it.
                Record(new HistoryOperation(clientId, key, OperationKind.Read, null, null, long.MinValue, true, call, ret));
                break;
            case KvCallStatus.NotFound:
                Record(new HistoryOperation(clientId, key, OperationKind.Read, null, null, null, true, call, ret));
                break;
        }

        return result;
    }

    /// <summary>Parses a value as the clients write it; false for anything else.</summary>
    public static bool TryParseValue(byte[]? bytes, out long value)
    {
        value = 0;
        return bytes is not null && bytes.Length is > 0 and <= 20
            && long.TryParse(Encoding.ASCII.GetString(bytes), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private async Task ClientLoopAsync(int index, Random random, CancellationToken stop)
    {
        int clientId = index;
        long sequence = 0;
        string[] keys = [.. Keys];
        while (!stop.IsCancellationRequested)
        {
            lock (_lock)
            {
                if (_history.Count >= MaxOperations)
                {
                    return;
                }
            }

            int node = random.Next(_cluster.Count);
            string key = keys[random.Next(keys.Length)];
            int dice = random.Next(100);
            bool unknown;
            try
            {
                // An operation, once called, runs to its answer or its own timeout and is always recorded:
                // cancelling it at the end of the run would leave a write that may have committed out of
                // the history (the first 60-round run found exactly that: a final value "no client wrote").
                if (dice < 40)
                {
                    unknown = await WriteAsync(clientId, node, key, NextValue(index, ref sequence), null, null).ConfigureAwait(false);
                }
                else if (dice < 70)
                {
                    KvCallResult read = await RecordedReadAsync(clientId, node, key, CancellationToken.None).ConfigureAwait(false);
                    unknown = read.Status == KvCallStatus.Unknown;
                }
                else
                {
                    KvCallResult read = await RecordedReadAsync(clientId, node, key, CancellationToken.None).ConfigureAwait(false);
                    unknown = read.Status == KvCallStatus.Unknown;
                    if (!unknown && read.Status == KvCallStatus.Ok && read.Revision > 0 && TryParseValue(read.Value, out long expected))
                    {
                        unknown = await WriteAsync(clientId, node, key, NextValue(index, ref sequence), expected, read.Revision).ConfigureAwait(false);
                    }
                }

                await Task.Delay(_options.ThinkTime, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (unknown)
            {
                clientId = Interlocked.Increment(ref _nextClientId);
            }
        }
    }

    private EdgeKvClient Client(int clientId) => clientId % 2 == 0 ? _http1 : _http2;

    private async Task<bool> WriteAsync(int clientId, int node, string key, long value, long? expected, long? revision)
    {
        byte[] body = Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));
        long call = _time.GetTimestamp();
        KvCallResult result = await Client(clientId).PutAsync(_cluster.ApiEndpoints[node], key, body, revision, _options.OperationTimeout, CancellationToken.None).ConfigureAwait(false);
        long ret = _time.GetTimestamp();
        OperationKind kind = expected is null ? OperationKind.Write : OperationKind.Cas;
        switch (result.Status)
        {
            case KvCallStatus.Ok:
                Record(new HistoryOperation(clientId, key, kind, value, expected, null, true, call, ret));
                return false;
            case KvCallStatus.PreconditionFailed when kind == OperationKind.Cas:
                Record(new HistoryOperation(clientId, key, kind, value, expected, null, false, call, ret));
                return false;
            case KvCallStatus.Failed or KvCallStatus.PreconditionFailed or KvCallStatus.NotFound:
                // Certainly no effect; a failed plain write constrains nothing and is not recorded.
                return false;
            default:
                Record(new HistoryOperation(clientId, key, kind, value, expected, null, true, call, null));
                return true;
        }
    }

    private static long NextValue(int client, ref long sequence)
    {
        sequence++;
        return ((long)(client + 1) << 40) | sequence;
    }

    private void Record(HistoryOperation operation)
    {
        lock (_lock)
        {
            _history.Add(operation);
        }
    }
}

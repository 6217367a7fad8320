using System.Security.Cryptography;
using Grey.Attestation.Randomness;

namespace Grey.Attestation.Verification;

/// <summary>Options of the <see cref="Nonces"/> registry.</summary>
/// <param name="Size">Nonce size in bytes; at least 16 (128 bits). Default 32.</param>
/// <param name="TimeToLive">How long a nonce may be answered. Default 60 s.</param>
/// <param name="MaxTracked">How many issued nonces are remembered to name a failure precisely (stale, reused,
/// foreign); older ones are forgotten and then refused as unknown, never accepted. Default 100,000.</param>
public sealed record NonceOptions(int Size = 32, TimeSpan? TimeToLive = null, int MaxTracked = 100_000)
{
    public TimeSpan Ttl => TimeToLive ?? TimeSpan.FromSeconds(60);

    public void Validate()
    {
        var errors = new List<string>();
        if (Size < Nonces.MinimumBytes || Size > 64)
        {
            errors.Add($"Size must be {Nonces.MinimumBytes}..64 bytes (TPM2B_DATA holds at most 64)");
        }

        if (Ttl <= TimeSpan.Zero)
        {
            errors.Add("TimeToLive must be positive");
        }

        if (MaxTracked < 1)
        {
            errors.Add("MaxTracked must be at least 1");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
    }
}

/// <summary>
/// Issues and redeems quote nonces: at least 128 bits, issued to one node, single use, expiring, and
/// superseded when a newer nonce is issued to the same node (one outstanding challenge per node). The
/// node's outstanding nonce is compared in constant time; other nonces are looked up by their SHA-256 only
/// to name the failure. Not thread-safe: the owning verifier serialises calls.
/// </summary>
public sealed class Nonces
{
    /// <summary>The shortest nonce accepted: 128 bits.</summary>
    public const int MinimumBytes = 16;

    private readonly NonceOptions _options;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;
    private readonly Dictionary<string, Outstanding> _outstanding = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);
    private readonly Queue<string> _trackedOrder = new();

    public Nonces(NonceOptions options, TimeProvider time, IRandomSource random)
    {
        options.Validate();
        _options = options;
        _time = time;
        _random = random;
    }

    private enum State
    {
        Outstanding,
        Used,
        Superseded,
        Expired,
    }

    public byte[] Issue(string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        byte[] nonce = new byte[_options.Size];
        _random.Fill(nonce);
        DateTimeOffset now = _time.GetUtcNow();
        if (_outstanding.TryGetValue(nodeId, out Outstanding? previous) && _tracked.TryGetValue(previous.Key, out Tracked? t))
        {
            t.State = State.Superseded;
        }

        string key = Key(nonce);
        _outstanding[nodeId] = new Outstanding(nonce, now + _options.Ttl, key);
        Track(key, new Tracked(nodeId) { State = State.Outstanding });
        return nonce;
    }

    /// <summary>Consumes the nonce if it is this node's outstanding, unexpired nonce; otherwise names why not.</summary>
    public ReasonCode Redeem(string nodeId, ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length < MinimumBytes)
        {
            return ReasonCode.NonceTooShort;
        }

        if (_outstanding.TryGetValue(nodeId, out Outstanding? current) && CryptographicOperations.FixedTimeEquals(current.Nonce, nonce))
        {
            _outstanding.Remove(nodeId);
            bool expired = _time.GetUtcNow() >= current.Expires;
            if (_tracked.TryGetValue(current.Key, out Tracked? t))
            {
                t.State = expired ? State.Expired : State.Used;
            }

            return expired ? ReasonCode.NonceExpired : ReasonCode.Accepted;
        }

        if (!_tracked.TryGetValue(Key(nonce), out Tracked? tracked))
        {
            return ReasonCode.NonceUnknown;
        }

        if (!string.Equals(tracked.NodeId, nodeId, StringComparison.Ordinal))
        {
            return ReasonCode.NonceForeign;
        }

        return tracked.State switch
        {
            State.Used => ReasonCode.NonceReused,
            State.Superseded => ReasonCode.NonceStale,
            State.Expired => ReasonCode.NonceExpired,
            _ => ReasonCode.NonceUnknown,
        };
    }

    private static string Key(ReadOnlySpan<byte> nonce) => Convert.ToHexString(SHA256.HashData(nonce));

    private void Track(string key, Tracked value)
    {
        _tracked[key] = value;
        _trackedOrder.Enqueue(key);
        while (_trackedOrder.Count > _options.MaxTracked)
        {
            _tracked.Remove(_trackedOrder.Dequeue());
        }
    }

    private sealed record Outstanding(byte[] Nonce, DateTimeOffset Expires, string Key);

    private sealed class Tracked(string nodeId)
    {
        public string NodeId { get; } = nodeId;

        public State State { get; set; }
    }
}

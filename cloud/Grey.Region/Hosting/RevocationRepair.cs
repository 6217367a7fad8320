namespace Grey.Region.Hosting;

/// <summary>
/// Decides when the ingest loop republishes a revocation notice because a delta signed by a revoked node arrived. A
/// notice is published once when the node is revoked; a site whose nodes missed it (a broker restart had dropped their
/// subscriptions, say) keeps its revoked leader shipping deltas the region rejects, and the site stalls for good. Each
/// such rejection proves the notice did not land, so the loop sends one again, at most once per
/// <see cref="RegionHostOptions.RevocationRepublishInterval"/> per signer, so a flood of rejected deltas is not
/// answered by a flood of notices. Not thread-safe: the host calls it under its lock.
/// </summary>
internal sealed class RevocationRepair
{
    /// <summary>
    /// Most signers remembered. A full table forgets the signer republished longest ago, which at worst republishes
    /// that signer's notice once more than the interval allows.
    /// </summary>
    public const int MaxSigners = 4096;

    private readonly TimeSpan _interval;
    private readonly Dictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    /// <summary>Creates the tracker with the least time between two notices republished for one signer.</summary>
    public RevocationRepair(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _interval = interval;
    }

    /// <summary>Signers remembered now (at most <see cref="MaxSigners"/>).</summary>
    public int Count => _last.Count;

    /// <summary>
    /// Whether a notice for <paramref name="signer"/> is due at <paramref name="now"/>: true for the first rejection and
    /// then once the interval has passed since the last true (which it records).
    /// </summary>
    public bool Due(string signer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (_last.TryGetValue(signer, out DateTimeOffset last) && now - last < _interval)
        {
            return false;
        }

        if (!_last.ContainsKey(signer) && _last.Count >= MaxSigners)
        {
            string oldest = _last.MinBy(p => p.Value).Key;
            _last.Remove(oldest);
        }

        _last[signer] = now;
        return true;
    }
}

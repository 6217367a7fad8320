using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.Signing;

namespace Grey.Region.Tests.Desired;

/// <summary>
/// A site's log as the edge writes it when it applies desired changes: entry i is either an ordinary put or the
/// application of a change (<see cref="DesiredChange.ToOperation"/>, stamped by the site), and signed deltas over it.
/// </summary>
internal sealed class DesiredSiteLog(string region, string site, ulong epoch)
{
    private readonly List<DataEntry> _entries = [];

    public ulong LastIndex => (ulong)_entries.Count;

    /// <summary>Appends the application of <paramref name="change"/> as the next entry.</summary>
    public DesiredSiteLog Apply(DesiredChange change)
    {
        HlcTimestamp stamp = NextStamp();
        _entries.Add(new DataEntry(LastIndex + 1, stamp, [change.ToOperation(stamp, "n1")]));
        return this;
    }

    /// <summary>Appends an ordinary put as the next entry.</summary>
    public DesiredSiteLog Put(string key, byte[] value)
    {
        HlcTimestamp stamp = NextStamp();
        _entries.Add(new DataEntry(LastIndex + 1, stamp, [Operation.Put(key, value, stamp, "n1")]));
        return this;
    }

    public byte[] ChainAt(ulong index) => ChainHash.Fold(ChainHash.Genesis(site, epoch), _entries.Where(e => e.Index <= index));

    public byte[] Signed(ulong first, ulong last, X509Certificate2 signer) =>
        new MessageSigner(signer).SignEnvelope(SiteDelta.Create(region, site, epoch, first, last, ChainAt(first - 1),
            [.. _entries.Where(e => e.Index >= first && e.Index <= last)]).Encode());

    private HlcTimestamp NextStamp() => new(1_764_100_000_000 + (long)LastIndex + 1, 0);
}

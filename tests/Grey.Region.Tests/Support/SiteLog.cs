using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Operations;
using Grey.Federation.Signing;

namespace Grey.Region.Tests.Support;

/// <summary>One epoch of a site's committed log (a put per data entry) and signed deltas over any range of it.</summary>
internal sealed class SiteLog
{
    private readonly List<DataEntry> _entries = [];

    public SiteLog(string site, ulong epoch, int entries, string region = "r0", string origin = "n1")
    {
        Site = site;
        Epoch = epoch;
        Region = region;
        for (int i = 1; i <= entries; i++)
        {
            var stamp = new HlcTimestamp(1_764_000_000_000 + i, 0);
            _entries.Add(new DataEntry((ulong)i, stamp, [Operation.Put($"k{i % 7}", System.Text.Encoding.UTF8.GetBytes($"v{i}"), stamp, origin),
                Operation.CounterAdd("shared/count", 1, stamp, origin)]));
        }
    }

    public string Site { get; }

    public ulong Epoch { get; }

    public string Region { get; }

    public ulong LastIndex => (ulong)_entries.Count;

    public byte[] ChainAt(ulong index) => ChainHash.Fold(ChainHash.Genesis(Site, Epoch), _entries.Where(e => e.Index <= index));

    public SiteDelta Delta(ulong first, ulong last) =>
        SiteDelta.Create(Region, Site, Epoch, first, last, ChainAt(first - 1), [.. _entries.Where(e => e.Index >= first && e.Index <= last)]);

    public byte[] SignedCheckpoint(ulong index, System.Security.Cryptography.X509Certificates.X509Certificate2 signer)
    {
        var state = new Grey.Federation.State.RegionState();
        Grey.Federation.Merge.SiteLogApplier.ApplyEntries(state, Site, Epoch, _entries.Where(e => e.Index <= index), Grey.Federation.Merge.DesiredChangeLedger.Empty);
        return new MessageSigner(signer).SignEnvelope(CheckpointDelta.Create(Region, Site, Epoch, index, ChainAt(index), state).Encode());
    }

    public byte[] Signed(ulong first, ulong last, System.Security.Cryptography.X509Certificates.X509Certificate2 signer) =>
        new MessageSigner(signer).SignEnvelope(Delta(first, last).Encode());
}

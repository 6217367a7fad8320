using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Simulation.Core;

namespace Grey.Simulation.Merge;

/// <summary>
/// The merge simulation behind <c>greyctl sim merge</c>. Per seed it generates site logs (with epochs and
/// desired-state changes), cuts each into signed deltas at random boundaries, re-batches part of each log
/// with other boundaries (as a new leader re-ships), adds checkpoint deltas, and delivers all of it to
/// several regions in a random order with duplicates, interleaved with region-delta exchanges. Then each
/// site re-ships from its home region's acknowledgement (the edge keeps deltas until acknowledged), the
/// regions gossip once more, and every region must hold the state hash of the logs applied directly, with
/// nothing left held. One seed replays exactly: signatures are randomized, outcomes never depend on them.
/// </summary>
public static class MergeSimulation
{
    /// <summary>Copies of one delivery at most (the original and duplicates).</summary>
    public const int MaxCopies = 3;

    private static readonly DateTimeOffset NotBefore = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2036, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MergeSimulationResult RunSeed(MergeSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        Random rng = SeedDerivation.CreateRandom(options.Seed, "merge");
        (List<SimulatedSiteLog> logs, DesiredChangeLedger ledger) = SiteLogGenerator.Generate(rng, options.Sites, options.Regions, options.MaxEntries);
        byte[] expected = SiteLogGenerator.ApplyDirectly(logs, ledger).ComputeHash();

        var signers = new Dictionary<string, MessageSigner>();
        var directory = new Directory();
        foreach (string site in logs.Select(l => l.Site).Distinct())
        {
            X509Certificate2 cert = CreateCertificate("node." + site);
            signers[site] = new MessageSigner(cert);
            directory.Add(signers[site].KeyId.ToArray(), new KnownSigner(site, cert));
        }

        string[] regionIds = [.. Enumerable.Range(0, options.Regions).Select(i => "r" + i)];
        var regions = regionIds.ToDictionary(r => r, r => new RegionMerger(r, directory, ledger));

        // Every delta each log produces: one cut of the whole log, a re-batch from a random point with other
        // boundaries, and up to two checkpoints at random indexes.
        var primary = new Dictionary<SimulatedSiteLog, List<(SiteDelta Delta, byte[] Wire)>>();
        var wires = new List<byte[]>();
        int checkpoints = 0;
        foreach (SimulatedSiteLog log in logs)
        {
            MessageSigner signer = signers[log.Site];
            primary[log] = [.. log.Cut(rng, 1, 6).Select(d => (d, Compressed(rng, signer.SignEnvelope(d.Encode()))))];
            wires.AddRange(primary[log].Select(p => p.Wire));
            ulong from = (ulong)rng.Next(1, (int)log.LastIndex + 1);
            wires.AddRange(log.Cut(rng, from, 8).Select(d => signer.SignEnvelope(d.Encode())));
            for (int c = rng.Next(3); c > 0; c--)
            {
                wires.Add(signer.SignEnvelope(log.Checkpoint((ulong)rng.Next(1, (int)log.LastIndex + 1), ledger).Encode()));
                checkpoints++;
            }
        }

        // The schedule: each delta to a random non-empty set of regions, some copies duplicated, plus
        // exchanges of region deltas; all shuffled together.
        var schedule = new List<(byte[]? Wire, string Region, string? From)>();
        foreach (byte[] wire in wires)
        {
            foreach (string r in regionIds.Where(_ => rng.Next(2) == 0).DefaultIfEmpty(regionIds[rng.Next(regionIds.Length)]))
            {
                for (int copies = rng.Next(1, MaxCopies + 1); copies > 0; copies--)
                {
                    schedule.Add((wire, r, null));
                }
            }
        }

        int exchanges = regionIds.Length > 1 ? schedule.Count / 5 : 0;
        for (int i = 0; i < exchanges; i++)
        {
            string a = regionIds[rng.Next(regionIds.Length)];
            string b = regionIds.Where(r => r != a).ElementAt(rng.Next(regionIds.Length - 1));
            schedule.Add((null, a, b));
        }

        Shuffle(rng, schedule);
        int deliveries = 0;
        foreach (var (wire, region, from) in schedule)
        {
            if (wire is null)
            {
                regions[region].JoinRegionDelta(regions[from!].ExportRegionDelta());
                continue;
            }

            deliveries++;
            MergeOutcome o = regions[region].Merge(wire);
            if (o.Status is not (MergeStatus.Applied or MergeStatus.Duplicate or MergeStatus.Gap))
            {
                return Fail(options.Seed, $"region {region}: delta {o.Site}:{o.Epoch}:{o.FirstIndex}-{o.LastIndex} ended {o.Status}: {o.Reason}");
            }
        }

        // The edge keeps every delta until its home region acknowledges it, then re-ships from the ack.
        foreach (SimulatedSiteLog log in logs)
        {
            RegionMerger home = regions[log.HomeRegion];
            ulong acked = home.CreateAck(log.Site, log.Epoch)?.MergedIndex ?? 0;
            foreach (var (delta, wire) in primary[log].Where(p => p.Delta.LastIndex > acked))
            {
                deliveries++;
                MergeOutcome o = home.Merge(wire);
                if (!o.ShouldAcknowledge)
                {
                    return Fail(options.Seed, $"region {log.HomeRegion}: re-shipped {delta.MessageId} ended {o.Status}: {o.Reason}");
                }
            }
        }

        // One all-to-all gossip round: each region joins every other's state as it was before the round.
        var exports = regions.Values.Select(r => r.ExportRegionDelta()).ToList();
        foreach (RegionMerger r in regions.Values)
        {
            foreach (var d in exports)
            {
                r.JoinRegionDelta(d);
                exchanges++;
            }
        }

        if (options.InjectDivergence)
        {
            var t = new Grey.Federation.Clock.HlcTimestamp(1, 0);
            var foreign = new RegionState();
            SiteLogApplier.ApplyEntries(foreign, "site-x", 1, [new Grey.Federation.Chain.DataEntry(1, t, [Grey.Federation.Operations.Operation.Put("shared/injected", [1], t, "n0")])], ledger);
            regions[regionIds[0]].JoinRegionDelta(new Grey.Federation.Messages.RegionDelta(regionIds[0], foreign));
        }

        string expectedHex = Convert.ToHexString(expected);
        var hashes = regions.ToDictionary(p => p.Key, p => Convert.ToHexString(p.Value.ComputeStateHash()));
        string? failure = null;
        foreach (var (id, merger) in regions)
        {
            if (hashes[id] != expectedHex)
            {
                failure ??= $"region {id}: state hash {hashes[id][..16]}… differs from the direct application {expectedHex[..16]}…; {Describe(merger.State, logs)}";
            }
            else if (merger.HeldCount != 0)
            {
                failure ??= $"region {id}: {merger.HeldCount} deltas still held after convergence";
            }
        }

        IEnumerable<MergeCounters> counters = regions.Values.Select(r => r.Counters);
        return new MergeSimulationResult
        {
            Seed = options.Seed,
            Failure = failure,
            SiteEpochs = logs.Count,
            Operations = logs.Sum(l => l.Entries.Sum(e => e.Operations.Count)),
            SignedDeltas = wires.Count,
            Checkpoints = checkpoints,
            Deliveries = deliveries,
            RegionExchanges = exchanges,
            Applied = counters.Sum(c => c[MergeStatus.Applied]),
            Duplicates = counters.Sum(c => c[MergeStatus.Duplicate]),
            Gaps = counters.Sum(c => c[MergeStatus.Gap]),
            Folded = counters.Sum(c => c.Folded),
            OwnershipViolations = counters.Sum(c => c.OwnershipViolations),
            Conflicts = counters.Sum(c => c.Conflicts),
            ExpectedHash = expectedHex,
            RegionHashes = hashes,
        };
    }

    private static MergeSimulationResult Fail(ulong seed, string failure) => new() { Seed = seed, Failure = failure };

    private static string Describe(RegionState state, List<SimulatedSiteLog> logs)
    {
        var behind = logs.Where(l => !state.TryGetProgress(l.Site, l.Epoch, out SiteProgress p) || p.MergedIndex != l.LastIndex)
            .Select(l => $"{l.Site}:{l.Epoch} (want {l.LastIndex})").ToList();
        return behind.Count == 0 ? "every site epoch fully merged" : "behind: " + string.Join(", ", behind);
    }

    // Some deliveries travel compressed, as an uplink may choose; the region must not care.
    private static byte[] Compressed(Random rng, byte[] wire) => rng.Next(4) == 0 ? SignedEnvelope.Compress(wire) : wire;

    private static X509Certificate2 CreateCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(NotBefore, NotAfter);
    }

    private static void Shuffle<T>(Random rng, IList<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>The regions' registrar, reduced to what the merge needs: key id to site and certificate.</summary>
    private sealed class Directory : ISignerDirectory
    {
        private readonly Dictionary<string, KnownSigner> _byKeyId = [];

        public void Add(byte[] keyId, KnownSigner signer) => _byKeyId.Add(Convert.ToHexString(keyId), signer);

        public KnownSigner? Find(ReadOnlySpan<byte> keyId) => _byKeyId.GetValueOrDefault(Convert.ToHexString(keyId));
    }
}

using BenchmarkDotNet.Attributes;
using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Benchmarks.Federation;

/// <summary>
/// Merge throughput for last-writer-wins puts on one core (target: at least 1 million operations per
/// second). <see cref="ApplyPuts"/> is the state-machine path a region runs for each new operation
/// (ownership check, then the LWW register write) over 100 000 puts on 10 000 keys;
/// <see cref="MergeVerifiedDelta"/> adds what a decoded, verified delta costs on top: the chain check
/// (one SHA-256 per entry) and progress bookkeeping, for 256-put deltas.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class FederationLwwMergeBenchmarks
{
    private const int Puts = 100_000;
    private const int DeltaBatch = 256;
    private const int Deltas = 40;
    private List<DataEntry> _entries = [];
    private List<SiteDelta> _deltas = [];

    [GlobalSetup]
    public void Setup()
    {
        _entries = FederationBenchData.PutEntries(Puts, 10_000);
        var all = FederationBenchData.PutEntries(DeltaBatch * Deltas, 10_000, seed: 2);
        byte[] before = ChainHash.Genesis(FederationBenchData.Site, FederationBenchData.Epoch);
        _deltas = [];
        for (int d = 0; d < Deltas; d++)
        {
            var slice = all.GetRange(d * DeltaBatch, DeltaBatch);
            SiteDelta delta = SiteDelta.Create("r0", FederationBenchData.Site, FederationBenchData.Epoch, (ulong)(d * DeltaBatch) + 1, (ulong)((d + 1) * DeltaBatch), before, slice);
            before = delta.ChainAfter.ToArray();
            _deltas.Add(delta);
        }

        // Chain hashing caches each entry's canonical bytes; warm it so the benchmark measures merging, not encoding.
        foreach (DataEntry e in all)
        {
            _ = ChainHash.Next(before, e);
        }
    }

    [Benchmark(OperationsPerInvoke = Puts)]
    public int ApplyPuts()
    {
        var state = new RegionState();
        ApplyCounts c = SiteLogApplier.ApplyEntries(state, FederationBenchData.Site, FederationBenchData.Epoch, _entries, DesiredChangeLedger.Empty);
        return c.Applied + state.RegisterCount;
    }

    [Benchmark(OperationsPerInvoke = DeltaBatch * Deltas)]
    public ulong MergeVerifiedDelta()
    {
        var merger = new RegionMerger("r0", new NoSigners(), DesiredChangeLedger.Empty);
        ulong merged = 0;
        foreach (SiteDelta d in _deltas)
        {
            merged = merger.MergeVerified(d).MergedIndex;
        }

        return merged;
    }

    private sealed class NoSigners : ISignerDirectory
    {
        public KnownSigner? Find(ReadOnlySpan<byte> keyId) => null;
    }
}

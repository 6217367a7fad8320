using CsCheck;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Merge;

/// <summary>
/// The convergence properties of DESIGN G3/G5 for site deltas: any permutation and duplication of the
/// deltas, any re-batching of the same log, and any mix with checkpoint deltas end in the state hash of
/// the logs applied directly. CsCheck prints the seed of a failing case; each case also builds its
/// scenario from a printed seed.
/// </summary>
public sealed class RegionMergerPropertyTests
{
    private static readonly Gen<(int Seed, int Sites, int Cuts, int Checkpoints, int Duplicates)> Cases =
        Gen.Select(Gen.Int, Gen.Int[1, 3], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[0, 10]);

    [Fact]
    public void Merge_AnyPermutationDuplicationRebatchingAndCheckpoints_SameHashAsDirectApplication()
    {
        Cases.Sample(c =>
        {
            var rng = new Random(c.Seed);
            (List<SiteLog> logs, DesiredChangeLedger ledger) = SiteLogGenerator.Generate(rng, c.Sites, 25);
            byte[] expected = DirectHash(logs, ledger);

            var certs = logs.Select(l => l.Site).Distinct().ToDictionary(s => s, s => TestKeys.CreateCertificate("n." + s));
            var signers = certs.ToDictionary(p => p.Key, p => new MessageSigner(p.Value));
            var directory = TestKeys.Directory([.. certs.Select(p => (p.Key, p.Value))]);

            var wire = new List<byte[]>();
            foreach (SiteLog log in logs)
            {
                for (int cut = 0; cut < c.Cuts; cut++)
                {
                    wire.AddRange(log.Cut(rng, 6).Select(d => signers[log.Site].SignEnvelope(d.Encode())));
                }

                for (int k = 0; k < c.Checkpoints; k++)
                {
                    CheckpointDelta cp = log.Checkpoint((ulong)rng.Next(1, (int)log.LastIndex + 1), ledger);
                    wire.Add(signers[log.Site].SignEnvelope(cp.Encode()));
                }
            }

            for (int d = 0; d < c.Duplicates; d++)
            {
                wire.Add(wire[rng.Next(wire.Count)]);
            }

            Shuffle(rng, wire);
            var merger = new RegionMerger("r1", directory, ledger, new RegionMergerOptions { MaxHeldPerSiteEpoch = 1000, MaxHeldTotal = 10_000 });
            foreach (byte[] w in wire)
            {
                MergeOutcome o = merger.Merge(w);
                if (o.Status is not (MergeStatus.Applied or MergeStatus.Duplicate or MergeStatus.Gap))
                {
                    throw new InvalidOperationException($"scenario seed {c.Seed}: unexpected {o.Status}: {o.Reason}");
                }
            }

            Assert.True(merger.HeldCount == 0, $"scenario seed {c.Seed}: {merger.HeldCount} deltas still held");
            Assert.True(expected.AsSpan().SequenceEqual(merger.ComputeStateHash()), $"scenario seed {c.Seed}: state hash differs from direct application");
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void Merge_DirectApplicationInAnySiteOrder_SameHash()
    {
        Gen.Int.Sample(seed =>
        {
            (List<SiteLog> logs, DesiredChangeLedger ledger) = SiteLogGenerator.Generate(new Random(seed), 3, 20);
            byte[] forward = DirectHash(logs, ledger);
            logs.Reverse();
            Assert.True(forward.AsSpan().SequenceEqual(DirectHash(logs, ledger)), $"scenario seed {seed}");
        }, iter: 50);
    }

    internal static byte[] DirectHash(IEnumerable<SiteLog> logs, DesiredChangeLedger ledger)
    {
        var state = new RegionState();
        foreach (SiteLog log in logs)
        {
            log.ApplyDirectly(state, ledger);
        }

        return state.ComputeHash();
    }

    internal static void Shuffle<T>(Random rng, IList<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}

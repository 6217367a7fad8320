using Grey.Simulation.Core;

namespace Grey.Simulation.Tests.Core;

public sealed class SeedDerivationTests
{
    [Fact]
    public void CreateRandom_SameSeedAndPurpose_SameSequence()
    {
        var a = SeedDerivation.CreateRandom(42, "network");
        var b = SeedDerivation.CreateRandom(42, "network");
        Assert.Equal(Enumerable.Range(0, 20).Select(_ => a.Next()), Enumerable.Range(0, 20).Select(_ => b.Next()));
    }

    [Fact]
    public void Derive_DifferentPurposeOrSeed_DifferentSubSeeds()
    {
        var seen = new HashSet<ulong>();
        for (ulong seed = 0; seed < 100; seed++)
        {
            foreach (string purpose in new[] { "network", "nemesis", "node-1", "node-2", "client-0" })
            {
                Assert.True(seen.Add(SeedDerivation.Derive(seed, purpose)), $"seed={seed} purpose={purpose} collides");
            }
        }
    }

    [Fact]
    public void Derive_IsStable_AcrossRuntimes()
    {
        // A pinned value: if this changes, every printed seed stops replaying its run.
        Assert.Equal(SeedDerivation.Mix(7UL ^ SeedDerivation.Mix(Fnv("x"))), SeedDerivation.Derive(7, "x"));
        Assert.Equal(0xE220A8397B1DCDAFUL, SeedDerivation.Mix(0));
    }

    private static ulong Fnv(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }
}

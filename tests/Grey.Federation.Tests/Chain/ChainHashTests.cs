using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Hashing;
using Grey.Federation.Operations;

namespace Grey.Federation.Tests.Chain;

public sealed class ChainHashTests
{
    [Fact]
    public void Genesis_KnownInput_MatchesIndependentSha256()
    {
        // sha256(b"grey-chain-v1" + b"site-a" + (7).to_bytes(8, "big")), computed with Python's hashlib.
        Assert.Equal("549F51F791092A269A66F608C829F32E91DB1A97615EEB23F78A63CD31BB5408", Convert.ToHexString(ChainHash.Genesis("site-a", 7)));
    }

    [Fact]
    public void Genesis_OtherEpochOrSite_Differs()
    {
        Assert.NotEqual(ChainHash.Genesis("site-a", 1), ChainHash.Genesis("site-a", 2));
        Assert.NotEqual(ChainHash.Genesis("site-a", 1), ChainHash.Genesis("site-b", 1));
    }

    [Fact]
    public void Fold_ChangedOperation_ChangesEveryLaterHash()
    {
        var s = new HlcTimestamp(10, 0);
        var e1 = new DataEntry(1, s, [Operation.Put("k", [1], s, "n1")]);
        var e1b = new DataEntry(1, s, [Operation.Put("k", [2], s, "n1")]);
        var e2 = new DataEntry(2, new HlcTimestamp(11, 0), [Operation.Delete("k", new HlcTimestamp(11, 0), "n1")]);
        byte[] g = ChainHash.Genesis("site-a", 1);
        Assert.NotEqual(ChainHash.Fold(g, [e1, e2]), ChainHash.Fold(g, [e1b, e2]));
        Assert.Equal(ChainHash.Next(ChainHash.Next(g, e1), e2), ChainHash.Fold(g, [e1, e2]));
    }

    [Fact]
    public void UseImplementation_Managed_GivesTheSameChainAsSystem()
    {
        // The choice is process-wide; this class's tests run one at a time, and the other tests of this assembly are
        // unaffected whichever is in force because both give the same bytes (which this test checks).
        var s = new HlcTimestamp(10, 0);
        var entries = Enumerable.Range(1, 40)
            .Select(i => new DataEntry((ulong)i, s, [Operation.Put("k/" + i, new byte[i * 7], s, "n1")]))
            .ToList();
        Assert.Equal(Sha256Implementation.System, ChainHash.Implementation);
        byte[] systemGenesis = ChainHash.Genesis("site-a", 7);
        byte[] systemFold = ChainHash.Fold(systemGenesis, entries);
        try
        {
            ChainHash.UseImplementation(Sha256Implementation.Managed);
            Assert.Equal(Sha256Implementation.Managed, ChainHash.Implementation);
            byte[] managedGenesis = ChainHash.Genesis("site-a", 7);
            Assert.Equal("549F51F791092A269A66F608C829F32E91DB1A97615EEB23F78A63CD31BB5408", Convert.ToHexString(managedGenesis));
            Assert.Equal(systemFold, ChainHash.Fold(managedGenesis, entries));
            byte[] large = new byte[5_000];
            Assert.Equal(System.Security.Cryptography.SHA256.HashData([.. systemGenesis, .. large]), ChainHash.Next(systemGenesis, large));
        }
        finally
        {
            ChainHash.UseImplementation(Sha256Implementation.System);
        }
    }

    [Fact]
    public void UseImplementation_UndefinedValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChainHash.UseImplementation((Sha256Implementation)2));
        Assert.Equal(Sha256Implementation.System, ChainHash.Implementation);
    }
}

using Grey.Federation.Chain;
using Grey.Federation.Clock;
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
}

using CsCheck;
using Grey.Federation.Clock;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Tests.State;

/// <summary>
/// The join of region deltas (region states) is idempotent, commutative and associative (DESIGN G5),
/// proven over random states with colliding stamps, origins, counter slots, set tags and progress rows.
/// CsCheck prints the seed of a failing case.
/// </summary>
public sealed class RegionStateJoinTests
{
    private static readonly Gen<(int Kind, int Site, int Key, int Node, int Wall, int Value, int Amount)> OpSpec =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 6], Gen.Int[0, 3], Gen.Int[1, 4]);

    internal static readonly Gen<RegionState> States = OpSpec.Array[0, 30].Select(specs =>
    {
        var s = new RegionState();
        ApplySpecs(s, specs);
        return s;
    });

    /// <summary>Applies generated operation specs (see <see cref="OpSpec"/>) to <paramref name="s"/>; also used by the change-tracking tests.</summary>
    internal static void ApplySpecs(RegionState s, (int Kind, int Site, int Key, int Node, int Wall, int Value, int Amount)[] specs)
    {
        foreach (var p in specs)
        {
            string site = "site-" + p.Site;
            var stamp = new HlcTimestamp(p.Wall, p.Value % 2);
            string key = p.Key == 0 ? "k" : "shared/k" + p.Key;
            string node = "n" + p.Node;
            switch (p.Kind)
            {
                case 0: s.Apply(site, 1, Operation.Put(key, [(byte)p.Value], stamp, node)); break;
                case 1: s.Apply(site, 1, Operation.Delete(key, stamp, node)); break;
                case 2: s.Apply(site, (ulong)p.Value % 2, Operation.CounterAdd(key, p.Amount, stamp, node)); break;
                case 3: s.Apply(site, 1, Operation.CounterAdd(key, -p.Amount, stamp, node)); break;
                case 4: s.Apply(site, 1, Operation.SetAdd(key, "e" + p.Value, stamp, node)); break;
                case 5: s.Apply(site, 1, Operation.SetRemove(key, "e" + p.Value, [new SetTag("site-" + p.Amount % 3, node, stamp)], stamp, node)); break;
                default:
                    byte[] hash = new byte[32];
                    hash[0] = (byte)p.Value;
                    s.AdvanceProgress(site, (ulong)p.Node, (ulong)p.Wall, hash);
                    break;
            }
        }
    }

    private static byte[] Joined(params RegionState[] states)
    {
        var r = new RegionState();
        foreach (RegionState s in states)
        {
            r.Join(s);
        }

        return r.ComputeHash();
    }

    [Fact]
    public void Join_Twice_Idempotent()
    {
        States.Sample(a =>
        {
            RegionState x = a.Clone();
            x.Join(a);
            x.Join(a.Clone());
            Assert.Equal(a.ComputeHash(), x.ComputeHash());
        }, iter: 300);
    }

    [Fact]
    public void Clone_EqualsTheOriginal_AndNeitherSeesTheOthersLaterChanges()
    {
        Gen.Select(States, States).Sample((a, b) =>
        {
            byte[] before = new Grey.Federation.Messages.RegionDelta("eu-1", a).Encode();
            RegionState copy = a.Clone();
            Assert.Equal(a.ComputeHash(), copy.ComputeHash());
            Assert.Equal(before, new Grey.Federation.Messages.RegionDelta("eu-1", copy).Encode());

            // Changing the original (registers, counter slots, set elements, progress) leaves the copy as it was, and
            // the other way round.
            RegionState expected = a.Clone();
            a.Join(b);
            Assert.Equal(before, new Grey.Federation.Messages.RegionDelta("eu-1", copy).Encode());
            copy.Join(b);
            Assert.Equal(a.ComputeHash(), copy.ComputeHash());
            Assert.Equal(before, new Grey.Federation.Messages.RegionDelta("eu-1", expected).Encode());
        }, iter: 300);
    }

    [Fact]
    public void Join_EitherOrder_Commutative()
    {
        Gen.Select(States, States).Sample((a, b) => Assert.Equal(Joined(a, b), Joined(b, a)), iter: 300);
    }

    [Fact]
    public void Join_AnyGrouping_Associative()
    {
        Gen.Select(States, States, States).Sample((a, b, c) =>
        {
            RegionState ab = a.Clone();
            ab.Join(b);
            RegionState left = ab.Clone();
            left.Join(c);
            RegionState bc = b.Clone();
            bc.Join(c);
            RegionState right = a.Clone();
            right.Join(bc);
            Assert.Equal(left.ComputeHash(), right.ComputeHash());
        }, iter: 300);
    }

    [Fact]
    public void Join_ResultContainsBoth_JoinIsAnUpperBound()
    {
        Gen.Select(States, States).Sample((a, b) =>
        {
            RegionState ab = a.Clone();
            ab.Join(b);
            RegionState again = ab.Clone();
            again.Join(a);
            again.Join(b);
            Assert.Equal(ab.ComputeHash(), again.ComputeHash());
        }, iter: 200);
    }

    [Fact]
    public void RegionDelta_EncodedAndDecoded_JoinsToTheSameHash()
    {
        Gen.Select(States, States).Sample((a, b) =>
        {
            var wire = new Grey.Federation.Messages.RegionDelta("r1", b).Encode();
            var decoded = Grey.Federation.Messages.RegionDelta.Decode(wire);
            Assert.True(decoded.IsSuccess, decoded.Error?.ToString());
            RegionState viaWire = a.Clone();
            viaWire.Join(decoded.Value.State);
            Assert.Equal(Joined(a, b), viaWire.ComputeHash());
        }, iter: 200);
    }

    [Fact]
    public void Apply_LwwTieOnStamp_HigherOriginWinsInEitherOrder()
    {
        var t = new HlcTimestamp(5, 0);
        var a = new RegionState();
        a.Apply("site-a", 1, Operation.Put("shared/x", [1], t, "n1"));
        a.Apply("site-b", 1, Operation.Put("shared/x", [2], t, "n1"));
        var b = new RegionState();
        b.Apply("site-b", 1, Operation.Put("shared/x", [2], t, "n1"));
        b.Apply("site-a", 1, Operation.Put("shared/x", [1], t, "n1"));
        Assert.True(a.TryGetRegister("", "shared/x", out Register ra));
        Assert.Equal("site-b", ra.Site);
        Assert.Equal(a.ComputeHash(), b.ComputeHash());
    }

    [Fact]
    public void Apply_DeleteAfterPut_TombstoneKeptAndCollectedOnlyBelowHorizon()
    {
        var s = new RegionState();
        s.Apply("site-a", 1, Operation.Put("k", [1], new HlcTimestamp(5, 0), "n1"));
        s.Apply("site-a", 1, Operation.Delete("k", new HlcTimestamp(6, 0), "n1"));
        Assert.True(s.TryGetRegister("site-a", "k", out Register r) && r.IsTombstone);
        Assert.Equal(0, s.CollectTombstones(new HlcTimestamp(6, 0)));
        Assert.Equal(1, s.CollectTombstones(new HlcTimestamp(6, 1)));
        Assert.False(s.TryGetRegister("site-a", "k", out _));
    }

    [Fact]
    public void Apply_CounterAddsAndSetRemoves_ExpectedValues()
    {
        var s = new RegionState();
        var t = new HlcTimestamp(5, 0);
        s.Apply("site-a", 1, Operation.CounterAdd("shared/c", 5, t, "n1"));
        s.Apply("site-b", 1, Operation.CounterAdd("shared/c", -2, t, "n1"));
        Assert.Equal(3, s.GetCounterValue("", "shared/c"));
        s.Apply("site-a", 1, Operation.SetAdd("s", "x", t, "n1"));
        s.Apply("site-a", 1, Operation.SetAdd("s", "y", t, "n1"));
        s.Apply("site-a", 1, Operation.SetRemove("s", "x", s.GetLiveTags("site-a", "s", "x"), new HlcTimestamp(6, 0), "n1"));
        Assert.Equal(["y"], s.GetSetElements("site-a", "s"));
    }

    [Fact]
    public void Join_ConcurrentAddAndRemove_AddOfUnobservedTagSurvives()
    {
        // Observed-remove: a remove only takes the tags it saw; a concurrent add elsewhere survives the join.
        var t = new HlcTimestamp(5, 0);
        var a = new RegionState();
        a.Apply("site-a", 1, Operation.SetAdd("shared/s", "x", t, "n1"));
        RegionState b = a.Clone();
        a.Apply("site-a", 1, Operation.SetRemove("shared/s", "x", a.GetLiveTags("", "shared/s", "x"), new HlcTimestamp(6, 0), "n1"));
        b.Apply("site-b", 1, Operation.SetAdd("shared/s", "x", new HlcTimestamp(5, 1), "n2"));
        a.Join(b);
        Assert.Equal(["x"], a.GetSetElements("", "shared/s"));
    }
}

using Grey.Edge.StateMachine;
using Grey.Federation.Clock;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Desired;

/// <summary>The state machine's side of desired state (SiteStateMachine.Desired.cs): apply-time sequence check, marks, snapshot.</summary>
public class SiteStateMachineDesiredTests(ITestOutputHelper output)
{
    private const string Site = "site-d";
    private const ulong Epoch = 4242;
    private readonly DesiredTestKit kit = new();
    private ulong index;

    private SiteStateMachine NewMachine(bool keepSiteState = true)
    {
        var m = new SiteStateMachine(Site);
        if (keepSiteState)
        {
            m.KeepSiteState();
        }

        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: Epoch))));
        return m;
    }

    private static Command DesiredCommand(DesiredChange change) => new() { Kind = CommandKind.Desired, Key = change.Key, Value = change.Encode() };

    private CommandOutcome Run(SiteStateMachine m, Command c, string origin = "n1") =>
        m.Apply(new Entry(1, ++index, EntryKind.Data, CommandCodec.Encode(c with { Origin = origin, Stamp = new HlcTimestamp(1_764_000_000_000 + (long)index, 0) })))!.Value;

    [Fact]
    public void Apply_SameChangeProposedByTwoLeaders_AppliedOnce()
    {
        var m = NewMachine();
        var change = kit.Change(Site, 1, "desired/fan/speed", "70");

        // An old leader and a new one both proposed change 1; both entries commit, in this order.
        var first = Run(m, DesiredCommand(change), origin: "n1");
        var chained = m.ChainedEntries;
        var second = Run(m, DesiredCommand(change), origin: "n2");

        Assert.Equal(CommandStatus.Ok, first.Status);
        Assert.Equal(CommandStatus.DesiredOutOfOrder, second.Status);
        Assert.Equal(chained, m.ChainedEntries);
        Assert.Equal(1UL, m.DesiredAppliedSequence(kit.Region));
        Assert.Equal(1UL, m.Find("desired/fan/speed")!.Revision);
        Assert.Equal("70"u8.ToArray(), m.Find("desired/fan/speed")!.Value);
    }

    [Fact]
    public void Apply_WithoutTheApplyTimeCheck_SameChangeAppliedTwice()
    {
        // Sabotage: the check at apply time is what keeps a change proposed twice from applying twice (the leader's
        // check before proposing cannot see a proposal of another leader that is still in flight).
        var m = NewMachine();
        m.CheckDesiredSequenceAtApply = false;
        var change = kit.Change(Site, 1, "desired/fan/speed", "70");
        var before = m.ChainedEntries;
        Assert.Equal(CommandStatus.Ok, Run(m, DesiredCommand(change), origin: "n1").Status);
        Assert.Equal(CommandStatus.Ok, Run(m, DesiredCommand(change), origin: "n2").Status);
        Assert.Equal(before + 2, m.ChainedEntries);
        Assert.Equal(2UL, m.Find("desired/fan/speed")!.Revision);
    }

    [Fact]
    public void Apply_ChangeAheadOfAGap_IgnoredThenAppliedInOrder()
    {
        var m = NewMachine();
        var c1 = kit.Change(Site, 1, "desired/a", "1");
        var c2 = kit.Change(Site, 2, "desired/a", "2");
        var c3 = kit.Change(Site, 3, "desired/b", "3");
        Assert.Equal(CommandStatus.DesiredOutOfOrder, Run(m, DesiredCommand(c2)).Status);
        Assert.Null(m.Find("desired/a"));
        Assert.Equal(0UL, m.DesiredAppliedSequence(kit.Region));

        var sequences = new List<ulong>();
        foreach (var c in new[] { c1, c3, c2, c3 })
        {
            var chained = m.ChainedEntries;
            Run(m, DesiredCommand(c));
            if (m.ChainedEntries != chained)
            {
                sequences.Add(m.LastChained!.Operations[0].Desired!.Sequence);
            }
        }

        Assert.Equal([1UL, 2UL, 3UL], sequences);
        Assert.Equal("2"u8.ToArray(), m.Find("desired/a")!.Value);
        Assert.Equal("3"u8.ToArray(), m.Find("desired/b")!.Value);
        Assert.Equal(3UL, m.DesiredAppliedSequence(kit.Region));
    }

    [Fact]
    public void Apply_Delete_RemovesTheKeyAndChainsTheReference()
    {
        var m = NewMachine();
        Run(m, DesiredCommand(kit.Change(Site, 1, "desired/a", "1")));
        var delete = kit.Change(Site, 2, "desired/a", null);
        Assert.Equal(CommandStatus.Ok, Run(m, DesiredCommand(delete)).Status);
        Assert.Null(m.Find("desired/a"));
        var op = m.LastChained!.Operations.Single();
        Assert.Equal(OperationKind.Delete, op.Kind);
        Assert.True(delete.Matches(op));

        // A delete of a key that is absent is still applied and chained: the region learns of it from the operation.
        var again = kit.Change(Site, 3, "desired/never", null);
        var chained = m.ChainedEntries;
        Assert.Equal(CommandStatus.Ok, Run(m, DesiredCommand(again)).Status);
        Assert.Equal(chained + 1, m.ChainedEntries);
        Assert.Equal(3UL, m.DesiredAppliedSequence(kit.Region));
    }

    [Fact]
    public void Apply_ChangeForAnotherSite_Forbidden()
    {
        var m = NewMachine();
        var chained = m.ChainedEntries;
        Assert.Equal(CommandStatus.Forbidden, Run(m, DesiredCommand(kit.Change("other-site", 1, "desired/a", "1"))).Status);
        Assert.Equal(chained, m.ChainedEntries);
        Assert.Equal(0UL, m.DesiredAppliedSequence(kit.Region));
    }

    [Fact]
    public void Apply_MarksArePerRegion()
    {
        var m = NewMachine();
        Run(m, DesiredCommand(kit.Change(Site, 1, "desired/a", "eu")));
        Assert.Equal(CommandStatus.Ok, Run(m, DesiredCommand(kit.Change(Site, 1, "desired/b", "us", region: "us-2"))).Status);
        Assert.Equal(1UL, m.DesiredAppliedSequence(kit.Region));
        Assert.Equal(1UL, m.DesiredAppliedSequence("us-2"));
    }

    [Fact]
    public void Apply_ShadowSiteState_KeepsDesiredKeysWithTheirReference()
    {
        // The shadow state the outbox folds checkpoints from used to drop desired keys (an empty ledger).
        var m = NewMachine();
        var change = kit.Change(Site, 1, "desired/fan/speed", "70");
        Run(m, DesiredCommand(change));
        Run(m, new Command { Kind = CommandKind.Put, Key = "plain", Value = "p"u8.ToArray() });
        Assert.True(m.SiteState!.TryGetRegister(Site, "desired/fan/speed", out var register));
        Assert.Equal("70"u8.ToArray(), register.Value.ToArray());
        Assert.Equal(change.Reference, register.Desired);
        Assert.True(m.SiteState.TryGetRegister(Site, "plain", out _));
    }

    [Fact]
    public void PlainPut_OfADesiredKey_StillForbidden()
    {
        var m = NewMachine();
        Assert.Equal(CommandStatus.Forbidden, Run(m, new Command { Kind = CommandKind.Put, Key = "desired/a", Value = "x"u8.ToArray() }).Status);
    }

    [Fact]
    public void Snapshot_RoundTrip_KeepsMarksAndDesiredKeys()
    {
        var m = NewMachine();
        Run(m, DesiredCommand(kit.Change(Site, 1, "desired/a", "1")));
        Run(m, DesiredCommand(kit.Change(Site, 2, "desired/b", "2")));
        Run(m, DesiredCommand(kit.Change(Site, 1, "desired/c", "3", region: "us-2")));
        var bytes = m.Snapshot();
        Assert.Equal(SiteStateMachine.SnapshotVersion, bytes[4]);
        Assert.True(SiteStateMachine.TryRestore(Site, bytes, out var back, out var error), error);
        Assert.Equal(2UL, back.DesiredAppliedSequence(kit.Region));
        Assert.Equal(1UL, back.DesiredAppliedSequence("us-2"));
        Assert.Equal(bytes, back.Snapshot());

        // The restored machine goes on exactly where the original would.
        Assert.Equal(CommandStatus.DesiredOutOfOrder, Run(back, DesiredCommand(kit.Change(Site, 2, "desired/b", "2"))).Status);
        Assert.Equal(CommandStatus.Ok, Run(back, DesiredCommand(kit.Change(Site, 3, "desired/b", "4"))).Status);
    }

    [Fact]
    public void TryRestore_PreviousVersion2_ReadWithNoMarks()
    {
        var m = NewMachine();
        Run(m, new Command { Kind = CommandKind.Put, Key = "k", Value = "v"u8.ToArray() });
        var v4 = m.Snapshot();

        // Version 2 is version 4 without the trailing desired marks and member peers (empty: a u32 count of 0 each).
        Assert.Equal(new byte[8], v4[^8..]);
        var v2 = v4[..^8];
        v2[4] = 2;
        Assert.True(SiteStateMachine.TryRestore(Site, v2, out var back, out var error), error);
        Assert.Empty(back.DesiredApplied);
        Assert.Equal("v"u8.ToArray(), back.Find("k")!.Value);
        Assert.Equal(m.ChainHash.ToArray(), back.ChainHash.ToArray());
        Assert.Equal(v4, back.Snapshot());

        // The same bytes labelled version 3 lack the marks: refused, not misread.
        var truncated = (byte[])v2.Clone();
        truncated[4] = 3;
        Assert.False(SiteStateMachine.TryRestore(Site, truncated, out _, out _));
    }

    [Fact]
    public void TryRestore_DamagedMarks_RefusedNeverThrows()
    {
        var m = NewMachine();
        Run(m, DesiredCommand(kit.Change(Site, 1, "desired/a", "1")));
        var bytes = m.Snapshot();
        const int seed = 9311;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        // The marks, then the member peers (an empty map: a u32 count of 0) end the snapshot.
        const int peers = 4;
        var tail = bytes.Length - peers - (4 + 1 + kit.Region.Length + 8);
        for (var i = 0; i < 500; i++)
        {
            var fuzz = (byte[])bytes.Clone();
            fuzz[tail + random.Next(fuzz.Length - tail)] = (byte)random.Next(256);
            if (i % 5 == 0)
            {
                fuzz = fuzz[..(tail + random.Next(fuzz.Length - tail))];
            }

            if (SiteStateMachine.TryRestore(Site, fuzz, out var back, out _))
            {
                Assert.Equal(fuzz, back.Snapshot());
            }
        }

        // A mark of sequence 0 is refused by name.
        var zero = (byte[])bytes.Clone();
        Array.Clear(zero, zero.Length - peers - 8, 8);
        Assert.False(SiteStateMachine.TryRestore(Site, zero, out _, out var error));
        Assert.Contains("desired-state mark", error, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandCodec_DesiredCommand_RoundTripsAndRefusesMismatch()
    {
        var change = kit.Change(Site, 5, "desired/x", "v");
        var command = DesiredCommand(change) with { Origin = "n1", Stamp = new HlcTimestamp(1_764_000_000_000, 1) };
        var bytes = CommandCodec.Encode(command);
        Assert.True(CommandCodec.TryDecode(bytes, out var back, out var error), error);
        Assert.Equal(CommandKind.Desired, back.Kind);
        Assert.Equal(change.Encode(), back.Value.ToArray());

        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(command with { Key = "desired/other" }));
        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(command with { Value = "not a change"u8.ToArray() }));
        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(command with { Condition = CommandCondition.IfAbsent }));

        // A maximal change (64 KiB value) fits the command limit.
        var big = kit.Change(Site, 6, "desired/" + new string('k', 240), new string('v', Grey.Federation.FederationLimits.MaxValueBytes));
        Assert.True(CommandCodec.TryDecode(CommandCodec.Encode(DesiredCommand(big) with { Origin = "n1", Stamp = command.Stamp }), out _, out error), error);

        const int seed = 4417;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var i = 0; i < 1000; i++)
        {
            var fuzz = (byte[])bytes.Clone();
            fuzz[random.Next(fuzz.Length)] = (byte)random.Next(256);
            if (CommandCodec.TryDecode(fuzz, out var decoded, out _))
            {
                Assert.Equal(fuzz, CommandCodec.Encode(decoded));
            }
        }
    }
}

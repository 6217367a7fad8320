using System.Text;
using Grey.Edge.StateMachine;
using Grey.Federation.Clock;
using Grey.Federation.Merge;
using Grey.Federation.State;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.StateMachine;

public class SiteStateMachineOutboxTests(ITestOutputHelper output)
{
    private const string Site = "site-o";
    private const ulong Epoch = 99;
    private ulong index;

    private static byte[] Hash(byte b) => Enumerable.Repeat(b, 32).ToArray();

    private SiteStateMachine NewMachine(bool keepSiteState)
    {
        var m = new SiteStateMachine(Site);
        if (keepSiteState)
        {
            m.KeepSiteState();
        }

        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.Epoch, Epoch: Epoch))));
        return m;
    }

    private void Run(SiteStateMachine m, Command c) =>
        m.Apply(new Entry(1, ++index, EntryKind.Data, CommandCodec.Encode(c with { Origin = "n1", Stamp = new HlcTimestamp(1_764_000_000_000 + (long)index, 0) })));

    private void Ack(SiteStateMachine m, ulong through, ulong epoch = Epoch) =>
        m.Apply(new Entry(1, ++index, EntryKind.Record, SiteRecordCodec.Encode(new SiteRecord(SiteRecordKind.RegionAck, Epoch: epoch, Region: "eu-1", AckIndex: through, ChainHash: Hash(7)))));

    [Fact]
    public void RegionAckRecord_RoundTrips_AndDecoderRefusesDamage()
    {
        var record = new SiteRecord(SiteRecordKind.RegionAck, Epoch: 5, Region: "eu-1", AckIndex: 77, ChainHash: Hash(3));
        var bytes = SiteRecordCodec.Encode(record);
        Assert.True(SiteRecordCodec.TryDecode(bytes, out var back, out var error), error);
        Assert.Equal((record.Epoch, record.Region, record.AckIndex), (back.Epoch, back.Region, back.AckIndex));
        Assert.Equal(record.ChainHash, back.ChainHash);
        Assert.False(SiteRecordCodec.TryDecode(bytes[..^1], out _, out _));
        Assert.False(SiteRecordCodec.TryDecode([.. bytes, 0], out _, out _));
        Assert.Throws<ArgumentException>(() => SiteRecordCodec.Encode(record with { Region = "Bad Region" }));
        Assert.Throws<ArgumentException>(() => SiteRecordCodec.Encode(record with { ChainHash = Hash(1)[..31] }));

        const int seed = 515;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var i = 0; i < 2000; i++)
        {
            var fuzz = (byte[])bytes.Clone();
            fuzz[random.Next(fuzz.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0)
            {
                fuzz = fuzz[..random.Next(fuzz.Length)];
            }

            if (SiteRecordCodec.TryDecode(fuzz, out var decoded, out _))
            {
                Assert.Equal(fuzz, SiteRecordCodec.Encode(decoded));
            }
        }
    }

    [Fact]
    public void Apply_RegionAck_MovesForwardOnlyForThisEpoch()
    {
        var m = NewMachine(keepSiteState: false);
        Run(m, new Command { Kind = CommandKind.Put, Key = "a", Value = "1"u8.ToArray() });
        Run(m, new Command { Kind = CommandKind.Put, Key = "b", Value = "2"u8.ToArray() });
        Ack(m, 3);
        Assert.Equal(3UL, m.AckedIndex);
        Ack(m, 2);
        Ack(m, 5, epoch: Epoch + 1);
        Ack(m, 100);
        Assert.Equal(3UL, m.AckedIndex);
        Assert.Equal("eu-1", m.AckedRegion);
    }

    [Fact]
    public void Snapshot_Version2_KeepsAckAndSiteState_AndVersion1StillRestores()
    {
        var m = NewMachine(keepSiteState: true);
        Run(m, new Command { Kind = CommandKind.Put, Key = "a", Value = "1"u8.ToArray() });
        Run(m, new Command { Kind = CommandKind.CounterAdd, Key = "c", Amount = 5 });
        Run(m, new Command { Kind = CommandKind.SetAdd, Key = "s", Element = "x" });
        Run(m, new Command { Kind = CommandKind.SetRemove, Key = "s", Element = "x" });
        Ack(m, 3);
        var bytes = m.Snapshot();
        Assert.Equal(SiteStateMachine.SnapshotVersion, bytes[4]);
        Assert.True(SiteStateMachine.TryRestore(Site, bytes, out var back, out var error), error);
        Assert.Equal(3UL, back.AckedIndex);
        Assert.Equal(m.AckedChainHash.ToArray(), back.AckedChainHash.ToArray());
        Assert.Equal(m.SiteState!.ComputeHash(), back.SiteState!.ComputeHash());
        Assert.Equal(bytes, back.Snapshot());

        // A version 1 snapshot (before the outbox) is still read: no ack, no site state, and the state is marked missing.
        var v1 = NewMachine(keepSiteState: false);
        Run(v1, new Command { Kind = CommandKind.Put, Key = "a", Value = "1"u8.ToArray() });
        var v1Bytes = V1(v1.Snapshot());
        Assert.True(SiteStateMachine.TryRestore(Site, v1Bytes, out var old, out error), error);
        Assert.Equal(0UL, old.AckedIndex);
        Assert.Null(old.SiteState);
        old.KeepSiteState();
        Assert.True(old.SiteStateMissing);

        // Damaged outbox fields are refused with a reason.
        var damaged = (byte[])bytes.Clone();
        damaged[^1] ^= 0xFF;
        Assert.False(SiteStateMachine.TryRestore(Site, damaged, out _, out error));
        output.WriteLine(error);
    }

    [Fact]
    public void SiteState_EqualsTheEntriesMergedByTheFederationApplier()
    {
        var m = NewMachine(keepSiteState: true);
        var entries = new List<Grey.Federation.Chain.DataEntry>();
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var key = "k/" + random.Next(10);
            var chained = m.ChainedEntries;
            Run(m, random.Next(4) switch
            {
                0 => new Command { Kind = CommandKind.Put, Key = key, Value = Encoding.UTF8.GetBytes("v" + i) },
                1 => new Command { Kind = CommandKind.Delete, Key = key },
                2 => new Command { Kind = CommandKind.SetAdd, Key = "set/" + random.Next(3), Element = "e" + random.Next(5) },
                _ => new Command { Kind = CommandKind.SetRemove, Key = "set/" + random.Next(3), Element = "e" + random.Next(5) },
            });
            if (m.ChainedEntries != chained)
            {
                entries.Add(m.LastChained!);
            }
        }

        var reference = new RegionState();
        SiteLogApplier.ApplyEntries(reference, Site, Epoch, entries, DesiredChangeLedger.Empty);
        Assert.Equal(reference.ComputeHash(), m.SiteState!.ComputeHash());
    }

    /// <summary>Cuts the version 2 and 3 fields off and sets the version byte to 1 (what an older node wrote).</summary>
    private static byte[] V1(byte[] v4)
    {
        // v2 appends: acked index (8), region (1 + 0), chain (1 + 0), site state flag (1) for a machine with no ack and no state;
        // v3 then the desired-state marks and v4 the member peers (a u32 count of 0 each here).
        var v1 = v4[..^19];
        v1[4] = 1;
        return v1;
    }
}

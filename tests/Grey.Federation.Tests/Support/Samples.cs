using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.State;

namespace Grey.Federation.Tests.Support;

/// <summary>Fixed, representative messages: every operation kind, both delta kinds, both versions.</summary>
internal static class Samples
{
    public const string Site = "site-a";
    public const ulong Epoch = 0x1122334455667788;

    public static readonly HlcTimestamp T1 = new(1_764_000_000_000, 0);
    public static readonly HlcTimestamp T2 = new(1_764_000_000_000, 1);
    public static readonly HlcTimestamp T3 = new(1_764_000_000_005, 0);

    public static DesiredChange Change { get; } = new("r0", Site, 1, "desired/fan", [0x6F, 0x6E], T1);

    public static DesiredChangeLedger Ledger()
    {
        var l = new DesiredChangeLedger();
        l.Add(Change);
        return l;
    }

    public static IReadOnlyList<DataEntry> Entries() =>
    [
        new DataEntry(1, T1, [Operation.Put("temp", [0x15], T1, "node-1"), Operation.CounterAdd("shared/visits", 3, T1, "node-1")]),
        new DataEntry(3, T2, [Operation.SetAdd("tags", "red", T2, "node-1"), Operation.Delete("old", T2, "node-1")]),
        new DataEntry(4, T3,
        [
            Operation.SetRemove("tags", "red", [new SetTag(Site, "node-1", T2)], T3, "node-1"),
            Operation.CounterAdd("shared/visits", -1, T3, "node-2"),
            Change.ToOperation(T3, "node-1"),
        ]),
    ];

    public static SiteDelta Delta(int version = 2) =>
        SiteDelta.Create("r0", Site, Epoch, 1, 4, ChainHash.Genesis(Site, Epoch), Entries(), version);

    public static SiteDelta DeltaTail() => SiteDelta.Create("r0", Site, Epoch, 3, 5, ChainHash.Fold(ChainHash.Genesis(Site, Epoch), Entries().Take(1)), [.. Entries().Skip(1)]);

    public static CheckpointDelta Checkpoint(int version = 2)
    {
        var state = new RegionState();
        SiteLogApplier.ApplyEntries(state, Site, Epoch, Entries(), Ledger());
        return CheckpointDelta.Create("r0", Site, Epoch, 4, ChainHash.Fold(ChainHash.Genesis(Site, Epoch), Entries()), state, version);
    }

    public static RegionState RegionStateWithProgress()
    {
        var state = new RegionState();
        SiteLogApplier.ApplyLog(state, Site, Epoch, Entries(), 4, Ledger());
        return state;
    }

    public static RegionAck Ack() => new("r0", Site, Epoch, 4, ChainHash.Fold(ChainHash.Genesis(Site, Epoch), Entries()));
}

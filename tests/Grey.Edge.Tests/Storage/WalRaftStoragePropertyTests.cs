using Grey.Edge.Storage;
using Grey.Edge.Storage.Files;
using Grey.Raft;
using Xunit.Abstractions;
using static Grey.Edge.Tests.Storage.StorageTestKit;

namespace Grey.Edge.Tests.Storage;

public sealed class WalRaftStoragePropertyTests(ITestOutputHelper output)
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 24; seed++)
        {
            data.Add(seed * 7919);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomOperations_MatchMemoryStorage_AcrossRestartsAndPowerCuts(int seed)
    {
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var fs = new SimulatedFileSystem();
        var model = new MemoryStorage();
        var storage = await OpenAsync(fs);
        ulong term = 1;
        var log = new List<string>();
        try
        {
            for (var step = 0; step < 160; step++)
            {
                var roll = rng.Next(100);
                var first = model.FirstIndex();
                var last = model.LastIndex();
                var snapIndex = model.Snapshot().Metadata.Index;
                if (roll < 45)
                {
                    if (rng.Next(4) == 0)
                    {
                        term++;
                    }

                    // Raft never rewrites entries a snapshot covers (they are committed): a new batch starts above the
                    // snapshot index, or, when the log is compacted exactly to the snapshot, may start in the
                    // compacted range (a leader resending old entries), which storage skips.
                    ulong lo;
                    if (first - 1 == snapIndex && first > 2 && rng.Next(8) == 0)
                    {
                        lo = first - (ulong)rng.Next(1, 3);
                    }
                    else
                    {
                        lo = (ulong)rng.NextInt64((long)snapIndex + 1, (long)last + 2);
                    }

                    var count = rng.Next(1, 7);
                    var entries = new List<Entry>();
                    for (var i = 0; i < count; i++)
                    {
                        var data = new byte[rng.Next(0, 300)];
                        rng.NextBytes(data);
                        entries.Add(new Entry(term, lo + (ulong)i, (EntryKind)rng.Next(4), data));
                    }

                    log.Add($"append {lo}..{lo + (ulong)count - 1}@{term}");
                    model.Append(entries);
                    await storage.AppendAsync(entries);
                }
                else if (roll < 55)
                {
                    var hs = new HardState(term, (ulong)rng.Next(4), Math.Max(model.HardState.Commit, last == 0 ? 0 : (ulong)rng.NextInt64(0, (long)last + 1)));
                    log.Add($"hardstate {hs}");
                    model.SetHardState(hs);
                    await storage.SetHardStateAsync(hs);
                }
                else if (roll < 65 && last > snapIndex && last >= first)
                {
                    var index = (ulong)rng.NextInt64((long)Math.Max(snapIndex + 1, first - 1), (long)last + 1);
                    var cs = ConfState.OfVoters(1, 2, (ulong)rng.Next(3, 9));
                    var data = new byte[rng.Next(0, 64)];
                    rng.NextBytes(data);
                    log.Add($"snapshot {index}");
                    model.CreateSnapshot(index, cs, data);
                    await storage.CreateSnapshotAsync(index, cs, data);
                }
                else if (roll < 75 && snapIndex >= first)
                {
                    var index = (ulong)rng.NextInt64((long)first, (long)snapIndex + 1);
                    log.Add($"compact {index}");
                    model.Compact(index);
                    var result = await storage.CompactAsync(index);
                    Assert.Equal(index, result.CompactedThrough);
                }
                else if (roll < 80)
                {
                    term++;
                    var index = snapIndex + (ulong)rng.Next(1, 20);
                    var data = new byte[rng.Next(0, 64)];
                    rng.NextBytes(data);
                    var snap = new Snapshot(new SnapshotMetadata(index, term, ConfState.OfVoters(1, 2, 3)), data);
                    log.Add($"apply snapshot {index}@{term}");
                    model.ApplySnapshot(snap);
                    await storage.ApplySnapshotAsync(snap);
                }
                else if (roll < 90)
                {
                    log.Add("restart");
                    await storage.DisposeAsync();
                    storage = await OpenAsync(fs);
                }
                else
                {
                    // A power cut: only what was fsynced survives, and an unsynced tail may be torn. Every
                    // operation above was awaited, so every one of them must survive.
                    log.Add("power cut");
                    var survivor = fs.AfterCrash(powerLoss: true, tear: rng);
                    await storage.DisposeAsync();
                    fs = survivor;
                    storage = await OpenAsync(fs);
                }

                Assert.True(
                    Signature(model) == Signature(storage),
                    $"seed {seed}, step {step}: storage differs from MemoryStorage after: {string.Join("; ", log.TakeLast(8))}\nexpected:\n{Signature(model)}\nactual:\n{Signature(storage)}");
            }
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }
}

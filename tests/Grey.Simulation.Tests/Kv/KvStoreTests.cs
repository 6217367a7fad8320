using Grey.Simulation.Kv;

namespace Grey.Simulation.Tests.Kv;

public sealed class KvStoreTests
{
    [Fact]
    public void Apply_WriteAndCas_BehaveAsARegisterPerKey()
    {
        var store = new KvStore();
        Assert.Null(store.Read("a"));
        Assert.False(store.Apply(new KvCommand(1, 1, KvOperation.Cas, "a", 5, 4)).Ok);
        Assert.True(store.Apply(new KvCommand(1, 2, KvOperation.Cas, "a", 5, null)).Ok);
        Assert.Equal(5, store.Read("a"));
        Assert.True(store.Apply(new KvCommand(1, 3, KvOperation.Write, "a", 6, null)).Ok);
        Assert.True(store.Apply(new KvCommand(1, 4, KvOperation.Cas, "a", 7, 6)).Ok);
        Assert.Equal(7, store.Read("a"));
        Assert.Null(store.Read("b"));
    }

    [Fact]
    public void Apply_SameClientAndSequenceTwice_AppliesOnceAndRepeatsTheAnswer()
    {
        var store = new KvStore();
        var write = new KvCommand(2, 1, KvOperation.Write, "a", 10, null);
        store.Apply(write);
        store.Apply(new KvCommand(3, 1, KvOperation.Write, "a", 20, null));

        var again = store.Apply(write);

        Assert.True(again.Duplicate);
        Assert.True(again.Ok);
        Assert.Equal(20, store.Read("a"));
        Assert.Equal(2, store.Applied);
        Assert.Equal(1, store.Duplicates);
    }

    [Fact]
    public void Snapshot_ThenRestore_ReproducesValuesAndSessions()
    {
        var store = new KvStore();
        store.Apply(new KvCommand(1, 1, KvOperation.Write, "a", 1, null));
        store.Apply(new KvCommand(2, 5, KvOperation.Write, "b", 2, null));

        var copy = new KvStore();
        Assert.True(copy.TryRestore(store.Snapshot(), out var error), error);

        Assert.Equal(store.Snapshot(), copy.Snapshot());
        Assert.True(copy.Apply(new KvCommand(2, 5, KvOperation.Write, "b", 99, null)).Duplicate);
        Assert.Equal(2, copy.Read("b"));
    }

    [Fact]
    public void TryRestore_MalformedBytes_RefusesAndKeepsState()
    {
        var store = new KvStore();
        store.Apply(new KvCommand(1, 1, KvOperation.Write, "a", 1, null));
        byte[] good = store.Snapshot();
        var random = new Random(5);
        for (int i = 0; i < 5000; i++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[random.Next(bad.Length)] = (byte)random.Next(256);
            bad = bad[..random.Next(bad.Length + 1)];
            var target = new KvStore();
            target.Apply(new KvCommand(9, 1, KvOperation.Write, "z", 9, null));
            if (!target.TryRestore(bad, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error));
                Assert.Equal(9, target.Read("z"));
            }
        }
    }
}

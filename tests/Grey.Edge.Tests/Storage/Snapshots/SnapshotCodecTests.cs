using Grey.Edge.Storage.Snapshots;
using Grey.Raft;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Storage.Snapshots;

public sealed class SnapshotCodecTests(ITestOutputHelper output)
{
    private static Snapshot Snap(ulong index, ulong term, int size = 16) =>
        new(new SnapshotMetadata(index, term, new ConfState([1, 2], [4], [1, 3], [3], true)), Enumerable.Range(0, size).Select(i => (byte)(i + (int)index)).ToArray());

    [Fact]
    public void TryDecode_Encoded_RoundTrips()
    {
        var snapshot = Snap(9, 4, 33);
        var decoded = SnapshotCodec.TryDecode(SnapshotCodec.Encode(snapshot), out var error);
        Assert.Null(error);
        Assert.NotNull(decoded);
        Assert.Equal((9UL, 4UL), (decoded.Metadata.Index, decoded.Metadata.Term));
        Assert.True(snapshot.Metadata.ConfState.IsEquivalent(decoded.Metadata.ConfState));
        Assert.Equal(snapshot.Data.ToArray(), decoded.Data.ToArray());
    }

    [Fact]
    public void TryDecode_OtherVersion_ReportsIt()
    {
        var bytes = SnapshotCodec.Encode(Snap(1, 1));
        bytes[4] = 2;
        var crc = Grey.Edge.Storage.Wal.Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), crc);
        Assert.Null(SnapshotCodec.TryDecode(bytes, out var error));
        Assert.Contains("version 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDecode_RandomAndMutatedBytes_NeverThrows()
    {
        const int seed = 4242;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var valid = SnapshotCodec.Encode(Snap(7, 3, 40));
        Assert.NotNull(SnapshotCodec.TryDecode(valid, out _));
        for (var i = 0; i < 20000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = valid.ToArray();
                for (var flips = rng.Next(1, 4); flips > 0; flips--)
                {
                    input[rng.Next(input.Length)] = (byte)rng.Next(256);
                }

                input = input[..rng.Next(input.Length + 1)];
            }
            else
            {
                input = new byte[rng.Next(0, 200)];
                rng.NextBytes(input);
            }

            var result = SnapshotCodec.TryDecode(input, out var error);
            Assert.True(result is not null || error is not null, $"seed {seed}, case {i}: neither result nor error");
        }
    }
}

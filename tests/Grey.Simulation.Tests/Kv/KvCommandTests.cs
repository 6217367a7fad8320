using Grey.Simulation.Kv;

namespace Grey.Simulation.Tests.Kv;

public sealed class KvCommandTests
{
    [Theory]
    [InlineData(1, null)]
    [InlineData(2, null)]
    [InlineData(2, -5L)]
    public void Encode_ThenDecode_RoundTrips(byte operation, long? expected)
    {
        var op = (KvOperation)operation;
        var command = new KvCommand(3, 77, op, "k1", 1_000_001, op == KvOperation.Write ? null : expected);
        Assert.True(KvCommand.TryDecode(command.Encode(), out var decoded, out var error), error);
        Assert.Equal(command, decoded);
    }

    [Fact]
    public void TryDecode_EveryTruncation_IsRefusedWithAReason()
    {
        byte[] bytes = new KvCommand(1, 2, KvOperation.Cas, "key", 3, 4).Encode();
        for (int n = 0; n < bytes.Length; n++)
        {
            Assert.False(KvCommand.TryDecode(bytes.AsSpan(0, n), out _, out var error));
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Fact]
    public void TryDecode_RandomAndMutatedBytes_NeverThrowsAndReEncodesExactly()
    {
        var random = new Random(11);
        byte[] valid = new KvCommand(1, 2, KvOperation.Cas, "key", 3, 4).Encode();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 60)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])valid.Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
            }

            if (KvCommand.TryDecode(input, out var command, out _))
            {
                // Strict decoding: whatever is accepted encodes back to the very same bytes.
                Assert.Equal(input, command.Encode());
            }
        }
    }

    [Fact]
    public void Encode_KeyTooLong_Throws()
    {
        var command = new KvCommand(1, 1, KvOperation.Write, new string('k', KvCommand.MaxKeyBytes + 1), 1, null);
        Assert.Throws<InvalidOperationException>(() => command.Encode());
    }
}

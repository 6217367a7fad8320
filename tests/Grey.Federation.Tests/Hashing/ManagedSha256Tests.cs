using System.Globalization;
using System.Security.Cryptography;
using Grey.Federation.Hashing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Grey.Federation.Tests.Hashing;

public sealed class ManagedSha256Tests(ITestOutputHelper output)
{
    /// <summary>Random inputs compared against the system SHA-256 per run (besides every length up to <see cref="ExhaustiveLengths"/>).</summary>
    private const int RandomCases = 400;

    /// <summary>Longest random input, in bytes.</summary>
    private const int MaxRandomLength = 10_000;

    /// <summary>Every length below this is compared: the padding's one- and two-block cases and three block edges.</summary>
    private const int ExhaustiveLengths = 200;

    /// <summary>The examples of FIPS 180-4's SHA-256 (NIST's "Example Algorithms" for SHA-256), and the empty message.</summary>
    public static TheoryData<string, int, string> FipsVectors => new()
    {
        { string.Empty, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        { "a", 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
    };

    [Theory]
    [MemberData(nameof(FipsVectors))]
    public void HashData_FipsExample_MatchesPublishedDigest(string text, int repeat, string expectedHex)
    {
        byte[] message = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(text, repeat)));
        Assert.Equal(expectedHex, Convert.ToHexStringLower(ManagedSha256.HashData(message)));
    }

    [Fact]
    public void HashData_EveryShortLength_EqualsSystemSha256()
    {
        // Lengths 0..199 cover the padding's edges: 55 (length fits in the last block), 56 (a second block is needed),
        // 63/64 (block boundary), 119/120 and 127/128 (the same one block later).
        int seed = NewSeed();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int length = 0; length < ExhaustiveLengths; length++)
        {
            AssertEqualsSystem(RandomBytes(random, length), seed);
        }
    }

    [Fact]
    public void HashData_RandomLengthsUpTo10000_EqualsSystemSha256()
    {
        int seed = NewSeed();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        int[] edges = [55, 56, 63, 64, 119, 120, 127, 128, 9_999, MaxRandomLength];
        foreach (int length in edges)
        {
            AssertEqualsSystem(RandomBytes(random, length), seed);
        }

        for (int i = 0; i < RandomCases; i++)
        {
            AssertEqualsSystem(RandomBytes(random, random.Next(MaxRandomLength + 1)), seed);
        }
    }

    [Fact]
    public void HashData_AllZeroAndAllOneBytes_EqualsSystemSha256()
    {
        // Inputs a random generator is unlikely to produce: the round functions' carries and rotations on extreme words.
        foreach (byte fill in new byte[] { 0x00, 0xFF, 0x80, 0x7F })
        {
            foreach (int length in new[] { 1, 55, 56, 64, 1_000 })
            {
                AssertEqualsSystem(Enumerable.Repeat(fill, length).ToArray(), seed: 0);
            }
        }
    }

    [Fact]
    public void HashData_LargerDestination_WritesOnlyFirst32Bytes()
    {
        byte[] destination = Enumerable.Repeat((byte)0xAA, 40).ToArray();
        int written = ManagedSha256.HashData("abc"u8, destination);
        Assert.Equal(32, written);
        Assert.Equal(SHA256.HashData("abc"u8), destination[..32]);
        Assert.All(destination[32..], b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void HashData_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => ManagedSha256.HashData("abc"u8, new byte[31]));
    }

    /// <summary>A fresh seed for each run unless <c>GREY_TEST_SEED</c> replays one; tests print it.</summary>
    private static int NewSeed() =>
        Environment.GetEnvironmentVariable("GREY_TEST_SEED") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : Random.Shared.Next();

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void AssertEqualsSystem(byte[] message, int seed)
    {
        string expected = Convert.ToHexString(SHA256.HashData(message));
        string actual = Convert.ToHexString(ManagedSha256.HashData(message));
        if (expected != actual)
        {
            throw new XunitException($"seed {seed} (replay with GREY_TEST_SEED={seed}): length {message.Length}: managed {actual}, system {expected}");
        }
    }
}

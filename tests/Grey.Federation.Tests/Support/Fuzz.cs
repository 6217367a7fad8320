using Xunit.Sdk;

namespace Grey.Federation.Tests.Support;

/// <summary>
/// Seeded mutation fuzzing: flips, inserts, deletes, truncates and splices bytes of valid inputs and hands
/// each mutant to a decoder that must return (a value or an error) without throwing. The seed is printed
/// on failure so the failing mutant replays.
/// </summary>
internal static class Fuzz
{
    public static int Run(int seed, int iterations, IReadOnlyList<byte[]> corpus, Func<byte[], bool> decode)
    {
        var rng = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < iterations; i++)
        {
            byte[] mutant = Mutate(rng, corpus[rng.Next(corpus.Count)], corpus);
            try
            {
                if (decode(mutant))
                {
                    accepted++;
                }
            }
            catch (Exception e)
            {
                throw new XunitException($"fuzz seed {seed}, iteration {i}: decoder threw {e.GetType().Name}: {e.Message}\ninput: {Convert.ToHexString(mutant)}");
            }
        }

        return accepted;
    }

    public static byte[] Mutate(Random rng, byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var b = new List<byte>(input);
        int rounds = rng.Next(1, 4);
        for (int r = 0; r < rounds; r++)
        {
            int pos = b.Count == 0 ? 0 : rng.Next(b.Count);
            switch (rng.Next(7))
            {
                case 0 when b.Count > 0: b[pos] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[pos] = (byte)rng.Next(256); break;
                case 2: b.Insert(pos, (byte)rng.Next(256)); break;
                case 3 when b.Count > 0: b.RemoveAt(pos); break;
                case 4 when b.Count > 0: b.RemoveRange(pos, b.Count - pos); break;
                case 5 when b.Count > 0: b[pos] = new byte[] { 0x00, 0x17, 0x18, 0x1B, 0x5F, 0x7F, 0x9F, 0xBF, 0xF9, 0xFB, 0xFF, 0xC0 }[rng.Next(12)]; break;
                default:
                    byte[] other = corpus[rng.Next(corpus.Count)];
                    if (other.Length > 0)
                    {
                        int from = rng.Next(other.Length);
                        int len = rng.Next(1, Math.Min(16, other.Length - from) + 1);
                        b.InsertRange(pos, other.AsSpan(from, len).ToArray());
                    }

                    break;
            }
        }

        return [.. b];
    }
}

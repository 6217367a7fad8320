using System.Globalization;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Enrollment.Protocol;
using Xunit.Abstractions;

namespace Grey.Attestation.Tests.Enrollment.Protocol;

/// <summary>
/// A seeded mutation fuzzer over the enrollment protocol: the decoder of every message type, the region's
/// handlers (which must answer every input with a decodable reply) and the client (which must turn every
/// mutated reply into a refusal or a rejection, never an exception). The seed is printed; set
/// GREY_FUZZ_SEED to replay one.
/// </summary>
public sealed class EnrollmentFuzzTests(ITestOutputHelper output)
{
    private const int IterationsPerMessage = 2000;

    [Fact]
    public void Decode_MutatedMessagesOfEveryType_OnlyMalformedNeverThrows()
    {
        int seed = Seed();
        var random = new Random(seed);
        int refused = 0;
        foreach (EnrollmentMessage message in EnrollmentCodecTests.Samples())
        {
            byte[] wire = EnrollmentCodec.Encode(message);
            for (int i = 0; i < IterationsPerMessage; i++)
            {
                byte[] mutated = Mutate(wire, random);
                DecodedMessage decoded;
                try
                {
                    decoded = EnrollmentCodec.Decode(mutated);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{message.Type}: iteration {i}, seed {seed}: {e.GetType().Name}: {e.Message}\ninput {Convert.ToHexString(mutated)}");
                    return;
                }

                if (decoded.Ok)
                {
                    // Canonical: whatever decodes re-encodes to exactly the bytes read.
                    Assert.Equal(mutated, EnrollmentCodec.Encode(decoded.Message!));
                }
                else
                {
                    refused++;
                    Assert.NotNull(decoded.Code);
                }
            }
        }

        output.WriteLine($"{refused} of {EnrollmentCodecTests.Samples().Length * IterationsPerMessage} mutations refused");
        Assert.True(refused > 0);
    }

    [Fact]
    public async Task Handlers_MutatedRequests_AlwaysAnswerDecodableRepliesNeverThrow()
    {
        int seed = Seed();
        var random = new Random(seed);
        using var world = new EnrollmentWorld();
        var requests = new List<byte[]>();
        world.TamperRequest = (kind, bytes) =>
        {
            requests.Add(bytes);
            return bytes;
        };
        string data = world.NewDirectory();
        Assert.True((await world.OpenClient(world.StartTpm(data), data).RefreshAsync()).Succeeded);
        Assert.Equal(4, requests.Count);

        for (int i = 0; i < 400; i++)
        {
            byte[] mutated = Mutate(requests[i % requests.Count], random);
            EnrollmentHandled handled;
            try
            {
                handled = i % 2 == 0
                    ? await world.Service.HandleEnrollAsync(EnrollmentWorld.Site, mutated)
                    : await world.Service.HandleAttestAsync(EnrollmentWorld.Site, mutated);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}, seed {seed}: {e.GetType().Name}: {e.Message}\ninput {Convert.ToHexString(mutated)}");
                return;
            }

            Assert.True(EnrollmentCodec.Decode(handled.Reply).Ok, $"iteration {i}, seed {seed}: undecodable reply");
        }
    }

    [Fact]
    public async Task Client_MutatedReplies_RefusedOrRejectedNeverThrows()
    {
        int seed = Seed();
        var random = new Random(seed);
        using var world = new EnrollmentWorld();
        string data = world.NewDirectory();
        var tpm = world.StartTpm(data);
        int step = 0;
        world.Tamper = (kind, reply) => step++ % 4 == 0 ? Mutate(reply, random) : reply;
        for (int i = 0; i < 60; i++)
        {
            EnrollmentClient client = world.OpenClient(tpm, data);
            EnrollmentStepResult result;
            try
            {
                result = i % 2 == 0 ? await client.RefreshAsync() : await client.EnrollAsync();
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}, seed {seed}: {e}");
                return;
            }

            Assert.False(string.IsNullOrEmpty(result.Detail));
            client.Dispose();
        }
    }

    private int Seed()
    {
        string? fixedSeed = Environment.GetEnvironmentVariable("GREY_FUZZ_SEED");
        int seed = fixedSeed is not null ? int.Parse(fixedSeed, CultureInfo.InvariantCulture) : Environment.TickCount & int.MaxValue;
        output.WriteLine($"fuzz seed {seed} (replay with GREY_FUZZ_SEED={seed})");
        return seed;
    }

    private static byte[] Mutate(byte[] input, Random r)
    {
        var b = new List<byte>(input);
        int mutations = 1 + r.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            int at = b.Count == 0 ? 0 : r.Next(b.Count);
            switch (r.Next(7))
            {
                case 0 when b.Count > 0:
                    b[at] ^= (byte)(1 << r.Next(8));
                    break;
                case 1 when b.Count > 0:
                    b[at] = (byte)r.Next(256);
                    break;
                case 2:
                    b.InsertRange(at, Enumerable.Range(0, 1 + r.Next(8)).Select(_ => (byte)r.Next(256)));
                    break;
                case 3 when b.Count > 0:
                    b.RemoveRange(at, Math.Min(b.Count - at, 1 + r.Next(8)));
                    break;
                case 4:
                    b.RemoveRange(at, b.Count - at);
                    break;
                case 5 when b.Count > 1:
                    b[at] = 0xFF;
                    b[(at + 1) % b.Count] = 0xFF;
                    break;
                default:
                    if (b.Count > 0)
                    {
                        int len = Math.Min(b.Count - at, 1 + r.Next(16));
                        b.InsertRange(at, b.GetRange(at, len));
                    }

                    break;
            }
        }

        return [.. b];
    }
}

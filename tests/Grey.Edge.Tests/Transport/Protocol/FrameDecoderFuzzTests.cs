using System.Buffers;
using System.Buffers.Binary;
using Grey.Edge.Transport;
using Grey.Edge.Transport.Protocol;
using Grey.Raft;
using Xunit.Abstractions;
using static Grey.Edge.Tests.Transport.TransportTestKit;

namespace Grey.Edge.Tests.Transport.Protocol;

/// <summary>
/// A seeded mutation fuzzer over valid frames: every mutated input must end in a decode error or a valid
/// decode, never an exception. Half of the inputs get their checksum fixed up so the mutations reach the
/// payload decoders. GREY_FUZZ_SEED and GREY_FUZZ_ITERATIONS override the defaults; the seed is printed.
/// </summary>
public sealed class FrameDecoderFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261126;
    private const int DefaultIterations = 30_000;

    [Fact]
    public async Task Decode_SeededMutations_EndInDecodeErrorsOnly()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GREY_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("GREY_FUZZ_ITERATIONS"), out var n) ? n : DefaultIterations;
        output.WriteLine($"fuzz seed {seed}, {iterations} iterations (GREY_FUZZ_SEED={seed} replays)");
        var rng = new Random(seed);
        var corpus = Corpus();
        var decoded = 0;
        var errors = new Dictionary<DecodeErrorCode, int>();
        for (var i = 0; i < iterations; i++)
        {
            var input = Mutate(corpus[rng.Next(corpus.Count)], rng);
            if (rng.Next(2) == 0 && input.Length >= ProtocolLimits.HeaderSize + ProtocolLimits.TrailerSize)
            {
                FixChecksum(input);
            }

            DecodeError? error;
            try
            {
                error = DecodeAll(input);
                if (i % 16 == 0)
                {
                    // The stream reader must agree with the buffer decoder on where a frame fails.
                    var (_, streamError, end) = await new FrameReader(new MemoryStream(input)).ReadAsync(CancellationToken.None);
                    Assert.True(end || streamError is not null || FrameCodec.TryDecode(input, out _, out _) is null, $"iteration {i}: stream reader accepted what the decoder refused");
                }
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"seed {seed} iteration {i}: decoder threw on {Convert.ToHexString(input)}", e);
            }

            if (error is null)
            {
                decoded++;
            }
            else
            {
                errors[error.Code] = errors.GetValueOrDefault(error.Code) + 1;
            }
        }

        output.WriteLine($"decoded {decoded}; errors: {string.Join(", ", errors.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}"))}");

        // The fuzzer must reach both outcomes and the deep payload checks, or it tests nothing.
        Assert.True(decoded > 0, "no mutated input decoded");
        Assert.Contains(DecodeErrorCode.ChecksumMismatch, errors.Keys);
        Assert.Contains(DecodeErrorCode.MalformedPayload, errors.Keys);
        Assert.Contains(DecodeErrorCode.Truncated, errors.Keys);
    }

    /// <summary>Decodes a frame and its payload the way a connection does; a decoded message must re-encode to the same payload.</summary>
    private static DecodeError? DecodeAll(byte[] input)
    {
        var error = FrameCodec.TryDecode(input, out var frame, out _);
        if (error is not null)
        {
            return error;
        }

        switch (frame.Header.Type)
        {
            case FrameType.Handshake:
                return HandshakeCodec.TryDecodeHandshake(frame.Payload, frame.Header.Version, out _);
            case FrameType.Refusal:
                return HandshakeCodec.TryDecodeRefusal(frame.Payload, out _, out _);
            case FrameType.Heartbeat:
                return null;
            default:
                error = FrameCodec.TryDecodeMessage(frame, out var message);
                if (error is null)
                {
                    var again = new ArrayBufferWriter<byte>();
                    Assert.Null(FrameCodec.TryWriteMessage(again, message!, frame.Header.Version, out _));
                    Assert.Equal(frame.Payload.ToArray(), again.WrittenSpan[ProtocolLimits.HeaderSize..^ProtocolLimits.TrailerSize].ToArray());
                }

                return error;
        }
    }

    private static List<byte[]> Corpus()
    {
        var corpus = new List<byte[]>();
        foreach (var version in new[] { ProtocolVersion.Previous, ProtocolVersion.Current })
        {
            foreach (var m in EveryMessageType())
            {
                var message = m;
                if (version < 2 && m.Snapshot is not null)
                {
                    message = m with { Snapshot = new Snapshot(new SnapshotMetadata(5, 2, ConfState.OfVoters(1, 2)), new byte[] { 1, 2, 3 }) };
                }
                else if (m.Snapshot is not null)
                {
                    message = m with { Snapshot = m.Snapshot with { Data = new byte[] { 9, 8, 7 } } };
                }

                var w = new ArrayBufferWriter<byte>();
                Assert.Null(FrameCodec.TryWriteMessage(w, message, version, out _));
                corpus.Add(w.WrittenSpan.ToArray());
            }

            var h = new ArrayBufferWriter<byte>();
            HandshakeCodec.WriteHandshake(h, new Handshake(version, Site, 1, 2));
            corpus.Add(h.WrittenSpan.ToArray());
            var r = new ArrayBufferWriter<byte>();
            HandshakeCodec.WriteRefusal(r, version, RefusalReason.UnknownNode, "node 9 is unknown");
            corpus.Add(r.WrittenSpan.ToArray());
            var hb = new ArrayBufferWriter<byte>();
            FrameCodec.WriteControl(hb, FrameType.Heartbeat, version, []);
            corpus.Add(hb.WrittenSpan.ToArray());
        }

        return corpus;
    }

    private static byte[] Mutate(byte[] original, Random rng)
    {
        var bytes = original.ToList();
        var mutations = 1 + rng.Next(4);
        for (var m = 0; m < mutations; m++)
        {
            switch (rng.Next(7))
            {
                case 0 when bytes.Count > 0:
                    var bit = rng.Next(bytes.Count * 8);
                    bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
                    break;
                case 2 when bytes.Count > 0:
                    var from = rng.Next(bytes.Count);
                    bytes.RemoveRange(from, Math.Min(1 + rng.Next(16), bytes.Count - from));
                    break;
                case 3:
                    bytes.InsertRange(rng.Next(bytes.Count + 1), Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 4 when bytes.Count >= 4:
                    // Interesting 32-bit values over a length or count field.
                    uint[] values = [0, 1, 0x7f, 0xff, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xffffffff, ProtocolLimits.MaxMessageFrameBytes + 1u];
                    var at = rng.Next(bytes.Count - 3);
                    var v = values[rng.Next(values.Length)];
                    for (var b = 0; b < 4; b++)
                    {
                        bytes[at + b] = (byte)(v >> (8 * b));
                    }

                    break;
                case 5 when bytes.Count > 1:
                    bytes.RemoveRange(rng.Next(bytes.Count), 1);
                    break;
                case 6 when bytes.Count > 0:
                    // Truncation.
                    var keep = rng.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Makes the length field match and recomputes the CRC, so the mutation reaches the payload decoder.</summary>
    private static void FixChecksum(byte[] input)
    {
        var payloadLength = input.Length - ProtocolLimits.HeaderSize - ProtocolLimits.TrailerSize;
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(4, 4), (uint)payloadLength);
        var body = input.AsSpan(0, input.Length - ProtocolLimits.TrailerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(input.Length - ProtocolLimits.TrailerSize), FrameCodec.Checksum(body));
    }
}

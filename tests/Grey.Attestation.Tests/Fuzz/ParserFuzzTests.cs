using System.Globalization;
using Grey.Attestation.Credentials;
using Grey.Attestation.Events;
using Grey.Attestation.Pcr;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;
using Grey.Attestation.Tests.Verification;
using Grey.Attestation.Verification;
using Xunit.Abstractions;

namespace Grey.Attestation.Tests.Fuzz;

/// <summary>
/// A seeded mutation fuzzer over every decoder: each malformed input must end in a parse error (a false
/// TryParse or a TpmFormatException), never another exception or a hang. The seed is printed; set
/// GREY_FUZZ_SEED to replay one.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 3000;

    private static readonly TpmAlgId[] Banks = [TpmAlgId.Sha256, TpmAlgId.Sha384];

    [Fact]
    public void Parsers_MutatedRealInputs_OnlyParseErrors()
    {
        int seed = Seed();
        var random = new Random(seed);
        var corpus = new (string Name, byte[] Bytes, Action<byte[]> Parse)[]
        {
            ("TPMS_ATTEST", TestData.Bytes("swtpm-ecc/quote.msg"), b => TpmsAttest.TryParse(b, out _, out _)),
            ("TPMS_ATTEST rsa", TestData.Bytes("swtpm-rsa/quote.msg"), b => TpmsAttest.TryParse(b, out _, out _)),
            ("TPMT_SIGNATURE ecdsa", TestData.Bytes("swtpm-ecc/quote.sig"), b => TpmtSignature.TryParse(b, out _, out _)),
            ("TPMT_SIGNATURE rsassa", TestData.Bytes("swtpm-rsa/quote.sig"), b => TpmtSignature.TryParse(b, out _, out _)),
            ("TPM2B_PUBLIC ecc ak", TestData.Bytes("swtpm-ecc/ak.pub"), b => TpmPublic.TryParse(b, out _, out _)),
            ("TPM2B_PUBLIC rsa ek", TestData.Bytes("swtpm-ca/rsaek.pub"), b => TpmPublic.TryParse(b, out _, out _)),
            ("TPM2B_PUBLIC ecc ek", TestData.Bytes("swtpm-ca/eccek.pub"), b => TpmPublic.TryParse(b, out _, out _)),
            ("PCR file", TestData.Bytes("swtpm-rsa/quote.pcrs"), b => Tpm2ToolsPcrFile.TryParse(b, out _, out _)),
            ("simple event log", SimpleLog(), b => EventLog.TryParse(b, out _, out _)),
            ("TCG event log", TcgLog(), b => EventLog.TryParse(b, out _, out _)),
            ("policy", """{"version":1,"pcrSelection":"sha256:0,16","keyBindingPcr":16,"pcrValues":{"sha256:0":["00000000000000000000000000000000000000000000000000000000000000ff"]}}"""u8.ToArray(),
                b => PolicyFile.TryParse(b, out _, out _)),
            ("credential file", Tpm2ToolsCredentialFile.Write(new CredentialChallenge([0, 2, 1, 2, 3, 4], [0, 1, 2])), b => Catch(() => Tpm2ToolsCredentialFile.Parse(b))),
            ("signed envelope", new SignedEnvelope([1, 2, 3], new byte[64]).ToBytes(), b => SignedEnvelope.TryParse(b, out _, out _)),
            ("attestation result", new AttestationResult("v", "n", [0, 11], "ab", new byte[32], new TpmsClockInfo(1, 2, 3, true), true, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).ToBytes(),
                b => Catch(() => AttestationResult.Parse(b))),
            ("revocation notice", new RevocationNotice("r", 5, "n", Grey.Attestation.Registration.NodeState.Revoked, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).ToBytes(),
                b => Catch(() => RevocationNotice.Parse(b))),
        };

        foreach ((string name, byte[] seedInput, Action<byte[]> parse) in corpus)
        {
            parse(seedInput);
            for (int i = 0; i < Iterations; i++)
            {
                byte[] mutated = Mutate(seedInput, random);
                try
                {
                    parse(mutated);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{name}: iteration {i} with seed {seed} threw {e.GetType().Name}: {e.Message}\ninput {Convert.ToHexString(mutated)}");
                }
            }
        }
    }

    [Fact]
    public void QuoteVerifier_MutatedEvidence_NeverAcceptsNeverThrows()
    {
        int seed = Seed();
        var random = new Random(seed);
        QuoteEvidence genuine = QuoteVerifierTests.Evidence("swtpm-ecc");
        byte[] nonce = QuoteVerifierTests.Nonce("swtpm-ecc");
        for (int i = 0; i < 1500; i++)
        {
            QuoteEvidence e = (i % 4) switch
            {
                0 => genuine with { Attest = Mutate(genuine.Attest, random) },
                1 => genuine with { Signature = Mutate(genuine.Signature, random) },
                2 => genuine with { AkPublic = Mutate(genuine.AkPublic, random) },
                _ => genuine with { PcrValues = Mutate(genuine.PcrValues, random) },
            };
            VerificationOutcome outcome;
            try
            {
                outcome = QuoteVerifier.Verify(e, nonce);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i} with seed {seed} threw {ex.GetType().Name}: {ex.Message}");
                return;
            }

            // A mutation may leave the signed bytes intact (e.g. padding of the PCR file); anything else must fail.
            if (outcome.Accepted)
            {
                Assert.Equal(genuine.Attest, e.Attest);
                Assert.Equal(genuine.Signature, e.Signature);
            }
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

    private static void Catch(Action parse)
    {
        try
        {
            parse();
        }
        catch (TpmFormatException)
        {
            // The expected outcome for malformed input.
        }
    }

    private static byte[] SimpleLog() => SimpleEventLog.Write(new EventLog([
        MeasurementEvent.Measure(10, EventTypes.GreyBinary, "x"u8, "grey-edge"u8.ToArray(), Banks),
        MeasurementEvent.Measure(16, EventTypes.GreyKeyBinding, "k"u8, "k"u8.ToArray(), Banks),
    ]));

    private static byte[] TcgLog() => TcgEventLog.Write(
        new EventLog([MeasurementEvent.Measure(0, 0x80000008, "fw"u8, "fw"u8.ToArray(), Banks), MeasurementEvent.Measure(4, 0x80000003, "b"u8, [], Banks)], 3), Banks);
}

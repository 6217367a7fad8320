using System.Collections.Immutable;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Tests.Verification;

/// <summary>Stateless verification of genuine swtpm quotes (recorded in testdata/), without any process.</summary>
public sealed class QuoteVerifierTests
{
    [Theory]
    [InlineData("swtpm-ecc")]
    [InlineData("swtpm-rsa")]
    public void Verify_GenuineSwtpmQuote_Accepted(string dir)
    {
        VerificationOutcome outcome = QuoteVerifier.Verify(Evidence(dir), Nonce(dir));
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
    }

    [Fact]
    public void Verify_OtherNonce_NonceMismatch()
    {
        byte[] nonce = Nonce("swtpm-ecc");
        nonce[0] ^= 1;
        Assert.Equal(ReasonCode.NonceMismatch, QuoteVerifier.Verify(Evidence("swtpm-ecc"), nonce).Code);
    }

    [Fact]
    public void Verify_PolicyRequiresOtherSelection_PcrSelectionMismatch()
    {
        var policy = new AttestationPolicy { RequiredSelection = PcrSelection.Of(TpmAlgId.Sha256, 0, 1) };
        VerificationOutcome outcome = QuoteVerifier.Verify(Evidence("swtpm-ecc"), Nonce("swtpm-ecc"), policy);
        Assert.Equal(ReasonCode.PcrSelectionMismatch, outcome.Code);
        Assert.Contains("extra [sha256:16]", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PcrValueNotAllowed_PcrValueNotAllowed()
    {
        var policy = new AttestationPolicy
        {
            AllowedPcrValues = new Dictionary<(TpmAlgId, int), System.Collections.Immutable.ImmutableArray<byte[]>>
            {
                [(TpmAlgId.Sha256, 16)] = [new byte[32]],
            }.ToImmutableDictionary(),
        };
        Assert.Equal(ReasonCode.PcrValueNotAllowed, QuoteVerifier.Verify(Evidence("swtpm-ecc"), Nonce("swtpm-ecc"), policy).Code);
    }

    [Fact]
    public void Verify_PolicyWantsKeyBindingWithoutLog_EventLogMissing()
    {
        var policy = new AttestationPolicy { KeyBindingPcr = 16 };
        Assert.Equal(ReasonCode.EventLogMissing, QuoteVerifier.Verify(Evidence("swtpm-ecc"), Nonce("swtpm-ecc"), policy).Code);
    }

    [Fact]
    public void Verify_RsaSignatureAgainstEccKey_SignatureInvalid()
    {
        QuoteEvidence e = Evidence("swtpm-ecc") with { Signature = TestData.Bytes("swtpm-rsa/quote.sig") };
        Assert.Equal(ReasonCode.SignatureInvalid, QuoteVerifier.Verify(e, Nonce("swtpm-ecc")).Code);
    }

    internal static QuoteEvidence Evidence(string dir) => new(
        TestData.Bytes($"{dir}/quote.msg"), TestData.Bytes($"{dir}/quote.sig"), TestData.Bytes($"{dir}/ak.pub"), TestData.Bytes($"{dir}/quote.pcrs"), []);

    internal static byte[] Nonce(string dir) => Convert.FromHexString(TestData.Text($"{dir}/nonce.hex"));
}

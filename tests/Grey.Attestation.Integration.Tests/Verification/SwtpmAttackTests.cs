using System.Collections.Immutable;
using System.Security.Cryptography;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Integration.Tests.Swtpm;
using Grey.Attestation.Pcr;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Integration.Tests.Verification;

/// <summary>
/// One test per attack class of issue 4 against genuine quotes of swtpm driven by tpm2-tools, each
/// asserting the exact reason code. One swtpm serves the whole class; each test gets a fresh boot,
/// registrar and verifier.
/// </summary>
public sealed class SwtpmAttackTests(SwtpmFixture tpm) : IClassFixture<SwtpmFixture>, IAsyncLifetime
{
    private SwtpmWorld _w = null!;

    public async Task InitializeAsync() => _w = await SwtpmWorld.CreateAsync(tpm);

    public Task DisposeAsync()
    {
        _w.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Verify_GenuineEccAkQuote_AcceptedWithSignedResult()
    {
        VerificationOutcome outcome = _w.Verifier.Verify("ecc-node", await _w.QuoteAsync());
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.Equal(ResultCheck.Accepted, AttestationResultSigner.Check(outcome.SignedResult!, _w.ResultKey, _w.Time, "ecc-node", KeyBinding.KeyIdentifier(_w.EccCert), out _));
    }

    [Fact]
    public async Task Verify_GenuineRsaAkQuote_Accepted()
    {
        // A fresh boot measured by the RSA node only (both nodes share this TPM's PCRs).
        await tpm.PowerCycleAsync(orderly: true);
        tpm.EccAk.ClearEventLog();
        tpm.RsaAk.ClearEventLog();
        await SwtpmWorld.MeasureStartAsync(tpm.RsaAk, _w.RsaCert);
        Assert.Equal(ReasonCode.Accepted, _w.Verify(await _w.QuoteAsync("rsa-node"), "rsa-node"));
    }

    [Fact]
    public async Task Verify_StaleNonce_NonceStale()
    {
        byte[] first = _w.Verifier.IssueNonce("ecc-node");
        _w.Verifier.IssueNonce("ecc-node");
        Assert.Equal(ReasonCode.NonceStale, _w.Verify(await _w.QuoteWithNonceAsync(first)));
    }

    [Fact]
    public async Task Verify_ReusedNonce_NonceReused()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.Accepted, _w.Verify(e));
        Assert.Equal(ReasonCode.NonceReused, _w.Verify(e));
    }

    [Fact]
    public async Task Verify_ForeignNonce_NonceForeign()
    {
        byte[] rsaNodesNonce = _w.Verifier.IssueNonce("rsa-node");
        Assert.Equal(ReasonCode.NonceForeign, _w.Verify(await _w.QuoteWithNonceAsync(rsaNodesNonce)));
    }

    [Fact]
    public async Task Verify_ExpiredNonce_NonceExpired()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        _w.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(ReasonCode.NonceExpired, _w.Verify(e));
    }

    [Fact]
    public async Task Verify_ByteFlippedInAttest_SignatureInvalid()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        byte[] attest = (byte[])e.Attest.Clone();
        attest[^1] ^= 1;
        Assert.Equal(ReasonCode.SignatureInvalid, _w.Verify(e with { Attest = attest }));
    }

    [Fact]
    public async Task Verify_ByteFlippedInSignature_SignatureInvalid()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        byte[] sig = (byte[])e.Signature.Clone();
        sig[^1] ^= 1;
        Assert.Equal(ReasonCode.SignatureInvalid, _w.Verify(e with { Signature = sig }));
    }

    [Fact]
    public async Task Verify_PcrValueChanged_PcrDigestMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        byte[] pcrs = (byte[])e.PcrValues.Clone();
        pcrs[Tpm2ToolsPcrFile.SelectionSize + 4 + 4 + (Tpm2ToolsPcrFile.DigestSlotSize * 2) + 2] ^= 1; // sha256 PCR 16
        Assert.Equal(ReasonCode.PcrDigestMismatch, _w.Verify(e with { PcrValues = pcrs }));
    }

    [Fact]
    public async Task Verify_PcrMissingFromSelection_PcrSelectionMismatch()
    {
        var fewer = new PcrSelection([new PcrBankSelection(TpmAlgId.Sha256, [0, 16]), new PcrBankSelection(TpmAlgId.Sha384, [10, 16])]);
        Assert.Equal(ReasonCode.PcrSelectionMismatch, _w.Verify(await _w.QuoteAsync(selection: fewer)));
    }

    [Fact]
    public async Task Verify_ExtraPcrInSelection_PcrSelectionMismatch()
    {
        var more = new PcrSelection([new PcrBankSelection(TpmAlgId.Sha256, [0, 1, 10, 16]), new PcrBankSelection(TpmAlgId.Sha384, [10, 16])]);
        Assert.Equal(ReasonCode.PcrSelectionMismatch, _w.Verify(await _w.QuoteAsync(selection: more)));
    }

    [Fact]
    public async Task Verify_QuoteSignedByUnenrolledAk_AkNotEnrolled()
    {
        await using Tpm2ToolsAttester stranger = await Tpm2ToolsAttester.CreateAsync(tpm.Tcti, TpmAlgId.Ecc, TpmAlgId.Rsa, SwtpmFixture.Banks);
        byte[] nonce = _w.Verifier.IssueNonce("ecc-node");
        QuoteEvidence e = (await stranger.QuoteAsync(nonce, SwtpmWorld.Selection)) with { DeltaSigningCertificate = _w.EccCert.RawData };
        Assert.Equal(ReasonCode.AkNotEnrolled, _w.Verify(e));
    }

    [Fact]
    public async Task Verify_QuoteSignedByAnotherNodesAk_AkNotEnrolled()
    {
        byte[] nonce = _w.Verifier.IssueNonce("ecc-node");
        QuoteEvidence e = await _w.QuoteWithNonceAsync(nonce, "rsa-node");
        Assert.Equal(ReasonCode.AkNotEnrolled, _w.Verify(e, "ecc-node"));
    }

    [Fact]
    public async Task Verify_AkWithoutRestricted_AkAttributesInvalid()
    {
        // An unrestricted signing key can sign anything, including a forged TPMS_ATTEST; a real TPM makes one happily.
        string dir = Path.Combine(tpm.Directory, "loose");
        Directory.CreateDirectory(dir);
        await tpm.Tpm2Async("tpm2_createprimary", ["-C", "o", "-G", "ecc256:ecdsa-sha256", "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign", "-c", "loose.ctx"], dir);
        try
        {
            await tpm.Tpm2Async("tpm2_readpublic", ["-c", "loose.ctx", "-o", "loose.pub"], dir);
            await tpm.Tpm2Async("tpm2_quote", ["-c", "loose.ctx", "-l", "sha256:0", "-q", "00112233445566778899aabbccddeeff", "-m", "q.msg", "-s", "q.sig", "-o", "q.pcrs", "-g", "sha256"], dir);
        }
        finally
        {
            await tpm.Tpm2Async("tpm2_flushcontext", ["-t"], dir);
        }

        var e = new QuoteEvidence(File.ReadAllBytes(Path.Combine(dir, "q.msg")), File.ReadAllBytes(Path.Combine(dir, "q.sig")),
            File.ReadAllBytes(Path.Combine(dir, "loose.pub")), File.ReadAllBytes(Path.Combine(dir, "q.pcrs")), []);
        Assert.Equal(ReasonCode.AkAttributesInvalid, QuoteVerifier.Verify(e, Convert.FromHexString("00112233445566778899aabbccddeeff")).Code);
        var request = (await tpm.EccAk.GetIdentityAsync()).ToEnrollmentRequest("loose-node") with { AkPublic = e.AkPublic };
        Assert.Equal(RegistrationReason.AkAttributesInvalid, new Registrar(new RegistrarOptions([tpm.Root], KnownIntermediates: [tpm.Issuer]), _w.Time, Randomness.CryptoRandomSource.Instance).StartEnrollment(request).Reason);
    }

    [Fact]
    public async Task Enroll_FailedCredentialActivation_CredentialActivationFailed()
    {
        // EK of one key pair, AK of the other: the credential is bound to an AK name that is not under this
        // EK's TPM object hierarchy as claimed, and the TPM refuses to release it.
        var registrar = new Registrar(new RegistrarOptions([tpm.Root], KnownIntermediates: [tpm.Issuer]), _w.Time, Randomness.CryptoRandomSource.Instance);
        AttesterIdentity ecc = await tpm.EccAk.GetIdentityAsync();
        AttesterIdentity rsa = await tpm.RsaAk.GetIdentityAsync();
        RegistrationResult started = registrar.StartEnrollment((rsa with { AkPublic = ecc.AkPublic, EkIntermediates = [tpm.Issuer.RawData] }).ToEnrollmentRequest("mixed"));
        Assert.True(started.Accepted, started.Detail);
        await Assert.ThrowsAsync<TpmToolException>(async () => await tpm.RsaAk.ActivateCredentialAsync(started.Challenge!));
        Assert.Equal(RegistrationReason.CredentialActivationFailed, registrar.CompleteEnrollment("mixed", RandomNumberGenerator.GetBytes(32)).Reason);
    }

    [Fact]
    public async Task Verify_EventLogEdited_EventLogMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        ImmutableArray<MeasurementEvent> events = Log(e).Events;
        var edited = events[1] with { Digests = events[1].Digests.SetItem(TpmAlgId.Sha256, SHA256.HashData("raft.election=1ms"u8)) };
        Assert.Equal(ReasonCode.EventLogMismatch, _w.Verify(WithLog(e, events.SetItem(1, edited))));
    }

    [Fact]
    public async Task Verify_EventLogReordered_EventLogMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        ImmutableArray<MeasurementEvent> events = Log(e).Events;
        Assert.Equal(ReasonCode.EventLogMismatch, _w.Verify(WithLog(e, [events[1], events[0], events[2]])));
    }

    [Fact]
    public async Task Verify_EventLogTruncated_EventLogMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.EventLogMismatch, _w.Verify(WithLog(e, Log(e).Events.RemoveAt(2))));
    }

    [Fact]
    public async Task Verify_EventLogWithExtraEvent_EventLogMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        var extra = MeasurementEvent.Measure(10, EventTypes.GreyBinary, "rootkit"u8, "rootkit"u8.ToArray(), SwtpmFixture.Banks);
        Assert.Equal(ReasonCode.EventLogMismatch, _w.Verify(WithLog(e, Log(e).Events.Add(extra))));
    }

    [Fact]
    public async Task Verify_RebootWithSafe_AcceptedAndReported()
    {
        Assert.Equal(ReasonCode.Accepted, _w.Verify(await _w.QuoteAsync()));
        await _w.BootAsync(orderly: true);
        VerificationOutcome outcome = _w.Verifier.Verify("ecc-node", await _w.QuoteAsync());
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.True(outcome.Reboot);
        Assert.False(outcome.UncleanReboot);
    }

    [Fact]
    public async Task Verify_ClockGoesBackWithinBoot_ClockWentBack()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        TpmsClockInfo clock = TpmsAttest.Parse(e.Attest).ClockInfo;
        _w.Verifier.Clocks.Record("ecc-node", clock with { Clock = clock.Clock + 3_600_000 });
        Assert.Equal(ReasonCode.ClockWentBack, _w.Verify(e));
    }

    [Fact]
    public async Task Verify_ResetCountGoesBack_CounterWentBack()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        TpmsClockInfo clock = TpmsAttest.Parse(e.Attest).ClockInfo;
        _w.Verifier.Clocks.Record("ecc-node", clock with { ResetCount = clock.ResetCount + 1 });
        Assert.Equal(ReasonCode.CounterWentBack, _w.Verify(e));
    }

    [Theory]
    [InlineData(NodeState.Revoked, ReasonCode.NodeRevoked)]
    [InlineData(NodeState.Disabled, ReasonCode.NodeDisabled)]
    [InlineData(NodeState.Banned, ReasonCode.NodeBanned)]
    public async Task Verify_NodeNotEnabled_RefusedWithState(NodeState state, ReasonCode expected)
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.True(_w.Registrar.SetState("ecc-node", state).Accepted);
        Assert.Equal(expected, _w.Verify(e));
    }

    [Fact]
    public async Task Enroll_SameNodeIdWithNewEk_IdentityConflict()
    {
        AttesterIdentity rsa = await tpm.RsaAk.GetIdentityAsync();
        AttesterIdentity ecc = await tpm.EccAk.GetIdentityAsync();
        EnrollmentRequest request = (ecc with { EkPublic = rsa.EkPublic, EkCertificate = rsa.EkCertificate }).ToEnrollmentRequest("ecc-node") with { EkIntermediates = [tpm.Issuer.RawData] };
        Assert.Equal(RegistrationReason.IdentityConflict, _w.Registrar.StartEnrollment(request).Reason);
    }

    [Fact]
    public async Task Enroll_SameNodeIdWithNewAk_IdentityConflict()
    {
        await using Tpm2ToolsAttester newAk = await Tpm2ToolsAttester.CreateAsync(tpm.Tcti, TpmAlgId.Ecc, TpmAlgId.Rsa, SwtpmFixture.Banks);
        EnrollmentRequest request = (await newAk.GetIdentityAsync()).ToEnrollmentRequest("ecc-node") with { EkIntermediates = [tpm.Issuer.RawData] };
        Assert.Equal(RegistrationReason.IdentityConflict, _w.Registrar.StartEnrollment(request).Reason);
    }

    [Fact]
    public async Task Verify_Sha1Ak_AlgorithmNotAllowed()
    {
        await using Tpm2ToolsAttester sha1 = await Tpm2ToolsAttester.CreateAsync(tpm.Tcti, TpmAlgId.Ecc, TpmAlgId.Rsa, SwtpmFixture.Banks, akHash: TpmAlgId.Sha1);
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        QuoteEvidence e = await sha1.QuoteAsync(nonce, PcrSelection.Of(TpmAlgId.Sha256, 0));
        Assert.Equal(TpmAlgId.Sha1, TpmtSignature.Parse(e.Signature).Hash);
        Assert.Equal(ReasonCode.AlgorithmNotAllowed, QuoteVerifier.Verify(e, nonce).Code);
        EnrollmentRequest request = (await sha1.GetIdentityAsync()).ToEnrollmentRequest("sha1-node") with { EkIntermediates = [tpm.Issuer.RawData] };
        var registrar = new Registrar(new RegistrarOptions([tpm.Root], KnownIntermediates: [tpm.Issuer]), _w.Time, Randomness.CryptoRandomSource.Instance);
        Assert.Equal(RegistrationReason.AlgorithmNotAllowed, registrar.StartEnrollment(request).Reason);
    }

    [Fact]
    public async Task Verify_PolicyWantsSha384ButQuoteHasSha256Bank_AlgorithmNotAllowed()
    {
        using SwtpmWorld strict = await SwtpmWorld.CreateAsync(tpm, SwtpmWorld.DefaultPolicy with { MinimumHash = TpmAlgId.Sha384 });
        Assert.Equal(ReasonCode.AlgorithmNotAllowed, strict.Verify(await strict.QuoteAsync()));
    }

    [Fact]
    public async Task Verify_DeltaKeyNotTheBoundOne_KeyBindingMismatch()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.KeyBindingMismatch, _w.Verify(e with { DeltaSigningCertificate = SwtpmWorld.CreateDeltaCertificate("ecc-node").RawData }));
    }

    [Fact]
    public async Task Verify_TruncatedQuote_QuoteMalformed()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.QuoteMalformed, _w.Verify(e with { Attest = e.Attest[..^3] }));
    }

    [Fact]
    public async Task Verify_OversizedQuote_QuoteMalformed()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.QuoteMalformed, _w.Verify(e with { Attest = [.. e.Attest, 0, 0] }));
    }

    [Fact]
    public async Task Verify_TruncatedSignature_SignatureMalformed()
    {
        QuoteEvidence e = await _w.QuoteAsync();
        Assert.Equal(ReasonCode.SignatureMalformed, _w.Verify(e with { Signature = e.Signature[..^1] }));
    }

    private static EventLog Log(QuoteEvidence e)
    {
        Assert.True(EventLog.TryParse(e.EventLog, out EventLog? log, out string error), error);
        Assert.Equal(3, log!.Events.Length);
        return log;
    }

    private static QuoteEvidence WithLog(QuoteEvidence e, ImmutableArray<MeasurementEvent> events) =>
        e with { EventLog = SimpleEventLog.Write(new EventLog(events)) };
}

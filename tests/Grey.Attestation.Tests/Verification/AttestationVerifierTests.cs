using System.Collections.Immutable;
using System.Security.Cryptography;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Tests.TestSupport;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Tests.Verification;

/// <summary>One test per attack class of issue 4, against the in-process software TPM; each asserts the exact reason code.</summary>
public sealed class AttestationVerifierTests : IAsyncLifetime
{
    private readonly SoftwareFleet _fleet = new();
    private SoftwareFleet.Node _node = null!;
    private SoftwareFleet.Node? _otherNode;

    public async Task InitializeAsync()
    {
        _node = await _fleet.EnrollAsync("node-a");
    }

    /// <summary>A second node with an RSA EK and RSA AK, created only where a test needs it (RSA key generation is slow).</summary>
    private SoftwareFleet.Node _other => _otherNode ??= _fleet.EnrollAsync("node-b", new SoftwareTpmOptions(EkType: TpmAlgId.Rsa, AkType: TpmAlgId.Rsa)).GetAwaiter().GetResult();

    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    [Fact]
    public async Task Verify_GenuineQuote_AcceptedWithSignedResultNamingTheDeltaKey()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        VerificationOutcome outcome = _fleet.Verifier.Verify(_node.Id, evidence);
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.Equal(KeyBinding.KeyIdentifier(_node.DeltaCertificate), outcome.DeltaSigningKeyId);
        Assert.NotNull(outcome.SignedResult);
        Assert.Equal(ResultCheck.Accepted, AttestationResultSigner.Check(outcome.SignedResult!, _fleet.ResultKey, _fleet.Time, _node.Id, outcome.DeltaSigningKeyId!, out AttestationResult? result));
        Assert.Equal(_fleet.Time.GetUtcNow() + AttestationResultSigner.DefaultLifetime, result!.ExpiresAt);
    }

    [Fact]
    public async Task Verify_RsaEkRsaAkNode_Accepted()
    {
        VerificationOutcome outcome = _fleet.Verifier.Verify(_other.Id, await _fleet.QuoteAsync(_other));
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
    }

    [Fact]
    public async Task Verify_StaleNonce_NonceStale()
    {
        byte[] first = _fleet.Verifier.IssueNonce(_node.Id);
        _fleet.Verifier.IssueNonce(_node.Id);
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(_node, first);
        Assert.Equal(ReasonCode.NonceStale, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_ReusedNonce_NonceReused()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.Accepted, _fleet.Verifier.Verify(_node.Id, evidence).Code);
        Assert.Equal(ReasonCode.NonceReused, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_ForeignNonce_NonceForeign()
    {
        byte[] othersNonce = _fleet.Verifier.IssueNonce(_other.Id);
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(_node, othersNonce);
        Assert.Equal(ReasonCode.NonceForeign, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_NeverIssuedNonce_NonceUnknown()
    {
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(_node, RandomNumberGenerator.GetBytes(32));
        Assert.Equal(ReasonCode.NonceUnknown, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_ExpiredNonce_NonceExpired()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        _fleet.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(ReasonCode.NonceExpired, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_ShortNonce_NonceTooShort()
    {
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(_node, new byte[15]);
        Assert.Equal(ReasonCode.NonceTooShort, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Theory]
    [InlineData(20)] // inside qualifiedSigner
    [InlineData(-1)] // last byte of pcrDigest
    [InlineData(77)] // clock (6 header + 36 qualifiedSigner + 34 extraData = 76)
    public async Task Verify_ByteFlippedInAttest_SignatureInvalid(int offset)
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        byte[] attest = (byte[])evidence.Attest.Clone();
        int i = offset >= 0 ? offset : attest.Length + offset;
        attest[i] ^= 0x01;
        VerificationOutcome outcome = _fleet.Verifier.Verify(_node.Id, evidence with { Attest = attest });
        Assert.Equal(ReasonCode.SignatureInvalid, outcome.Code);
    }

    [Fact]
    public async Task Verify_ByteFlippedInSignature_SignatureInvalid()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        byte[] sig = (byte[])evidence.Signature.Clone();
        sig[^3] ^= 0x80;
        Assert.Equal(ReasonCode.SignatureInvalid, _fleet.Verifier.Verify(_node.Id, evidence with { Signature = sig }).Code);
    }

    [Fact]
    public async Task Verify_PcrValueChanged_PcrDigestMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        byte[] pcrs = (byte[])evidence.PcrValues.Clone();
        pcrs[Grey.Attestation.Pcr.Tpm2ToolsPcrFile.SelectionSize + 4 + 4 + 2] ^= 0x01; // first byte of the first PCR value
        Assert.Equal(ReasonCode.PcrDigestMismatch, _fleet.Verifier.Verify(_node.Id, evidence with { PcrValues = pcrs }).Code);
    }

    [Fact]
    public async Task Verify_PcrMissingFromSelection_PcrSelectionMismatch()
    {
        var fewer = new PcrSelection([new PcrBankSelection(TpmAlgId.Sha256, [0, 16]), new PcrBankSelection(TpmAlgId.Sha384, [10, 16])]);
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node, fewer);
        Assert.Equal(ReasonCode.PcrSelectionMismatch, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_ExtraPcrInSelection_PcrSelectionMismatch()
    {
        var more = new PcrSelection([new PcrBankSelection(TpmAlgId.Sha256, [0, 7, 10, 16]), new PcrBankSelection(TpmAlgId.Sha384, [10, 16])]);
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node, more);
        Assert.Equal(ReasonCode.PcrSelectionMismatch, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_QuoteSignedByUnenrolledAk_AkNotEnrolled()
    {
        SoftwareFleet.Node stranger = await _fleet.StartAsync("node-a-impostor");
        byte[] nonce = _fleet.Verifier.IssueNonce(_node.Id);
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(stranger, nonce);
        Assert.Equal(ReasonCode.AkNotEnrolled, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_QuoteSignedByAnotherNodesAk_AkNotEnrolled()
    {
        byte[] nonce = _fleet.Verifier.IssueNonce(_node.Id);
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(_other, nonce);
        Assert.Equal(ReasonCode.AkNotEnrolled, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_OtherKeySignsWithEnrolledAkPublic_SignatureInvalid()
    {
        // The attacker presents the enrolled AK's public area but signs with a key of its own.
        SoftwareFleet.Node stranger = await _fleet.StartAsync("forger");
        QuoteEvidence genuine = await _fleet.QuoteAsync(_node);
        QuoteEvidence evidence = genuine with { Signature = stranger.Tpm.SignArbitrary(genuine.Attest) };
        Assert.Equal(ReasonCode.SignatureInvalid, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Enroll_AkWithoutRestricted_AkAttributesInvalid()
    {
        SoftwareFleet.Node loose = await _fleet.StartAsync("loose", new SoftwareTpmOptions(EkType: TpmAlgId.Ecc) { AkAttributes = TpmObjectAttributes.AttestationKeyRequired & ~TpmObjectAttributes.Restricted });
        RegistrationResult result = _fleet.Registrar.StartEnrollment((await loose.Tpm.GetIdentityAsync()).ToEnrollmentRequest("loose"));
        Assert.Equal(RegistrationReason.AkAttributesInvalid, result.Reason);
    }

    [Fact]
    public async Task Verify_AkWithoutFixedTpm_AkAttributesInvalid()
    {
        SoftwareFleet.Node loose = await _fleet.StartAsync("loose2", new SoftwareTpmOptions(EkType: TpmAlgId.Ecc) { AkAttributes = TpmObjectAttributes.AttestationKeyRequired & ~TpmObjectAttributes.FixedTpm });
        RegistrationResult result = _fleet.Registrar.StartEnrollment((await loose.Tpm.GetIdentityAsync()).ToEnrollmentRequest("loose2"));
        Assert.Equal(RegistrationReason.AkAttributesInvalid, result.Reason);

        // Stateless verification (greyctl) refuses the key too.
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(loose, new byte[16]);
        Assert.Equal(ReasonCode.AkAttributesInvalid, QuoteVerifier.Verify(evidence, new byte[16]).Code);
    }

    [Fact]
    public async Task Enroll_FailedCredentialActivation_CredentialActivationFailed()
    {
        SoftwareFleet.Node node = await _fleet.StartAsync("node-c");
        RegistrationResult started = _fleet.Registrar.StartEnrollment((await node.Tpm.GetIdentityAsync()).ToEnrollmentRequest("node-c"));
        Assert.True(started.Accepted);
        byte[] guess = new byte[Registrar.CredentialSize];
        Assert.Equal(RegistrationReason.CredentialActivationFailed, _fleet.Registrar.CompleteEnrollment("node-c", guess).Reason);
        Assert.False(_fleet.Registrar.TryGet("node-c", out _));

        // A challenge is single use: even the right answer is refused after a wrong one.
        byte[] secret = await node.Tpm.ActivateCredentialAsync(started.Challenge!);
        Assert.Equal(RegistrationReason.NoPendingChallenge, _fleet.Registrar.CompleteEnrollment("node-c", secret).Reason);
    }

    [Fact]
    public async Task Enroll_AkInAnotherTpm_TpmRefusesToActivate()
    {
        // The request names node-d's EK but another TPM's AK: only the EK's TPM can decrypt, and its
        // integrity check binds the AK's name, so no TPM can answer.
        SoftwareFleet.Node d = await _fleet.StartAsync("node-d");
        SoftwareFleet.Node e = await _fleet.StartAsync("node-e");
        AttesterIdentity id = await d.Tpm.GetIdentityAsync();
        AttesterIdentity foreign = await e.Tpm.GetIdentityAsync();
        RegistrationResult started = _fleet.Registrar.StartEnrollment((id with { AkPublic = foreign.AkPublic }).ToEnrollmentRequest("node-d"));
        Assert.True(started.Accepted);
        await Assert.ThrowsAsync<CryptographicException>(async () => await d.Tpm.ActivateCredentialAsync(started.Challenge!));
        await Assert.ThrowsAsync<CryptographicException>(async () => await e.Tpm.ActivateCredentialAsync(started.Challenge!));
    }

    [Fact]
    public async Task Verify_EventLogEdited_EventLogMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        EventLog log = ParseLog(evidence);
        MeasurementEvent first = log.Events[0];
        var edited = first with { Digests = first.Digests.SetItem(TpmAlgId.Sha256, SHA256.HashData("another binary"u8)) };
        Assert.Equal(ReasonCode.EventLogMismatch, Verify(evidence, log.Events.SetItem(0, edited)));
    }

    [Fact]
    public async Task Verify_EventLogReordered_EventLogMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        EventLog log = ParseLog(evidence);
        Assert.Equal(ReasonCode.EventLogMismatch, Verify(evidence, [log.Events[1], log.Events[0], log.Events[2]]));
    }

    [Fact]
    public async Task Verify_EventLogTruncated_EventLogMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        EventLog log = ParseLog(evidence);
        Assert.Equal(ReasonCode.EventLogMismatch, Verify(evidence, log.Events.RemoveAt(log.Events.Length - 1)));
    }

    [Fact]
    public async Task Verify_EventLogWithExtraEvent_EventLogMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        EventLog log = ParseLog(evidence);
        var extra = MeasurementEvent.Measure(10, EventTypes.GreyBinary, "rootkit"u8, "rootkit"u8.ToArray(), [TpmAlgId.Sha256, TpmAlgId.Sha384]);
        Assert.Equal(ReasonCode.EventLogMismatch, Verify(evidence, log.Events.Add(extra)));
    }

    [Fact]
    public async Task Verify_EventLogMissing_EventLogMissing()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.EventLogMissing, _fleet.Verifier.Verify(_node.Id, evidence with { EventLog = [] }).Code);
    }

    [Fact]
    public async Task Verify_BinaryNotInPolicy_BinaryNotAllowed()
    {
        await _node.Tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", "a patched binary"u8.ToArray());
        Assert.Equal(ReasonCode.BinaryNotAllowed, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_EventDigestNotInPolicy_EventNotAllowed()
    {
        await _node.Tpm.MeasureFileAsync(10, EventTypes.GreyConfig, "edge.conf", "raft.election=1ms"u8.ToArray());
        Assert.Equal(ReasonCode.EventNotAllowed, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_RebootWithSafe_AcceptedAndReported()
    {
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.Reboot(orderly: true);
        await SoftwareFleet.MeasureStartAsync(_node);
        VerificationOutcome outcome = _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node));
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.True(outcome.Reboot);
        Assert.False(outcome.UncleanReboot);
    }

    [Fact]
    public async Task Verify_RebootWithoutSafe_AcceptedAndReportedUnclean()
    {
        _fleet.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.Reboot(orderly: false); // the clock resumes from its last saved value: it goes back
        await SoftwareFleet.MeasureStartAsync(_node);
        VerificationOutcome outcome = _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node));
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.True(outcome.Reboot);
        Assert.True(outcome.UncleanReboot);
        Assert.False(outcome.Clock!.Value.Safe);
    }

    [Fact]
    public async Task Verify_SafeZeroWithoutReset_ClockUnsafe()
    {
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.SetCounters(_node.Tpm.ResetCount, _node.Tpm.RestartCount, safe: false);
        Assert.Equal(ReasonCode.ClockUnsafe, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_RepeatedQuotesAfterUncleanReboot_AcceptedWhileClockAdvances()
    {
        _fleet.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.Reboot(orderly: false);
        await SoftwareFleet.MeasureStartAsync(_node);
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).UncleanReboot);

        // The same boot, still safe = 0 (a TPM reports it until it saves its clock to NV): re-attestation passes.
        _fleet.Time.Advance(TimeSpan.FromMinutes(3));
        VerificationOutcome again = _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node));
        Assert.Equal(ReasonCode.Accepted, again.Code);
        Assert.False(again.Reboot);
    }

    [Fact]
    public async Task Verify_ClockGoesBackWithinBoot_ClockWentBack()
    {
        _fleet.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.AdjustClock(-5_000);
        Assert.Equal(ReasonCode.ClockWentBack, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_ResetCountGoesBack_CounterWentBack()
    {
        _node.Tpm.SetCounters(5, 0, safe: true);
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.SetCounters(4, 0, safe: true);
        Assert.Equal(ReasonCode.CounterWentBack, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_RestartCountGoesBack_CounterWentBack()
    {
        _node.Tpm.Restart();
        _node.Tpm.Restart();
        VerificationOutcome first = _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node));
        Assert.True(first.Accepted);
        _node.Tpm.SetCounters(_node.Tpm.ResetCount, 1, safe: true);
        Assert.Equal(ReasonCode.CounterWentBack, _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Code);
    }

    [Fact]
    public async Task Verify_RestartWithinBoot_AcceptedAndReported()
    {
        Assert.True(_fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node)).Accepted);
        _node.Tpm.Restart();
        VerificationOutcome outcome = _fleet.Verifier.Verify(_node.Id, await _fleet.QuoteAsync(_node));
        Assert.True(outcome.Accepted);
        Assert.True(outcome.Restart);
        Assert.False(outcome.Reboot);
    }

    [Theory]
    [InlineData(NodeState.Revoked, ReasonCode.NodeRevoked)]
    [InlineData(NodeState.Disabled, ReasonCode.NodeDisabled)]
    [InlineData(NodeState.Banned, ReasonCode.NodeBanned)]
    public async Task Verify_NodeNotEnabled_RefusedWithState(NodeState state, ReasonCode expected)
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.True(_fleet.Registrar.SetState(_node.Id, state).Accepted);
        Assert.Equal(expected, _fleet.Verifier.Verify(_node.Id, evidence).Code);
    }

    [Fact]
    public async Task Verify_UnknownNode_NodeUnknown()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.NodeUnknown, _fleet.Verifier.Verify("node-z", evidence).Code);
    }

    [Fact]
    public async Task Enroll_SameNodeIdWithNewEk_IdentityConflict()
    {
        SoftwareFleet.Node replacement = await _fleet.StartAsync("replacement");
        AttesterIdentity id = await replacement.Tpm.GetIdentityAsync();
        Assert.Equal(RegistrationReason.IdentityConflict, _fleet.Registrar.StartEnrollment(id.ToEnrollmentRequest(_node.Id)).Reason);
    }

    [Fact]
    public async Task Enroll_SameNodeIdWithNewAk_IdentityConflict()
    {
        SoftwareFleet.Node other = await _fleet.StartAsync("other-ak");
        AttesterIdentity id = await _node.Tpm.GetIdentityAsync();
        AttesterIdentity newAk = id with { AkPublic = (await other.Tpm.GetIdentityAsync()).AkPublic };
        Assert.Equal(RegistrationReason.IdentityConflict, _fleet.Registrar.StartEnrollment(newAk.ToEnrollmentRequest(_node.Id)).Reason);
    }

    [Fact]
    public async Task Enroll_SameNodeIdSameIdentity_ChallengedAgainAndStaysEnabled()
    {
        AttesterIdentity id = await _node.Tpm.GetIdentityAsync();
        RegistrationResult again = _fleet.Registrar.StartEnrollment(id.ToEnrollmentRequest(_node.Id));
        Assert.True(again.Accepted);
        Assert.True(_fleet.Registrar.CompleteEnrollment(_node.Id, await _node.Tpm.ActivateCredentialAsync(again.Challenge!)).Accepted);
    }

    [Fact]
    public async Task Enroll_SameEkUnderNewNodeId_EkInUse()
    {
        AttesterIdentity id = await _node.Tpm.GetIdentityAsync();
        Assert.Equal(RegistrationReason.EkInUse, _fleet.Registrar.StartEnrollment(id.ToEnrollmentRequest("node-a-again")).Reason);
    }

    [Fact]
    public async Task Verify_Sha1Signature_AlgorithmNotAllowed()
    {
        // A node whose AK signs with SHA-1: refused at enrolment and, if it got that far, at verification.
        SoftwareFleet.Node weak = await _fleet.StartAsync("weak", new SoftwareTpmOptions(EkType: TpmAlgId.Ecc) { AkHash = TpmAlgId.Sha1 });
        Assert.Equal(RegistrationReason.AlgorithmNotAllowed,
            _fleet.Registrar.StartEnrollment((await weak.Tpm.GetIdentityAsync()).ToEnrollmentRequest("weak")).Reason);
        QuoteEvidence evidence = await SoftwareFleet.QuoteWithNonceAsync(weak, new byte[16]);
        Assert.Equal(ReasonCode.AlgorithmNotAllowed, QuoteVerifier.Verify(evidence, new byte[16]).Code);
    }

    [Fact]
    public async Task Verify_Sha1Bank_AlgorithmNotAllowed()
    {
        SoftwareFleet.Node sha1 = await _fleet.EnrollAsync("sha1-bank", new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha1, TpmAlgId.Sha256, TpmAlgId.Sha384]));
        var downgraded = new PcrSelection([new PcrBankSelection(TpmAlgId.Sha1, [0, 10, 16])]);
        Assert.Equal(ReasonCode.AlgorithmNotAllowed, _fleet.Verifier.Verify(sha1.Id, await _fleet.QuoteAsync(sha1, downgraded)).Code);
    }

    [Fact]
    public async Task Verify_BankBelowPolicyMinimum_AlgorithmNotAllowed()
    {
        await using var strict = new SoftwareFleet(SoftwareFleet.DefaultPolicy with { MinimumHash = TpmAlgId.Sha384 });
        SoftwareFleet.Node node = await strict.EnrollAsync("strict");
        Assert.Equal(ReasonCode.AlgorithmNotAllowed, strict.Verifier.Verify(node.Id, await strict.QuoteAsync(node)).Code);
    }

    [Fact]
    public async Task Verify_DeltaKeyNotTheBoundOne_KeyBindingMismatch()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        var otherCert = SoftwareFleet.CreateDeltaCertificate("node-a");
        Assert.Equal(ReasonCode.KeyBindingMismatch,
            _fleet.Verifier.Verify(_node.Id, evidence with { DeltaSigningCertificate = otherCert.RawData }).Code);
    }

    [Fact]
    public async Task Verify_NoKeyBindingEvent_KeyBindingMissing()
    {
        SoftwareFleet.Node unbound = await _fleet.EnrollAsync("unbound");
        unbound.Tpm.Reboot(orderly: true);
        await unbound.Tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", SoftwareFleet.EdgeBinary);
        Assert.Equal(ReasonCode.KeyBindingMissing, _fleet.Verifier.Verify(unbound.Id, await _fleet.QuoteAsync(unbound)).Code);
    }

    [Fact]
    public async Task Verify_TruncatedQuote_QuoteMalformed()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.QuoteMalformed, _fleet.Verifier.Verify(_node.Id, evidence with { Attest = evidence.Attest[..^1] }).Code);
    }

    [Fact]
    public async Task Verify_OversizedQuote_QuoteMalformed()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.QuoteMalformed, _fleet.Verifier.Verify(_node.Id, evidence with { Attest = [.. evidence.Attest, 0] }).Code);
        Assert.Equal(ReasonCode.QuoteMalformed, _fleet.Verifier.Verify(_node.Id, evidence with { Attest = [.. evidence.Attest, .. new byte[4096]] }).Code);
    }

    [Fact]
    public async Task Verify_OversizedSizeFieldInSignature_SignatureMalformed()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        byte[] sig = (byte[])evidence.Signature.Clone();
        sig[4] = 0xFF; // size of r
        Assert.Equal(ReasonCode.SignatureMalformed, _fleet.Verifier.Verify(_node.Id, evidence with { Signature = sig }).Code);
    }

    [Fact]
    public async Task Verify_TruncatedPcrFile_PcrValuesMalformed()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        Assert.Equal(ReasonCode.PcrValuesMalformed, _fleet.Verifier.Verify(_node.Id, evidence with { PcrValues = evidence.PcrValues[..^1] }).Code);
    }

    [Fact]
    public async Task Verify_WrongMagic_HeaderInvalid()
    {
        QuoteEvidence evidence = await _fleet.QuoteAsync(_node);
        byte[] attest = (byte[])evidence.Attest.Clone();
        attest[5] = 0x17; // TPM_ST_ATTEST_CERTIFY instead of QUOTE
        Assert.Equal(ReasonCode.HeaderInvalid, _fleet.Verifier.Verify(_node.Id, evidence with { Attest = attest }).Code);
    }

    [Fact]
    public async Task Verify_EkCertificateExpiredSinceEnrolment_EkCertificateInvalid()
    {
        SoftwareFleet.Node shortLived = await _fleet.EnrollAsync("short-lived", new SoftwareTpmOptions(EkType: TpmAlgId.Ecc) { EkCertificateValidity = TimeSpan.FromMinutes(5) });
        _fleet.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(ReasonCode.EkCertificateInvalid, _fleet.Verifier.Verify(shortLived.Id, await _fleet.QuoteAsync(shortLived)).Code);
    }

    private ReasonCode Verify(QuoteEvidence evidence, ImmutableArray<MeasurementEvent> events) =>
        _fleet.Verifier.Verify(_node.Id, evidence with { EventLog = SimpleEventLog.Write(new EventLog(events)) }).Code;

    private static EventLog ParseLog(QuoteEvidence evidence)
    {
        Assert.True(EventLog.TryParse(evidence.EventLog, out EventLog? log, out string error), error);
        Assert.Equal(3, log!.Events.Length);
        return log;
    }
}

using Grey.Attestation.Integration.Tests.Swtpm;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Integration.Tests.Verification;

/// <summary>
/// The resume test needs a TPM whose clock is "safe": once a test has power-cycled a TPM uncleanly,
/// swtpm keeps reporting safe = 0 across later orderly shutdowns until it next writes its clock to NV,
/// so sharing the attack tests' instance made this test depend on the order xunit ran them in. It gets
/// its own swtpm.
/// </summary>
public sealed class SwtpmResumeTests(SwtpmFixture tpm) : IClassFixture<SwtpmFixture>
{
    [Fact]
    public async Task Verify_ResumeThenRestartCountGoesBack_RestartReportedThenCounterWentBack()
    {
        // A resume resets some PCRs without new measurements, so this test judges clock and counters only
        // (no event log is sent and the policy asks for none).
        using SwtpmWorld plain = await SwtpmWorld.CreateAsync(tpm, AttestationPolicy.Default with { RequiredSelection = SwtpmWorld.Selection });
        Assert.Equal(ReasonCode.Accepted, plain.Verify((await plain.QuoteAsync()) with { EventLog = [] }));
        await tpm.ResumeAsync();
        QuoteEvidence e = (await plain.QuoteAsync()) with { EventLog = [] };
        TpmsClockInfo clock = TpmsAttest.Parse(e.Attest).ClockInfo;
        Assert.Equal(1u, clock.RestartCount);
        VerificationOutcome resumed = plain.Verifier.Verify("ecc-node", e);
        Assert.Equal(ReasonCode.Accepted, resumed.Code);
        Assert.True(resumed.Restart);

        plain.Verifier.Clocks.Record("ecc-node", clock with { RestartCount = 2 });
        Assert.Equal(ReasonCode.CounterWentBack, plain.Verify((await plain.QuoteAsync()) with { EventLog = [] }));
    }
}

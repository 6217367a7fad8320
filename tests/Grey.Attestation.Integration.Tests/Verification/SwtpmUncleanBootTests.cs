using Grey.Attestation.Integration.Tests.Swtpm;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Integration.Tests.Verification;

/// <summary>
/// The tests that power-cycle a TPM uncleanly. After an unclean reset swtpm keeps reporting safe = 0, even
/// across later orderly reboots, until it next writes its clock to NV; sharing the attack tests' instance made
/// the tests there that expect a clean reboot fail whenever xunit happened to run these first. They get their
/// own swtpm.
/// </summary>
public sealed class SwtpmUncleanBootTests(SwtpmFixture tpm) : IClassFixture<SwtpmFixture>, IAsyncLifetime
{
    private SwtpmWorld _w = null!;

    public async Task InitializeAsync() => _w = await SwtpmWorld.CreateAsync(tpm);

    public Task DisposeAsync()
    {
        _w.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Verify_RebootWithoutSafe_AcceptedAndReportedUnclean()
    {
        Assert.Equal(ReasonCode.Accepted, _w.Verify(await _w.QuoteAsync()));
        await _w.BootAsync(orderly: false);
        VerificationOutcome outcome = _w.Verifier.Verify("ecc-node", await _w.QuoteAsync());
        Assert.Equal(ReasonCode.Accepted, outcome.Code);
        Assert.True(outcome.Reboot);
        Assert.True(outcome.UncleanReboot);
    }

    [Fact]
    public async Task Verify_SafeZeroWithoutReset_ClockUnsafe()
    {
        // The verifier already saw a quote of this boot; a real TPM reports safe = 0 after an unclean reset.
        await _w.BootAsync(orderly: false);
        QuoteEvidence e = await _w.QuoteAsync();
        TpmsClockInfo clock = TpmsAttest.Parse(e.Attest).ClockInfo;
        Assert.False(clock.Safe);
        _w.Verifier.Clocks.Record("ecc-node", clock with { Clock = 0, Safe = true });
        Assert.Equal(ReasonCode.ClockUnsafe, _w.Verify(e));
    }
}

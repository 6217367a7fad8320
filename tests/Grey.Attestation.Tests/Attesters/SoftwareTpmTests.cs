using Grey.Attestation.Attesters;
using Grey.Attestation.Tpm;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Attesters;

public sealed class SoftwareTpmTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly SoftwareManufacturer _manufacturer;
    private readonly string _dir = Directory.CreateTempSubdirectory("softtpm-test-").FullName;

    public SoftwareTpmTests() => _manufacturer = SoftwareManufacturer.Create(_time);

    [Fact]
    public async Task Start_WithStateDirectory_EachStartCountsAResetAndKeepsKeys()
    {
        var options = new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, StateDirectory: _dir);
        byte[] akName;
        await using (SoftwareTpm first = SoftwareTpm.Start(options, _manufacturer, _time))
        {
            Assert.Equal(0u, first.ResetCount);
            akName = first.Ak.Name;
            first.Shutdown();
        }

        await using (SoftwareTpm second = SoftwareTpm.Start(options, manufacturer: null, _time))
        {
            Assert.Equal(1u, second.ResetCount);
            Assert.Equal(akName, second.Ak.Name);
            Assert.True(Clock(second).Safe);

            // No shutdown: the next start is after an unclean stop.
        }

        await using SoftwareTpm third = SoftwareTpm.Start(options, manufacturer: null, _time);
        Assert.Equal(2u, third.ResetCount);
        Assert.False(Clock(third).Safe);
    }

    [Fact]
    public async Task Quote_ClockFollowsTimeProvider()
    {
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), _manufacturer, _time);
        ulong before = Clock(tpm).Clock;
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(before + 3000, Clock(tpm).Clock);
    }

    [Fact]
    public async Task Quote_NonceAboveTpm2bDataLimit_Throws()
    {
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), _manufacturer, _time);
        Assert.Throws<ArgumentException>(() => tpm.Quote(new byte[TpmsAttest.MaxExtraDataSize + 1], PcrSelection.Of(TpmAlgId.Sha256, 0)));
    }

    public void Dispose()
    {
        _manufacturer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TpmsClockInfo Clock(SoftwareTpm tpm) => TpmsAttest.Parse(tpm.Quote(new byte[16], PcrSelection.Of(TpmAlgId.Sha256, 0)).Attest).ClockInfo;
}

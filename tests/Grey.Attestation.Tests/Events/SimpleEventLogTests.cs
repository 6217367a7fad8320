using Grey.Attestation.Events;
using Grey.Attestation.Pcr;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Events;

public sealed class SimpleEventLogTests
{
    private static readonly EventLog Log = new([
        MeasurementEvent.Measure(10, EventTypes.GreyBinary, "bin"u8, "grey-edge"u8.ToArray(), [TpmAlgId.Sha256, TpmAlgId.Sha384]),
        MeasurementEvent.Measure(16, EventTypes.GreyKeyBinding, "spki"u8, "spki"u8.ToArray(), [TpmAlgId.Sha256, TpmAlgId.Sha384]),
    ]);

    [Fact]
    public void Write_Parse_RoundTrips()
    {
        byte[] bytes = SimpleEventLog.Write(Log);
        EventLog parsed = SimpleEventLog.Parse(bytes);
        Assert.Equal(Log.Events.AsEnumerable(), parsed.Events.AsEnumerable());
        Assert.Equal(bytes, SimpleEventLog.Write(parsed));
    }

    [Fact]
    public void TryReplay_MatchesPcrBankExtends()
    {
        var bank = new PcrBank(TpmAlgId.Sha256);
        foreach (MeasurementEvent e in Log.Events)
        {
            bank.Extend(TpmAlgId.Sha256, e.Pcr, e.Digests[TpmAlgId.Sha256]);
        }

        Assert.True(Log.TryReplay(TpmAlgId.Sha256, out byte[][] pcrs, out _));
        Assert.Equal(bank.Read(TpmAlgId.Sha256, 10), pcrs[10]);
        Assert.Equal(bank.Read(TpmAlgId.Sha256, 16), pcrs[16]);
    }

    [Fact]
    public void TryReplay_BankMissingFromEvent_FalseNamingEvent()
    {
        Assert.False(Log.TryReplay(TpmAlgId.Sha512, out _, out string error));
        Assert.Contains("event 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CountAboveMaximum_Refused()
    {
        byte[] bytes = SimpleEventLog.Write(Log);
        bytes[8] = 0x7F;
        Assert.False(EventLog.TryParse(bytes, out _, out string error));
        Assert.Contains("maximum", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TrailingBytes_Refused()
    {
        Assert.False(EventLog.TryParse([.. SimpleEventLog.Write(Log), 1], out _, out string error));
        Assert.Contains("trailing", error, StringComparison.Ordinal);
    }
}

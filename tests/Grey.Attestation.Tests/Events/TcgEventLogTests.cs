using Grey.Attestation.Events;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Events;

public sealed class TcgEventLogTests
{
    private static readonly TpmAlgId[] Banks = [TpmAlgId.Sha256, TpmAlgId.Sha384];

    private static readonly EventLog Log = new(
        [
            MeasurementEvent.Measure(0, 0x80000008, "firmware"u8, "fw"u8.ToArray(), Banks),
            MeasurementEvent.Measure(4, 0x80000003, "bootloader"u8, [], Banks),
            MeasurementEvent.Measure(7, EventTypes.EvSeparator, new byte[4], new byte[4], Banks),
        ],
        StartupLocality: 3);

    [Fact]
    public void Parse_WrittenCryptoAgileLog_SameEventsAndLocality()
    {
        EventLog parsed = TcgEventLog.Parse(TcgEventLog.Write(Log, Banks));
        Assert.Equal(3, parsed.StartupLocality);
        // The StartupLocality EV_NO_ACTION event is kept in the list but never extended.
        Assert.Equal(Log.Events, parsed.Events.Where(e => e.EventType != EventTypes.EvNoAction));
    }

    [Fact]
    public void TryReplay_StartupLocality_SetsPcr0InitialValue()
    {
        EventLog parsed = TcgEventLog.Parse(TcgEventLog.Write(Log, Banks));
        byte[] initial = new byte[32];
        initial[31] = 3;
        byte[] expected = Grey.Attestation.Pcr.PcrBank.ExtendValue(TpmAlgId.Sha256, initial, Log.Events[0].Digests[TpmAlgId.Sha256]);
        Assert.True(parsed.TryReplay(TpmAlgId.Sha256, out byte[][] pcrs, out _));
        Assert.Equal(expected, pcrs[0]);
    }

    [Fact]
    public void Parse_NoSpecIdHeader_Refused()
    {
        byte[] bytes = TcgEventLog.Write(Log, Banks);
        bytes[32] ^= 0xFF; // inside "Spec ID Event03"
        Assert.False(EventLog.TryParse(bytes, out _, out string error));
        Assert.Contains("Spec ID", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TruncatedLastEvent_Refused()
    {
        byte[] bytes = TcgEventLog.Write(Log, Banks);
        Assert.False(EventLog.TryParse(bytes[..^2], out _, out string error));
        Assert.Contains("truncated", error, StringComparison.Ordinal);
    }
}

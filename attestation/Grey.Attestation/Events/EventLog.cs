using System.Collections.Immutable;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Events;

/// <summary>
/// An ordered measurement log, whichever format it came from. <see cref="StartupLocality"/> is the
/// locality a TCG log's StartupLocality event names (it sets PCR 0's initial value); 0 otherwise.
/// </summary>
public sealed record EventLog(ImmutableArray<MeasurementEvent> Events, byte StartupLocality = 0)
{
    /// <summary>The most events a log may hold; a real boot log has a few hundred.</summary>
    public const int MaxEvents = 8192;

    /// <summary>The most bytes of data one event may carry (a TCG UEFI variable event can be a few KiB).</summary>
    public const int MaxEventData = 64 * 1024;

    /// <summary>The largest log file accepted.</summary>
    public const int MaxLogBytes = 8 * 1024 * 1024;

    public static EventLog Empty { get; } = new([]);

    /// <summary>Parses either format, told apart by the first bytes (the simple format starts with its magic).</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out EventLog? log, out string error)
    {
        log = null;
        error = string.Empty;
        try
        {
            log = SimpleEventLog.HasMagic(bytes) ? SimpleEventLog.Parse(bytes) : TcgEventLog.Parse(bytes);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Replays the log into PCR values for one bank, from all-zero registers (PCR 0 starts at the startup
    /// locality). Returns false, naming the event, when an extending event lacks a digest for the bank.
    /// </summary>
    public bool TryReplay(TpmAlgId bank, out byte[][] pcrs, out string error)
    {
        error = string.Empty;
        int size = TpmHash.DigestSize(bank);
        pcrs = Enumerable.Range(0, 24).Select(_ => new byte[size]).ToArray();
        pcrs[0][size - 1] = StartupLocality;
        for (int i = 0; i < Events.Length; i++)
        {
            MeasurementEvent e = Events[i];
            if (e.EventType == EventTypes.EvNoAction)
            {
                continue;
            }

            if (!e.Digests.TryGetValue(bank, out byte[]? digest))
            {
                error = $"event {i} ({EventTypes.Name(e.EventType)} on PCR {e.Pcr}) has no {TpmHash.DisplayName(bank)} digest";
                return false;
            }

            pcrs[e.Pcr] = Pcr.PcrBank.ExtendValue(bank, pcrs[e.Pcr], digest);
        }

        return true;
    }
}

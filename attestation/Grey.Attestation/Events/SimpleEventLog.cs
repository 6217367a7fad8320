using System.Collections.Immutable;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Events;

/// <summary>
/// The simple event log format of software nodes (and of what a Grey node measures itself on a real TPM).
/// All integers big-endian:
/// <code>
/// magic   "GREYEVL1" (8 bytes)
/// count   u32 (at most EventLog.MaxEvents)
/// event*  pcr u8 (0..23) | type u32 | digestCount u8 (1..16, distinct banks)
///         | (alg u16 | digest of that alg's size)* | dataSize u32 (at most EventLog.MaxEventData) | data
/// </code>
/// Nothing may follow the last event.
/// </summary>
public static class SimpleEventLog
{
    public static ReadOnlySpan<byte> Magic => "GREYEVL1"u8;

    public static bool HasMagic(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    public static EventLog Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > EventLog.MaxLogBytes)
        {
            throw new TpmFormatException($"event log: {bytes.Length} bytes, above the maximum of {EventLog.MaxLogBytes}");
        }

        var r = new TpmReader(bytes, "event log");
        if (!r.Bytes(Magic.Length, "magic").SequenceEqual(Magic))
        {
            throw r.Error("no GREYEVL1 magic");
        }

        uint count = r.U32("count");
        if (count > EventLog.MaxEvents)
        {
            throw r.Error($"{count} events, above the maximum of {EventLog.MaxEvents}");
        }

        var events = ImmutableArray.CreateBuilder<MeasurementEvent>((int)count);
        for (int i = 0; i < count; i++)
        {
            byte pcr = r.U8("pcr");
            if (pcr >= 24)
            {
                throw r.Error($"event {i} names PCR {pcr}");
            }

            uint type = r.U32("type");
            byte digestCount = r.U8("digestCount");
            if (digestCount is 0 or > PcrSelection.MaxBanks)
            {
                throw r.Error($"event {i} has {digestCount} digests");
            }

            var digests = ImmutableDictionary.CreateBuilder<TpmAlgId, byte[]>();
            for (int d = 0; d < digestCount; d++)
            {
                TpmAlgId alg = r.HashAlg("digest.alg");
                if (digests.ContainsKey(alg))
                {
                    throw r.Error($"event {i} repeats bank {TpmHash.DisplayName(alg)}");
                }

                digests[alg] = r.Bytes(TpmHash.DigestSize(alg), "digest").ToArray();
            }

            uint dataSize = r.U32("dataSize");
            if (dataSize > EventLog.MaxEventData)
            {
                throw r.Error($"event {i} carries {dataSize} bytes of data, above {EventLog.MaxEventData}");
            }

            byte[] data = r.Bytes((int)dataSize, "data").ToArray();
            events.Add(new MeasurementEvent(pcr, type, digests.ToImmutable(), data));
        }

        r.End();
        return new EventLog(events.MoveToImmutable());
    }

    public static byte[] Write(EventLog log)
    {
        var w = new TpmWriter();
        w.Bytes(Magic).U32((uint)log.Events.Length);
        foreach (MeasurementEvent e in log.Events)
        {
            w.U8((byte)e.Pcr).U32(e.EventType).U8((byte)e.Digests.Count);
            foreach (KeyValuePair<TpmAlgId, byte[]> d in e.Digests.OrderBy(d => d.Key))
            {
                w.Alg(d.Key).Bytes(d.Value);
            }

            w.U32((uint)e.Data.Length).Bytes(e.Data);
        }

        return w.ToArray();
    }
}

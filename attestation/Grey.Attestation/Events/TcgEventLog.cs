using System.Buffers.Binary;
using System.Collections.Immutable;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Events;

/// <summary>
/// The TCG crypto-agile event log (TCG PC Client Platform Firmware Profile, 10.2) that firmware and the
/// Linux kernel expose as <c>binary_bios_measurements</c>. Little-endian. The first event is a SHA-1-format
/// TCG_PCR_EVENT carrying the "Spec ID Event03" header, which lists the banks and their digest sizes; every
/// later event is a TCG_PCR_EVENT2 with one digest per listed bank.
/// </summary>
public static class TcgEventLog
{
    private static ReadOnlySpan<byte> SpecIdSignature => "Spec ID Event03\0"u8;

    private static ReadOnlySpan<byte> StartupLocalitySignature => "StartupLocality\0"u8;

    public static EventLog Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > EventLog.MaxLogBytes)
        {
            throw new TpmFormatException($"TCG event log: {bytes.Length} bytes, above the maximum of {EventLog.MaxLogBytes}");
        }

        var r = new LittleReader(bytes);

        // The header event: TCG_PCR_EVENT with a SHA-1 sized digest field.
        uint pcr0 = r.U32();
        uint type0 = r.U32();
        r.Take(20);
        uint headerSize = r.U32();
        if (pcr0 != 0 || type0 != EventTypes.EvNoAction || headerSize > 4096)
        {
            throw new TpmFormatException("TCG event log: the first event is not a Spec ID EV_NO_ACTION header");
        }

        var header = new LittleReader(r.Take((int)headerSize));
        if (!header.Take(16).SequenceEqual(SpecIdSignature))
        {
            throw new TpmFormatException("TCG event log: no \"Spec ID Event03\" signature (not a crypto-agile log)");
        }

        header.U32(); // platformClass
        header.Take(3); // spec version minor, major, errata
        byte uintnSize = header.Take(1)[0];
        if (uintnSize is not (1 or 2))
        {
            throw new TpmFormatException($"TCG event log: uintnSize {uintnSize}");
        }

        uint algCount = header.U32();
        if (algCount is 0 or > PcrSelection.MaxBanks)
        {
            throw new TpmFormatException($"TCG event log: {algCount} algorithms in the header");
        }

        var sizes = new Dictionary<ushort, int>();
        for (int i = 0; i < algCount; i++)
        {
            ushort alg = header.U16();
            ushort size = header.U16();
            if (size > TpmHash.MaxDigestSize || !sizes.TryAdd(alg, size))
            {
                throw new TpmFormatException($"TCG event log: algorithm 0x{alg:x4} with digest size {size}");
            }

            if (Enum.IsDefined(typeof(TpmAlgId), alg) && TpmHash.IsHash((TpmAlgId)alg) && TpmHash.DigestSize((TpmAlgId)alg) != size)
            {
                throw new TpmFormatException($"TCG event log: {TpmHash.DisplayName((TpmAlgId)alg)} listed with size {size}");
            }
        }

        byte vendorSize = header.Take(1)[0];
        header.Take(vendorSize);
        header.End();

        byte locality = 0;
        var events = ImmutableArray.CreateBuilder<MeasurementEvent>();
        while (!r.AtEnd)
        {
            if (events.Count >= EventLog.MaxEvents)
            {
                throw new TpmFormatException($"TCG event log: more than {EventLog.MaxEvents} events");
            }

            uint pcr = r.U32();
            uint type = r.U32();
            if (pcr >= 24)
            {
                throw new TpmFormatException($"TCG event log: event {events.Count} names PCR {pcr}");
            }

            uint count = r.U32();
            if (count != algCount)
            {
                throw new TpmFormatException($"TCG event log: event {events.Count} has {count} digests, the header lists {algCount}");
            }

            var digests = ImmutableDictionary.CreateBuilder<TpmAlgId, byte[]>();
            for (int d = 0; d < count; d++)
            {
                ushort alg = r.U16();
                if (!sizes.TryGetValue(alg, out int size))
                {
                    throw new TpmFormatException($"TCG event log: event {events.Count} uses algorithm 0x{alg:x4} not in the header");
                }

                byte[] digest = r.Take(size).ToArray();
                if (Enum.IsDefined(typeof(TpmAlgId), alg) && TpmHash.IsHash((TpmAlgId)alg) && !digests.TryAdd((TpmAlgId)alg, digest))
                {
                    throw new TpmFormatException($"TCG event log: event {events.Count} repeats algorithm 0x{alg:x4}");
                }
            }

            uint dataSize = r.U32();
            if (dataSize > EventLog.MaxEventData)
            {
                throw new TpmFormatException($"TCG event log: event {events.Count} has {dataSize} bytes of data");
            }

            byte[] data = r.Take((int)dataSize).ToArray();
            if (type == EventTypes.EvNoAction && pcr == 0 && data.Length == 17 && data.AsSpan(0, 16).SequenceEqual(StartupLocalitySignature))
            {
                locality = data[16];
            }

            events.Add(new MeasurementEvent((int)pcr, type, digests.ToImmutable(), data));
        }

        return new EventLog(events.ToImmutable(), locality);
    }

    /// <summary>Writes a crypto-agile log for the given banks (used to test the parser and by tools).</summary>
    public static byte[] Write(EventLog log, IReadOnlyList<TpmAlgId> banks)
    {
        var header = new List<byte>();
        header.AddRange(SpecIdSignature);
        header.AddRange(new byte[] { 0, 0, 0, 0, 0, 2, 0, 2 }); // platformClass 0, version 2.0 errata 0, uintnSize 2
        AddU32(header, (uint)banks.Count);
        foreach (TpmAlgId bank in banks)
        {
            AddU16(header, (ushort)bank);
            AddU16(header, (ushort)TpmHash.DigestSize(bank));
        }

        header.Add(0);
        var o = new List<byte>();
        AddU32(o, 0);
        AddU32(o, EventTypes.EvNoAction);
        o.AddRange(new byte[20]);
        AddU32(o, (uint)header.Count);
        o.AddRange(header);
        if (log.StartupLocality != 0)
        {
            AddU32(o, 0);
            AddU32(o, EventTypes.EvNoAction);
            AddU32(o, (uint)banks.Count);
            foreach (TpmAlgId bank in banks)
            {
                AddU16(o, (ushort)bank);
                o.AddRange(new byte[TpmHash.DigestSize(bank)]);
            }

            AddU32(o, 17);
            o.AddRange(StartupLocalitySignature);
            o.Add(log.StartupLocality);
        }

        foreach (MeasurementEvent e in log.Events)
        {
            AddU32(o, (uint)e.Pcr);
            AddU32(o, e.EventType);
            AddU32(o, (uint)banks.Count);
            foreach (TpmAlgId bank in banks)
            {
                AddU16(o, (ushort)bank);
                o.AddRange(e.Digests[bank]);
            }

            AddU32(o, (uint)e.Data.Length);
            o.AddRange(e.Data);
        }

        return [.. o];
    }

    private static void AddU16(List<byte> o, ushort v)
    {
        o.Add((byte)v);
        o.Add((byte)(v >> 8));
    }

    private static void AddU32(List<byte> o, uint v)
    {
        for (int i = 0; i < 4; i++)
        {
            o.Add((byte)(v >> (8 * i)));
        }
    }

    private ref struct LittleReader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public readonly bool AtEnd => _position == _buffer.Length;

        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _buffer.Length - _position)
            {
                throw new TpmFormatException($"TCG event log: truncated at byte {_position} ({n} bytes wanted)");
            }

            ReadOnlySpan<byte> s = _buffer.Slice(_position, n);
            _position += n;
            return s;
        }

        public readonly void End()
        {
            if (!AtEnd)
            {
                throw new TpmFormatException("TCG event log: trailing bytes in the Spec ID header");
            }
        }
    }
}

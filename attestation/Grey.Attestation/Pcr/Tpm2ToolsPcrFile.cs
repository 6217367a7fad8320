using System.Buffers.Binary;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Pcr;

/// <summary>
/// The PCR file <c>tpm2_quote -o</c> writes in its default "serialized" format (tpm2-tools 5.4). It is not
/// TPM wire format but a dump of little-endian C structures, checked against real output:
/// a TPML_PCR_SELECTION padded to 132 bytes (u32 count, then 16 slots of 8 bytes: u16 hash, u8 sizeofSelect,
/// 4 select bytes, 1 padding byte), a u32 count of digest lists, then that many TPML_DIGEST of 532 bytes
/// (u32 count, then 8 slots of TPM2B_DIGEST: u16 size and a 64-byte buffer). PCR values follow selection
/// order; TPM2_PCR_Read returns at most 8 per call, hence several lists for larger selections.
/// </summary>
public static class Tpm2ToolsPcrFile
{
    public const int SelectionSize = 4 + (PcrSelection.MaxBanks * SelectionSlotSize);
    public const int SelectionSlotSize = 8;
    public const int DigestListSize = 4 + (DigestsPerList * DigestSlotSize);
    public const int DigestsPerList = 8;
    public const int DigestSlotSize = 2 + TpmHash.MaxDigestSize;

    /// <summary>The most digest lists accepted: 16 banks × 24 PCRs / 8 per list.</summary>
    public const int MaxDigestLists = 48;

    public static bool TryParse(ReadOnlySpan<byte> bytes, out PcrValues? values, out string error)
    {
        values = null;
        error = string.Empty;
        try
        {
            values = Parse(bytes);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    public static PcrValues Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < SelectionSize + 4)
        {
            throw new TpmFormatException($"PCR file: {bytes.Length} bytes, shorter than the {SelectionSize + 4}-byte header");
        }

        uint bankCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (bankCount is 0 or > PcrSelection.MaxBanks)
        {
            throw new TpmFormatException($"PCR file: {bankCount} banks selected, expected 1..{PcrSelection.MaxBanks}");
        }

        var banks = new List<PcrBankSelection>();
        for (int i = 0; i < bankCount; i++)
        {
            ReadOnlySpan<byte> slot = bytes.Slice(4 + (i * SelectionSlotSize), SelectionSlotSize);
            ushort rawHash = BinaryPrimitives.ReadUInt16LittleEndian(slot);
            if (!Enum.IsDefined(typeof(TpmAlgId), rawHash) || !TpmHash.IsHash((TpmAlgId)rawHash))
            {
                throw new TpmFormatException($"PCR file: selection {i} names hash 0x{rawHash:x4}, not a known hash");
            }

            byte size = slot[2];
            if (size is < 1 or > PcrSelection.MaxSizeOfSelect)
            {
                throw new TpmFormatException($"PCR file: selection {i} has sizeofSelect {size}, expected 1..4");
            }

            var hash = (TpmAlgId)rawHash;
            if (banks.Any(b => b.Hash == hash))
            {
                throw new TpmFormatException($"PCR file: bank {TpmHash.DisplayName(hash)} selected twice");
            }

            banks.Add(new PcrBankSelection(hash, PcrSelection.FromBitmap(slot.Slice(3, size))) { SizeOfSelect = size });
        }

        var selection = new PcrSelection(banks);
        uint listCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes[SelectionSize..]);
        if (listCount > MaxDigestLists)
        {
            throw new TpmFormatException($"PCR file: {listCount} digest lists, above the maximum of {MaxDigestLists}");
        }

        long expected = SelectionSize + 4 + ((long)listCount * DigestListSize);
        if (bytes.Length != expected)
        {
            throw new TpmFormatException($"PCR file: {bytes.Length} bytes, but {listCount} digest lists make {expected}");
        }

        var digests = new List<byte[]>();
        for (int l = 0; l < listCount; l++)
        {
            ReadOnlySpan<byte> list = bytes.Slice(SelectionSize + 4 + (l * DigestListSize), DigestListSize);
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(list);
            if (n > DigestsPerList)
            {
                throw new TpmFormatException($"PCR file: digest list {l} holds {n} digests, above {DigestsPerList}");
            }

            for (int d = 0; d < n; d++)
            {
                ReadOnlySpan<byte> slot = list.Slice(4 + (d * DigestSlotSize), DigestSlotSize);
                ushort size = BinaryPrimitives.ReadUInt16LittleEndian(slot);
                if (size > TpmHash.MaxDigestSize)
                {
                    throw new TpmFormatException($"PCR file: digest {d} of list {l} has size {size}, above {TpmHash.MaxDigestSize}");
                }

                digests.Add(slot.Slice(2, size).ToArray());
            }
        }

        var slots = selection.Slots().ToList();
        if (slots.Count != digests.Count)
        {
            throw new TpmFormatException($"PCR file: {digests.Count} digests for {slots.Count} selected PCRs");
        }

        var values = new Dictionary<(TpmAlgId, int), byte[]>();
        for (int i = 0; i < slots.Count; i++)
        {
            if (digests[i].Length != TpmHash.DigestSize(slots[i].Hash))
            {
                throw new TpmFormatException(
                    $"PCR file: {TpmHash.DisplayName(slots[i].Hash)} PCR {slots[i].Index} has a {digests[i].Length}-byte value");
            }

            values[slots[i]] = digests[i];
        }

        return new PcrValues(selection, values);
    }

    /// <summary>Writes the same layout, so files from any attester can be fed to tpm2-tools-aware tooling.</summary>
    public static byte[] Write(PcrValues values)
    {
        var all = values.Selection.Slots().Select(s => values[s.Hash, s.Index]).ToList();
        int lists = (all.Count + DigestsPerList - 1) / DigestsPerList;
        byte[] bytes = new byte[SelectionSize + 4 + (lists * DigestListSize)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)values.Selection.Banks.Length);
        for (int i = 0; i < values.Selection.Banks.Length; i++)
        {
            PcrBankSelection bank = values.Selection.Banks[i];
            Span<byte> slot = bytes.AsSpan(4 + (i * SelectionSlotSize), SelectionSlotSize);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)bank.Hash);
            slot[2] = bank.SizeOfSelect;
            PcrSelection.ToBitmap(bank).CopyTo(slot[3..]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(SelectionSize), (uint)lists);
        for (int l = 0; l < lists; l++)
        {
            Span<byte> list = bytes.AsSpan(SelectionSize + 4 + (l * DigestListSize), DigestListSize);
            var chunk = all.Skip(l * DigestsPerList).Take(DigestsPerList).ToList();
            BinaryPrimitives.WriteUInt32LittleEndian(list, (uint)chunk.Count);
            for (int d = 0; d < chunk.Count; d++)
            {
                Span<byte> slot = list.Slice(4 + (d * DigestSlotSize), DigestSlotSize);
                BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)chunk[d].Length);
                chunk[d].CopyTo(slot[2..]);
            }
        }

        return bytes;
    }
}

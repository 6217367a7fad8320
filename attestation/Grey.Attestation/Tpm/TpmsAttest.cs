namespace Grey.Attestation.Tpm;

/// <summary>
/// TPMS_ATTEST of a quote (TPM 2.0 Part 2, 10.12.12 with TPMS_QUOTE_INFO, 10.12.4). Only the quote type is
/// accepted: a TPM signs other attestation types with the same key, and accepting them would let a
/// certify or time structure pass for a quote.
/// </summary>
public sealed record TpmsAttest(
    uint Magic,
    ushort Type,
    byte[] QualifiedSigner,
    byte[] ExtraData,
    TpmsClockInfo ClockInfo,
    ulong FirmwareVersion,
    PcrSelection PcrSelect,
    byte[] PcrDigest)
{
    /// <summary>TPM_GENERATED_VALUE: every structure the TPM signs starts with it.</summary>
    public const uint TpmGenerated = 0xFF544347;

    /// <summary>TPM_ST_ATTEST_QUOTE.</summary>
    public const ushort StAttestQuote = 0x8018;

    /// <summary>TPM2B_NAME bound: a u16 algorithm and a SHA-512 digest (a handle name is 4 bytes).</summary>
    public const int MaxNameSize = 2 + TpmHash.MaxDigestSize;

    /// <summary>TPM2B_DATA bound (sizeof(TPMT_HA)), which caps the nonce a quote can carry.</summary>
    public const int MaxExtraDataSize = 2 + TpmHash.MaxDigestSize;

    /// <summary>The largest quote accepted: fields above at their maximum plus a full selection.</summary>
    public const int MaxSize = 4 + 2 + 2 + MaxNameSize + 2 + MaxExtraDataSize + 17 + 8 + 4 + (PcrSelection.MaxBanks * 7) + 2 + TpmHash.MaxDigestSize;

    /// <summary>Checks only the header, so that a wrong magic or type gets its own reason code.</summary>
    public static bool HasQuoteHeader(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 6
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) == TpmGenerated
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]) == StAttestQuote;

    public static bool TryParse(ReadOnlySpan<byte> bytes, out TpmsAttest? attest, out string error)
    {
        attest = null;
        error = string.Empty;
        try
        {
            attest = Parse(bytes);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses strictly; throws <see cref="TpmFormatException"/> on any deviation.</summary>
    public static TpmsAttest Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxSize)
        {
            throw new TpmFormatException($"TPMS_ATTEST: {bytes.Length} bytes, above the maximum of {MaxSize}");
        }

        var r = new TpmReader(bytes, "TPMS_ATTEST");
        uint magic = r.U32("magic");
        if (magic != TpmGenerated)
        {
            throw r.Error($"magic is 0x{magic:x8}, not TPM_GENERATED_VALUE 0x{TpmGenerated:x8}");
        }

        ushort type = r.U16("type");
        if (type != StAttestQuote)
        {
            throw r.Error($"type is 0x{type:x4}, not TPM_ST_ATTEST_QUOTE 0x{StAttestQuote:x4}");
        }

        byte[] signer = r.Sized(MaxNameSize, "qualifiedSigner").ToArray();
        byte[] extra = r.Sized(MaxExtraDataSize, "extraData").ToArray();
        TpmsClockInfo clock = TpmsClockInfo.Read(ref r);
        ulong firmware = r.U64("firmwareVersion");
        PcrSelection selection = PcrSelection.Read(ref r);
        byte[] digest = r.Sized(TpmHash.MaxDigestSize, "pcrDigest").ToArray();
        r.End();
        return new TpmsAttest(magic, type, signer, extra, clock, firmware, selection, digest);
    }

    public byte[] ToBytes()
    {
        var w = new TpmWriter();
        w.U32(Magic).U16(Type).Sized(QualifiedSigner).Sized(ExtraData);
        ClockInfo.Write(w);
        w.U64(FirmwareVersion);
        PcrSelect.Write(w);
        w.Sized(PcrDigest);
        return w.ToArray();
    }
}

namespace Grey.Attestation.Tpm;

/// <summary>
/// TPMS_CLOCK_INFO (TPM 2.0 Part 2, 10.11.1). <see cref="Clock"/> counts milliseconds the TPM has been
/// powered and never goes back unless <see cref="Safe"/> is false; <see cref="ResetCount"/> rises at every
/// TPM reset (boot), <see cref="RestartCount"/> at every restart or resume within one boot.
/// </summary>
public readonly record struct TpmsClockInfo(ulong Clock, uint ResetCount, uint RestartCount, bool Safe)
{
    internal static TpmsClockInfo Read(ref TpmReader reader)
    {
        ulong clock = reader.U64("clockInfo.clock");
        uint reset = reader.U32("clockInfo.resetCount");
        uint restart = reader.U32("clockInfo.restartCount");
        byte safe = reader.U8("clockInfo.safe");
        if (safe > 1)
        {
            throw reader.Error($"clockInfo.safe is {safe}, not a TPMI_YES_NO");
        }

        return new TpmsClockInfo(clock, reset, restart, safe == 1);
    }

    internal void Write(TpmWriter writer) =>
        writer.U64(Clock).U32(ResetCount).U32(RestartCount).U8(Safe ? (byte)1 : (byte)0);
}

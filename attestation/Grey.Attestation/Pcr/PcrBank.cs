using Grey.Attestation.Tpm;

namespace Grey.Attestation.Pcr;

/// <summary>
/// The platform configuration registers of one or more banks, as a TPM keeps them: all zero at reset,
/// changed only by extend, new = H(old ‖ digest). Not thread-safe; the software TPM serialises access.
/// </summary>
public sealed class PcrBank
{
    /// <summary>PCRs per bank on a PC-client TPM.</summary>
    public const int PcrCount = 24;

    private readonly Dictionary<TpmAlgId, byte[][]> _banks = [];

    public PcrBank(params TpmAlgId[] algorithms)
    {
        if (algorithms.Length == 0)
        {
            throw new ArgumentException("at least one bank", nameof(algorithms));
        }

        foreach (TpmAlgId alg in algorithms.Distinct())
        {
            _banks[alg] = Enumerable.Range(0, PcrCount).Select(_ => new byte[TpmHash.DigestSize(alg)]).ToArray();
        }
    }

    public IReadOnlyCollection<TpmAlgId> Algorithms => _banks.Keys;

    public byte[] Read(TpmAlgId alg, int index) => (byte[])_banks[alg][index].Clone();

    /// <summary>Extends one PCR of one bank with a digest of that bank's size.</summary>
    public void Extend(TpmAlgId alg, int index, ReadOnlySpan<byte> digest)
    {
        byte[][] bank = _banks.TryGetValue(alg, out byte[][]? b) ? b : throw new ArgumentException($"no {alg} bank", nameof(alg));
        if ((uint)index >= PcrCount || digest.Length != bank[index].Length)
        {
            throw new ArgumentException("PCR index or digest size out of range");
        }

        bank[index] = ExtendValue(alg, bank[index], digest);
    }

    public static byte[] ExtendValue(TpmAlgId alg, ReadOnlySpan<byte> old, ReadOnlySpan<byte> digest)
    {
        byte[] buffer = new byte[old.Length + digest.Length];
        old.CopyTo(buffer);
        digest.CopyTo(buffer.AsSpan(old.Length));
        return TpmHash.Hash(alg, buffer);
    }

    public void Reset()
    {
        foreach (byte[][] bank in _banks.Values)
        {
            foreach (byte[] pcr in bank)
            {
                Array.Clear(pcr);
            }
        }
    }

    /// <summary>Reads the selected PCRs (banks missing here are a caller error).</summary>
    public PcrValues Read(PcrSelection selection)
    {
        var values = new Dictionary<(TpmAlgId, int), byte[]>();
        foreach ((TpmAlgId hash, int index) in selection.Slots())
        {
            values[(hash, index)] = Read(hash, index);
        }

        return new PcrValues(selection, values);
    }
}

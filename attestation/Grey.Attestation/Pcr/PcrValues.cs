using Grey.Attestation.Tpm;

namespace Grey.Attestation.Pcr;

/// <summary>
/// PCR values reported with a quote, keyed by bank and index, together with the selection they answer.
/// The quote's pcrDigest is H_sigHash of these values concatenated in selection order.
/// </summary>
public sealed class PcrValues
{
    private readonly Dictionary<(TpmAlgId Hash, int Index), byte[]> _values;

    public PcrValues(PcrSelection selection, IReadOnlyDictionary<(TpmAlgId Hash, int Index), byte[]> values)
    {
        Selection = selection;
        _values = new Dictionary<(TpmAlgId, int), byte[]>(values);
        foreach ((TpmAlgId hash, int index) in selection.Slots())
        {
            if (!_values.TryGetValue((hash, index), out byte[]? v) || v.Length != TpmHash.DigestSize(hash))
            {
                throw new ArgumentException($"no {TpmHash.DisplayName(hash)} value of the right size for PCR {index}", nameof(values));
            }
        }

        if (_values.Count != selection.Count)
        {
            throw new ArgumentException("values for PCRs outside the selection", nameof(values));
        }
    }

    public PcrSelection Selection { get; }

    public byte[] this[TpmAlgId hash, int index] => _values[(hash, index)];

    public bool TryGet(TpmAlgId hash, int index, out byte[]? value) => _values.TryGetValue((hash, index), out value);

    /// <summary>H_hash(value_1 ‖ ... ‖ value_n) in selection order, as TPM2_Quote computes pcrDigest.</summary>
    public byte[] ComputeDigest(TpmAlgId hash)
    {
        int total = Selection.Slots().Sum(s => TpmHash.DigestSize(s.Hash));
        byte[] concatenated = new byte[total];
        int offset = 0;
        foreach ((TpmAlgId bank, int index) in Selection.Slots())
        {
            byte[] v = _values[(bank, index)];
            v.CopyTo(concatenated, offset);
            offset += v.Length;
        }

        return TpmHash.Hash(hash, concatenated);
    }
}

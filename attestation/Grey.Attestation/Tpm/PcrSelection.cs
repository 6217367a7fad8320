using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Grey.Attestation.Tpm;

/// <summary>One TPMS_PCR_SELECTION: a bank (hash algorithm) and the PCR indices selected in it.</summary>
public sealed record PcrBankSelection(TpmAlgId Hash, ImmutableArray<int> Indices)
{
    /// <summary>The size of the select bitmap in bytes (TPM 2.0: 3 for 24 PCRs).</summary>
    public byte SizeOfSelect { get; init; } = 3;

    public bool Equals(PcrBankSelection? other) =>
        other is not null && Hash == other.Hash && SizeOfSelect == other.SizeOfSelect && Indices.SequenceEqual(other.Indices);

    public override int GetHashCode() => HashCode.Combine(Hash, Indices.Length, SizeOfSelect);
}

/// <summary>
/// TPML_PCR_SELECTION (TPM 2.0 Part 2, 10.9.7): which PCRs of which banks a quote covers. Indices in a bank are
/// kept ascending, which is the order in which the TPM concatenates PCR values into the quote digest.
/// </summary>
public sealed class PcrSelection : IEquatable<PcrSelection>
{
    /// <summary>HASH_COUNT bound: the most banks one selection may name.</summary>
    public const int MaxBanks = 16;

    /// <summary>The widest select bitmap accepted (32 PCRs); the tpm2-tools PCR file has 4 select bytes per slot.</summary>
    public const int MaxSizeOfSelect = 4;

    public PcrSelection(IEnumerable<PcrBankSelection> banks)
    {
        Banks = banks.ToImmutableArray();
        if (Banks.Length > MaxBanks)
        {
            throw new ArgumentException($"at most {MaxBanks} banks", nameof(banks));
        }

        foreach (PcrBankSelection bank in Banks)
        {
            if (bank.SizeOfSelect is < 1 or > MaxSizeOfSelect)
            {
                throw new ArgumentException("sizeofSelect must be 1..4", nameof(banks));
            }

            for (int i = 0; i < bank.Indices.Length; i++)
            {
                if (bank.Indices[i] < 0 || bank.Indices[i] >= bank.SizeOfSelect * 8 || (i > 0 && bank.Indices[i] <= bank.Indices[i - 1]))
                {
                    throw new ArgumentException("PCR indices must be ascending and fit the select bitmap", nameof(banks));
                }
            }
        }
    }

    public ImmutableArray<PcrBankSelection> Banks { get; }

    /// <summary>Every selected (bank, index) pair in quote order.</summary>
    public IEnumerable<(TpmAlgId Hash, int Index)> Slots()
    {
        foreach (PcrBankSelection bank in Banks)
        {
            foreach (int index in bank.Indices)
            {
                yield return (bank.Hash, index);
            }
        }
    }

    public int Count => Banks.Sum(b => b.Indices.Length);

    /// <summary>A selection of one bank, like tpm2-tools' <c>-l sha256:0,1,16</c>.</summary>
    public static PcrSelection Of(TpmAlgId hash, params int[] indices) =>
        new([new PcrBankSelection(hash, [.. indices.Order()])]);

    /// <summary>Parses the tpm2-tools list syntax: <c>sha256:0,1,2+sha384:16</c>.</summary>
    public static bool TryParseList(string text, out PcrSelection? selection, out string error)
    {
        selection = null;
        error = string.Empty;
        var banks = new List<PcrBankSelection>();
        foreach (string part in text.Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = part.Split(':');
            if (kv.Length != 2 || !TpmHash.TryParseName(kv[0], out TpmAlgId hash))
            {
                error = $"'{part}' is not BANK:INDICES (for example sha256:0,1,16)";
                return false;
            }

            var indices = new SortedSet<int>();
            foreach (string s in kv[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i > 23 || !indices.Add(i))
                {
                    error = $"'{s}' in '{part}' is not a distinct PCR index 0..23";
                    return false;
                }
            }

            if (indices.Count == 0 || banks.Any(b => b.Hash == hash))
            {
                error = $"'{part}' selects no PCR or repeats a bank";
                return false;
            }

            banks.Add(new PcrBankSelection(hash, [.. indices]));
        }

        if (banks.Count == 0)
        {
            error = "empty PCR selection";
            return false;
        }

        selection = new PcrSelection(banks);
        return true;
    }

    internal static PcrSelection Read(ref TpmReader reader)
    {
        uint count = reader.U32("pcrSelections.count");
        if (count > MaxBanks)
        {
            throw reader.Error($"PCR selection names {count} banks, above the maximum of {MaxBanks}");
        }

        var banks = new List<PcrBankSelection>((int)count);
        for (int b = 0; b < count; b++)
        {
            TpmAlgId hash = reader.HashAlg("pcrSelections.hash");
            byte size = reader.U8("pcrSelections.sizeofSelect");
            if (size is < 1 or > MaxSizeOfSelect)
            {
                throw reader.Error($"sizeofSelect {size} outside 1..{MaxSizeOfSelect}");
            }

            ReadOnlySpan<byte> bitmap = reader.Bytes(size, "pcrSelections.pcrSelect");
            if (banks.Any(x => x.Hash == hash))
            {
                throw reader.Error($"bank {TpmHash.DisplayName(hash)} selected twice");
            }

            banks.Add(new PcrBankSelection(hash, FromBitmap(bitmap)) { SizeOfSelect = size });
        }

        return new PcrSelection(banks);
    }

    internal void Write(TpmWriter writer)
    {
        writer.U32((uint)Banks.Length);
        foreach (PcrBankSelection bank in Banks)
        {
            writer.Alg(bank.Hash).U8(bank.SizeOfSelect).Bytes(ToBitmap(bank));
        }
    }

    internal static ImmutableArray<int> FromBitmap(ReadOnlySpan<byte> bitmap)
    {
        var indices = ImmutableArray.CreateBuilder<int>();
        for (int i = 0; i < bitmap.Length * 8; i++)
        {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0)
            {
                indices.Add(i);
            }
        }

        return indices.ToImmutable();
    }

    internal static byte[] ToBitmap(PcrBankSelection bank)
    {
        byte[] bitmap = new byte[bank.SizeOfSelect];
        foreach (int i in bank.Indices)
        {
            bitmap[i / 8] |= (byte)(1 << (i % 8));
        }

        return bitmap;
    }

    public bool Equals(PcrSelection? other) => other is not null && Banks.SequenceEqual(other.Banks);

    public override bool Equals(object? obj) => Equals(obj as PcrSelection);

    public override int GetHashCode() => Banks.Length;

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (PcrBankSelection bank in Banks)
        {
            if (sb.Length > 0)
            {
                sb.Append('+');
            }

            sb.Append(TpmHash.DisplayName(bank.Hash)).Append(':').AppendJoin(',', bank.Indices);
        }

        return sb.ToString();
    }
}

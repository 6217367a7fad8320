using System.Buffers.Binary;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Credentials;

/// <summary>
/// The TPM key derivation functions (TPM 2.0 Part 1, 11.4.10): KDFa (SP 800-108 counter mode with HMAC)
/// and KDFe (SP 800-56A concatenation KDF). Labels are used with their terminating zero byte, as the
/// reference implementation does ("STORAGE\0", "INTEGRITY\0", "IDENTITY\0").
/// </summary>
public static class Kdf
{
    public static byte[] KdfA(TpmAlgId hash, ReadOnlySpan<byte> key, string label, ReadOnlySpan<byte> contextU, ReadOnlySpan<byte> contextV, int bits)
    {
        byte[] labelBytes = LabelBytes(label);
        int bytes = (bits + 7) / 8;
        byte[] output = new byte[bytes];
        byte[] input = new byte[4 + labelBytes.Length + contextU.Length + contextV.Length + 4];
        labelBytes.CopyTo(input, 4);
        contextU.CopyTo(input.AsSpan(4 + labelBytes.Length));
        contextV.CopyTo(input.AsSpan(4 + labelBytes.Length + contextU.Length));
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(input.Length - 4), (uint)bits);
        int produced = 0;
        for (uint counter = 1; produced < bytes; counter++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, counter);
            byte[] block = TpmHash.Hmac(hash, key, input);
            int n = Math.Min(block.Length, bytes - produced);
            block.AsSpan(0, n).CopyTo(output.AsSpan(produced));
            produced += n;
        }

        return output;
    }

    public static byte[] KdfE(TpmAlgId hash, ReadOnlySpan<byte> z, string label, ReadOnlySpan<byte> partyU, ReadOnlySpan<byte> partyV, int bits)
    {
        byte[] labelBytes = LabelBytes(label);
        int bytes = (bits + 7) / 8;
        byte[] output = new byte[bytes];
        byte[] input = new byte[4 + z.Length + labelBytes.Length + partyU.Length + partyV.Length];
        z.CopyTo(input.AsSpan(4));
        labelBytes.CopyTo(input, 4 + z.Length);
        partyU.CopyTo(input.AsSpan(4 + z.Length + labelBytes.Length));
        partyV.CopyTo(input.AsSpan(4 + z.Length + labelBytes.Length + partyU.Length));
        int produced = 0;
        for (uint counter = 1; produced < bytes; counter++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, counter);
            byte[] block = TpmHash.Hash(hash, input);
            int n = Math.Min(block.Length, bytes - produced);
            block.AsSpan(0, n).CopyTo(output.AsSpan(produced));
            produced += n;
        }

        return output;
    }

    private static byte[] LabelBytes(string label)
    {
        byte[] ascii = System.Text.Encoding.ASCII.GetBytes(label);
        return [.. ascii, 0];
    }
}

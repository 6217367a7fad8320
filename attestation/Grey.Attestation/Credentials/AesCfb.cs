using System.Security.Cryptography;

namespace Grey.Attestation.Credentials;

/// <summary>
/// AES in full-block CFB mode with a zero IV, as the TPM encrypts credentials. Written over ECB because the
/// last block may be partial, which the .NET CFB API with no padding does not allow.
/// </summary>
internal static class AesCfb
{
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext) => Transform(key, plaintext, encrypt: true);

    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext) => Transform(key, ciphertext, encrypt: false);

    private static byte[] Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, bool encrypt)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        byte[] output = new byte[input.Length];
        Span<byte> register = stackalloc byte[16];
        Span<byte> keystream = stackalloc byte[16];
        register.Clear();
        for (int offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(register, keystream, PaddingMode.None);
            int n = Math.Min(16, input.Length - offset);
            for (int i = 0; i < n; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            }

            // The feedback is always the ciphertext block.
            ReadOnlySpan<byte> cipherBlock = encrypt ? output.AsSpan(offset, n) : input.Slice(offset, n);
            register.Clear();
            cipherBlock.CopyTo(register);
        }

        return output;
    }
}

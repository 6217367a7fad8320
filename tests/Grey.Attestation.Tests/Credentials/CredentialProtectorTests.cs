using System.Security.Cryptography;
using Grey.Attestation.Attesters;
using Grey.Attestation.Credentials;
using Grey.Attestation.Randomness;
using Grey.Attestation.Tpm;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Credentials;

public sealed class CredentialProtectorTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(TpmAlgId.Rsa)]
    [InlineData(TpmAlgId.Ecc)]
    public async Task MakeCredential_ActivatedByTheTpmHoldingEkAndAk_ReturnsCredential(TpmAlgId ekType)
    {
        using SoftwareManufacturer m = SoftwareManufacturer.Create(Time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: ekType), m, Time);
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        CredentialChallenge c = CredentialProtector.MakeCredential(tpm.Ek, tpm.Ak.Name, secret, new SeededRandomSource(7));
        Assert.Equal(secret, await tpm.ActivateCredentialAsync(c));
    }

    [Fact]
    public async Task ActivateCredential_MadeForAnotherName_Null()
    {
        using SoftwareManufacturer m = SoftwareManufacturer.Create(Time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), m, Time);
        byte[] otherName = (byte[])tpm.Ak.Name.Clone();
        otherName[^1] ^= 1;
        CredentialChallenge c = CredentialProtector.MakeCredential(tpm.Ek, otherName, new byte[32], CryptoRandomSource.Instance);
        await Assert.ThrowsAsync<CryptographicException>(async () => await tpm.ActivateCredentialAsync(c));
    }

    [Fact]
    public async Task ActivateCredential_BlobTampered_Refused()
    {
        using SoftwareManufacturer m = SoftwareManufacturer.Create(Time);
        await using SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), m, Time);
        CredentialChallenge c = CredentialProtector.MakeCredential(tpm.Ek, tpm.Ak.Name, new byte[32], CryptoRandomSource.Instance);
        byte[] blob = (byte[])c.CredentialBlob.Clone();
        blob[^1] ^= 1;
        await Assert.ThrowsAsync<CryptographicException>(async () => await tpm.ActivateCredentialAsync(c with { CredentialBlob = blob }));
    }

    [Fact]
    public void Tpm2ToolsCredentialFile_WriteParse_HeaderAndRoundTrip()
    {
        var c = new CredentialChallenge([0, 32, .. new byte[32], 1, 2, 3], [9, 9, 9]);
        byte[] file = Tpm2ToolsCredentialFile.Write(c);
        Assert.Equal(Convert.FromHexString("BADCC0DE00000001"), file[..8]);
        CredentialChallenge back = Tpm2ToolsCredentialFile.Parse(file);
        Assert.Equal(c.CredentialBlob, back.CredentialBlob);
        Assert.Equal(c.EncryptedSecret, back.EncryptedSecret);
    }

    [Fact]
    public void KdfA_TwoBlocks_PrefixOfLongerOutputIsShorterOutputOnlyForSameBits()
    {
        // The bit count is part of the input, so asking for a different length changes every block.
        byte[] a = Kdf.KdfA(TpmAlgId.Sha256, new byte[32], "STORAGE", [1], [], 256);
        byte[] b = Kdf.KdfA(TpmAlgId.Sha256, new byte[32], "STORAGE", [1], [], 512);
        Assert.Equal(32, a.Length);
        Assert.Equal(64, b.Length);
        Assert.NotEqual(a, b[..32]);
    }
}

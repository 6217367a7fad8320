using Grey.Attestation.Pcr;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Tests.Pcr;

public sealed class PcrBankTests
{
    [Fact]
    public void Extend_OnceFromZero_EqualsWhatSwtpmComputed()
    {
        // tpm2_pcrextend 16:sha256=00..01 on a fresh swtpm gave 90f4b395... (testdata/swtpm-ecc/quote.pcrs).
        var bank = new PcrBank(TpmAlgId.Sha256, TpmAlgId.Sha384);
        byte[] one = new byte[32];
        one[31] = 1;
        bank.Extend(TpmAlgId.Sha256, 16, one);
        Assert.Equal("90f4b39548df55ad6187a1d20d731ecee78c545b94afd16f42ef7592d99cd365", Convert.ToHexStringLower(bank.Read(TpmAlgId.Sha256, 16)));
        Assert.Equal(new byte[48], bank.Read(TpmAlgId.Sha384, 16));
    }

    [Fact]
    public void Extend_WrongDigestSize_Throws()
    {
        var bank = new PcrBank(TpmAlgId.Sha256);
        Assert.Throws<ArgumentException>(() => bank.Extend(TpmAlgId.Sha256, 0, new byte[20]));
    }
}

using Grey.Attestation.Randomness;
using Grey.Attestation.Verification;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Verification;

public sealed class NoncesTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Issue_Default_32BytesAndDistinct()
    {
        var nonces = new Nonces(new NonceOptions(), _time, CryptoRandomSource.Instance);
        byte[] a = nonces.Issue("n1");
        byte[] b = nonces.Issue("n1");
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Ctor_SizeBelow128Bits_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Nonces(new NonceOptions(Size: 15), _time, CryptoRandomSource.Instance));
    }

    [Fact]
    public void Redeem_Lifecycle_EachStateHasItsReason()
    {
        var nonces = new Nonces(new NonceOptions(TimeToLive: TimeSpan.FromSeconds(10)), _time, new SeededRandomSource(3));
        byte[] old = nonces.Issue("n1");
        byte[] current = nonces.Issue("n1");
        byte[] other = nonces.Issue("n2");
        Assert.Equal(ReasonCode.NonceStale, nonces.Redeem("n1", old));
        Assert.Equal(ReasonCode.NonceForeign, nonces.Redeem("n1", other));
        Assert.Equal(ReasonCode.Accepted, nonces.Redeem("n1", current));
        Assert.Equal(ReasonCode.NonceReused, nonces.Redeem("n1", current));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(ReasonCode.NonceExpired, nonces.Redeem("n2", other));
        Assert.Equal(ReasonCode.NonceExpired, nonces.Redeem("n2", other));
        Assert.Equal(ReasonCode.NonceUnknown, nonces.Redeem("n2", new byte[32]));
        Assert.Equal(ReasonCode.NonceTooShort, nonces.Redeem("n2", new byte[8]));
    }

    [Fact]
    public void Redeem_ForgottenBeyondMaxTracked_StillRefused()
    {
        var nonces = new Nonces(new NonceOptions(MaxTracked: 2), _time, new SeededRandomSource(4));
        byte[] first = nonces.Issue("n1");
        Assert.Equal(ReasonCode.Accepted, nonces.Redeem("n1", first));
        nonces.Issue("n2");
        nonces.Issue("n3");
        Assert.Equal(ReasonCode.NonceUnknown, nonces.Redeem("n1", first));
    }
}

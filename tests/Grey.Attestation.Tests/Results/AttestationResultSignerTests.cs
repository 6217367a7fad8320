using System.Security.Cryptography;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Results;

public sealed class AttestationResultSignerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public void Check_WithinLifetime_AcceptedAndFieldsRoundTrip()
    {
        SignedEnvelope signed = Sign();
        Assert.Equal(ResultCheck.Accepted, AttestationResultSigner.Check(signed, _key, _time, "n1", "abcd", out AttestationResult? r));
        Assert.Equal(7u, r!.Clock.ResetCount);
        Assert.True(r.Reboot);
    }

    [Fact]
    public void Check_AfterExpiry_Expired()
    {
        SignedEnvelope signed = Sign();
        _time.Advance(AttestationResultSigner.DefaultLifetime);
        Assert.Equal(ResultCheck.Expired, AttestationResultSigner.Check(signed, _key, _time, "n1", "abcd", out _));
    }

    [Fact]
    public void Check_OtherDeltaKey_WrongKey()
    {
        Assert.Equal(ResultCheck.WrongKey, AttestationResultSigner.Check(Sign(), _key, _time, "n1", "ffff", out _));
        Assert.Equal(ResultCheck.WrongNode, AttestationResultSigner.Check(Sign(), _key, _time, "n2", "abcd", out _));
    }

    [Fact]
    public void Check_OtherVerifierKey_SignatureInvalid()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(ResultCheck.SignatureInvalid, AttestationResultSigner.Check(Sign(), other, _time, "n1", "abcd", out _));
    }

    public void Dispose() => _key.Dispose();

    private SignedEnvelope Sign() =>
        new AttestationResultSigner("v1", _key, _time).Sign("n1", [0, 11, 1, 2], "abcd", new byte[32], new TpmsClockInfo(5, 7, 0, true), true, false);
}

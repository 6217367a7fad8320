using System.Security.Cryptography;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Revocation;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Revocation;

public sealed class RevocationNoticeValidatorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RevocationNoticeIssuer _issuer;
    private readonly RevocationNoticeValidator _validator;

    public RevocationNoticeValidatorTests()
    {
        _issuer = new RevocationNoticeIssuer("registrar-1", _key, _time);
        _validator = new RevocationNoticeValidator("registrar-1", _key, _time);
    }

    [Fact]
    public void Accept_FreshNotice_Accepted()
    {
        Assert.Equal(NoticeCheck.Accepted, _validator.Accept(_issuer.Issue("n1", NodeState.Revoked), out RevocationNotice? n));
        Assert.Equal(NodeState.Revoked, n!.State);
    }

    [Fact]
    public void Accept_SameNoticeTwice_Replayed()
    {
        SignedEnvelope notice = _issuer.Issue("n1", NodeState.Revoked);
        Assert.Equal(NoticeCheck.Accepted, _validator.Accept(notice, out _));
        Assert.Equal(NoticeCheck.Replayed, _validator.Accept(notice, out _));
    }

    [Fact]
    public void Accept_OlderEnableAfterRevoke_Replayed()
    {
        SignedEnvelope enable = _issuer.Issue("n1", NodeState.Enabled);
        SignedEnvelope revoke = _issuer.Issue("n1", NodeState.Revoked);
        Assert.Equal(NoticeCheck.Accepted, _validator.Accept(revoke, out _));
        Assert.Equal(NoticeCheck.Replayed, _validator.Accept(enable, out _));
    }

    [Fact]
    public void Accept_PastExpiry_Stale()
    {
        SignedEnvelope notice = _issuer.Issue("n1", NodeState.Revoked);
        _time.Advance(RevocationNoticeIssuer.DefaultLifetime);
        Assert.Equal(NoticeCheck.Stale, _validator.Accept(notice, out _));
    }

    [Fact]
    public void Accept_PayloadTampered_SignatureInvalid()
    {
        SignedEnvelope notice = _issuer.Issue("n1", NodeState.Revoked);
        byte[] payload = (byte[])notice.Payload.Clone();
        payload[^20] ^= 1;
        Assert.Equal(NoticeCheck.SignatureInvalid, _validator.Accept(notice with { Payload = payload }, out _));
    }

    [Fact]
    public void Accept_OtherIssuer_WrongIssuer()
    {
        var other = new RevocationNoticeIssuer("registrar-2", _key, _time);
        Assert.Equal(NoticeCheck.WrongIssuer, _validator.Accept(other.Issue("n1", NodeState.Revoked), out _));
    }

    [Fact]
    public void Envelope_ToBytesTryParse_RoundTrips()
    {
        SignedEnvelope notice = _issuer.Issue("n1", NodeState.Banned);
        Assert.True(SignedEnvelope.TryParse(notice.ToBytes(), out SignedEnvelope? back, out _));
        Assert.Equal(NoticeCheck.Accepted, _validator.Accept(back!, out _));
    }

    public void Dispose() => _key.Dispose();
}

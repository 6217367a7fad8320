using System.Text;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Results;

/// <summary>
/// What a verifier asserts after a passing quote (RFC 9334 "attestation result"): this node, with this
/// attestation key, passed at <see cref="IssuedAt"/>, and signs deltas with the certificate whose key
/// identifier is <see cref="DeltaSigningKeyId"/>. Valid only until <see cref="ExpiresAt"/> (short), so a
/// relying party asks again rather than trusting a node forever.
/// </summary>
public sealed record AttestationResult(
    string VerifierId,
    string NodeId,
    byte[] AkName,
    string DeltaSigningKeyId,
    byte[] BoundKeyHash,
    TpmsClockInfo Clock,
    bool Reboot,
    bool UncleanReboot,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt)
{
    private static ReadOnlySpan<byte> Magic => "GREYATR1"u8;

    /// <summary>Canonical encoding: magic, then fields in declaration order, big-endian, strings as UTF-8 TPM2B.</summary>
    public byte[] ToBytes()
    {
        var w = new TpmWriter();
        w.Bytes(Magic).Sized(Encoding.UTF8.GetBytes(VerifierId)).Sized(Encoding.UTF8.GetBytes(NodeId)).Sized(AkName)
            .Sized(Encoding.UTF8.GetBytes(DeltaSigningKeyId)).Sized(BoundKeyHash);
        Clock.Write(w);
        w.U8(Reboot ? (byte)1 : (byte)0).U8(UncleanReboot ? (byte)1 : (byte)0)
            .U64((ulong)IssuedAt.ToUnixTimeMilliseconds()).U64((ulong)ExpiresAt.ToUnixTimeMilliseconds());
        return w.ToArray();
    }

    public static AttestationResult Parse(ReadOnlySpan<byte> bytes)
    {
        var r = new TpmReader(bytes, "attestation result");
        if (!r.Bytes(8, "magic").SequenceEqual(Magic))
        {
            throw r.Error("no GREYATR1 magic");
        }

        string verifier = Utf8(r.Sized(256, "verifierId"));
        string node = Utf8(r.Sized(256, "nodeId"));
        byte[] akName = r.Sized(2 + TpmHash.MaxDigestSize, "akName").ToArray();
        string keyId = Utf8(r.Sized(256, "deltaSigningKeyId"));
        byte[] bound = r.Sized(TpmHash.MaxDigestSize, "boundKeyHash").ToArray();
        TpmsClockInfo clock = TpmsClockInfo.Read(ref r);
        bool reboot = r.U8("reboot") != 0;
        bool unclean = r.U8("uncleanReboot") != 0;
        DateTimeOffset issued = r.UnixMilliseconds("issuedAt");
        DateTimeOffset expires = r.UnixMilliseconds("expiresAt");
        r.End();
        return new AttestationResult(verifier, node, akName, keyId, bound, clock, reboot, unclean, issued, expires);
    }

    private static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
}

using System.Text;
using Grey.Attestation.Registration;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Revocation;

/// <summary>
/// A signed statement of the registrar: from <see cref="Sequence"/> on, <see cref="NodeId"/> is in
/// <see cref="State"/>. Sequence numbers rise strictly per issuer, so a replayed notice is recognised; a
/// notice past <see cref="ExpiresAt"/> is stale and refused, so an old "enabled" cannot undo a revocation.
/// </summary>
public sealed record RevocationNotice(string IssuerId, ulong Sequence, string NodeId, NodeState State, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    private static ReadOnlySpan<byte> Magic => "GREYRVK1"u8;

    public byte[] ToBytes() =>
        new TpmWriter().Bytes(Magic).Sized(Encoding.UTF8.GetBytes(IssuerId)).U64(Sequence).Sized(Encoding.UTF8.GetBytes(NodeId))
            .U8((byte)State).U64((ulong)IssuedAt.ToUnixTimeMilliseconds()).U64((ulong)ExpiresAt.ToUnixTimeMilliseconds()).ToArray();

    public static RevocationNotice Parse(ReadOnlySpan<byte> bytes)
    {
        var r = new TpmReader(bytes, "revocation notice");
        if (!r.Bytes(8, "magic").SequenceEqual(Magic))
        {
            throw r.Error("no GREYRVK1 magic");
        }

        string issuer = Encoding.UTF8.GetString(r.Sized(256, "issuerId"));
        ulong sequence = r.U64("sequence");
        string node = Encoding.UTF8.GetString(r.Sized(256, "nodeId"));
        byte state = r.U8("state");
        if (!Enum.IsDefined(typeof(NodeState), (int)state))
        {
            throw r.Error($"state {state} is unknown");
        }

        DateTimeOffset issued = r.UnixMilliseconds("issuedAt");
        DateTimeOffset expires = r.UnixMilliseconds("expiresAt");
        r.End();
        return new RevocationNotice(issuer, sequence, node, (NodeState)state, issued, expires);
    }
}

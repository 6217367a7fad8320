using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Grey.Edge.Transport;

/// <summary>
/// The peer address of a member as the log carries it (<c>SiteRecordKind.MemberPeer</c>): an IP address and a port in
/// 1-65535, "HOST:PORT" as in <c>--peers</c> ("[::1]:7001" for IPv6), at most 64 characters.
/// </summary>
internal static class PeerAddress
{
    /// <summary>Longest address accepted (an IPv6 address in brackets with a port fits in 47).</summary>
    public const int MaxLength = 64;

    public static bool IsValid(string text) => TryParse(text, out _);

    public static bool TryParse(string? text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (text is null || text.Length is 0 or > MaxLength || !text.Contains(':', StringComparison.Ordinal)
            || !IPEndPoint.TryParse(text, out var parsed) || parsed.Port is 0)
        {
            return false;
        }

        endPoint = parsed;
        return true;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Grey.Edge.Node;

/// <summary>
/// The name a node enrolls under at its region, and by which the region revokes it. Raft ids are only unique
/// within a site (every site has an <c>n1</c>), while the region's registry is one namespace for all its sites, so
/// the name is <c>&lt;site&gt;-n&lt;id&gt;</c>. Names are federation ids (at most 63 characters); when that form would be
/// longer, the site part is shortened and an 8-hex-digit digest of the whole site id keeps it unique.
/// </summary>
internal static class EnrolledNodeName
{
    /// <summary>The longest federation id.</summary>
    public const int MaxLength = 63;

    public static string For(string site, ulong nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        string suffix = "-n" + nodeId.ToString(CultureInfo.InvariantCulture);
        if (site.Length + suffix.Length <= MaxLength)
        {
            return site + suffix;
        }

        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(site)))[..8];
        int keep = MaxLength - suffix.Length - digest.Length - 1;
        return site[..keep].TrimEnd('-') + "-" + digest + suffix;
    }
}


namespace Grey.Federation.Identifiers;

/// <summary>
/// Keys and their ownership classes (DESIGN G6). A key is 1 to <see cref="FederationLimits.MaxKeyBytes"/>
/// printable ASCII characters (0x21 to 0x7E), so it can be logged, put in a URL path segment and compared
/// ordinally without surprises. Keys under <c>shared/</c> are written by many sites and regions; keys under
/// <c>desired/</c> are written only by the cloud; every other key belongs to the site that writes it.
/// </summary>
public static class KeyNames
{
    /// <summary>Prefix of the keys many sites and regions write.</summary>
    public const string SharedPrefix = "shared/";

    /// <summary>Prefix of the keys only desired-state changes from a region write.</summary>
    public const string DesiredPrefix = "desired/";

    /// <summary>The state scope of shared keys; every other key is scoped by its site id.</summary>
    public const string SharedScope = "";

    /// <summary>Returns whether <paramref name="key"/> is a valid key.</summary>
    public static bool IsValid(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > FederationLimits.MaxKeyBytes)
        {
            return false;
        }

        foreach (char c in key)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="key"/> is not valid.</summary>
    public static string Require(string? key, string paramName)
    {
        if (!IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a valid key; expected 1-{FederationLimits.MaxKeyBytes} printable ASCII characters", paramName);
        }

        return key!;
    }

    /// <summary>Whether the key is shared by many writers.</summary>
    public static bool IsShared(string key) => key.StartsWith(SharedPrefix, StringComparison.Ordinal);

    /// <summary>Whether the key is written only through desired-state changes.</summary>
    public static bool IsDesired(string key) => key.StartsWith(DesiredPrefix, StringComparison.Ordinal);

    /// <summary>The state scope a key written by <paramref name="site"/> lands in.</summary>
    public static string ScopeOf(string site, string key) => IsShared(key) ? SharedScope : site;

    /// <summary>Whether a set element is valid: 1 to <see cref="FederationLimits.MaxElementBytes"/> UTF-8 bytes, no control characters.</summary>
    public static bool IsValidElement(string? element)
    {
        if (string.IsNullOrEmpty(element) || element.Length > FederationLimits.MaxElementBytes)
        {
            return false;
        }

        foreach (char c in element)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return false;
            }
        }

        return System.Text.Encoding.UTF8.GetByteCount(element) <= FederationLimits.MaxElementBytes;
    }
}

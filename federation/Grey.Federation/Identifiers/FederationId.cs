namespace Grey.Federation.Identifiers;

/// <summary>
/// Site, node and region identifiers: <c>[a-z0-9][a-z0-9-]{0,62}</c>. They appear in NATS subjects and
/// MQTT topics, so the alphabet excludes every separator and wildcard those systems know.
/// </summary>
public static class FederationId
{
    /// <summary>Longest identifier, in characters (one leading character and up to 62 more).</summary>
    public const int MaxLength = 63;

    /// <summary>Returns whether <paramref name="id"/> is a valid identifier.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !IsLeading(id[0]))
        {
            return false;
        }

        for (int i = 1; i < id.Length; i++)
        {
            if (!IsLeading(id[i]) && id[i] != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="id"/> is not a valid identifier.</summary>
    public static string Require(string? id, string paramName)
    {
        if (!IsValid(id))
        {
            throw new ArgumentException($"'{id}' is not a valid id; expected [a-z0-9][a-z0-9-]{{0,62}}", paramName);
        }

        return id!;
    }

    private static bool IsLeading(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}

using NATS.Client.Core;

namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// The credentials of the site's NATS user, read from <c>--nats-creds FILE</c> in one of three forms: a NATS
/// <c>.creds</c> file (user JWT and nkey seed), a bare nkey seed (a line starting with <c>SU</c>), or
/// <c>user = NAME</c> / <c>password = SECRET</c> lines (as <c>deploy/nats/gen-config.sh</c> writes them).
/// A class, not a record, so that no generated <c>ToString</c> can print a secret; <see cref="ToString"/> names
/// only the kind and the user.
/// </summary>
internal sealed class NatsCredentials
{
    /// <summary>Largest credentials file read.</summary>
    public const int MaxFileBytes = 16 * 1024;

    private NatsCredentials(string kind, string? user, NatsAuthOpts auth)
    {
        Kind = kind;
        User = user;
        Auth = auth;
    }

    /// <summary>No credentials (anonymous, or whatever the URL carries).</summary>
    public static NatsCredentials None { get; } = new("none", null, NatsAuthOpts.Default);

    /// <summary>"creds", "nkey", "password" or "none".</summary>
    public string Kind { get; }

    /// <summary>The user name when there is one (not a secret).</summary>
    public string? User { get; }

    /// <summary>What NATS.Net authenticates with.</summary>
    public NatsAuthOpts Auth { get; }

    /// <summary>User and password given in code or taken from a URL.</summary>
    public static NatsCredentials FromPassword(string user, string? password) =>
        new("password", user, NatsAuthOpts.Default with { Username = user, Password = password });

    /// <summary>Reads a credentials file; returns null with a message (naming the file, never its content) when unusable.</summary>
    public static NatsCredentials? Load(string path, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        error = null;
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = $"credentials file '{path}' does not exist";
                return null;
            }

            if (info.Length > MaxFileBytes)
            {
                error = $"credentials file '{path}' is larger than {MaxFileBytes} bytes";
                return null;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"credentials file '{path}' cannot be read ({e.GetType().Name})";
            return null;
        }

        if (text.Contains("-----BEGIN NATS USER JWT-----", StringComparison.Ordinal))
        {
            return new("creds", null, NatsAuthOpts.Default with { CredsFile = path });
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#'))
            .ToArray();
        if (lines.Length == 1 && lines[0].StartsWith("SU", StringComparison.Ordinal) && !lines[0].Contains('=', StringComparison.Ordinal))
        {
            return new("nkey", null, NatsAuthOpts.Default with { NKeyFile = path });
        }

        string? user = null;
        string? password = null;
        foreach (var line in lines)
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"credentials file '{path}': expected a .creds file, an nkey seed, or 'user = NAME' and 'password = SECRET' lines";
                return null;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            switch (key)
            {
                case "user":
                    user = value;
                    break;
                case "password":
                    password = value;
                    break;
                default:
                    error = $"credentials file '{path}': unknown key '{key}' (only user and password)";
                    return null;
            }
        }

        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            error = $"credentials file '{path}' needs both 'user = NAME' and 'password = SECRET'";
            return null;
        }

        return FromPassword(user, password);
    }

    /// <summary>Names the kind and user only: never a secret.</summary>
    public override string ToString() => User is null ? Kind : $"{Kind} (user {User})";
}

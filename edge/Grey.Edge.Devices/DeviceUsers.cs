using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Grey.Edge.Devices;

/// <summary>
/// The file of device users: one line per device, <c>&lt;name&gt;:pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;</c>
/// (salt and hash in base64; <see cref="HashLine"/> makes a line, docs/MQTT.md shows a shell one-liner). Blank lines
/// and lines starting with <c>#</c> are ignored. Only hashes are stored, so the file is no password list; checks
/// are constant-time, and an unknown user costs as much as a known one (no user enumeration by timing).
/// </summary>
internal sealed class DeviceUsers
{
    /// <summary>Most users in one file.</summary>
    public const int MaxUsers = 10_000;

    /// <summary>Largest file read.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>Longest device name (also its log name).</summary>
    public const int MaxNameLength = 64;

    /// <summary>Fewest PBKDF2 iterations accepted (tests use this floor; production lines use <see cref="DefaultIterations"/>).</summary>
    public const int MinIterations = 1_000;

    /// <summary>Most PBKDF2 iterations accepted (bounds the cost of one CONNECT).</summary>
    public const int MaxIterations = 2_000_000;

    /// <summary>Iterations of lines made by <see cref="HashLine"/> unless told otherwise.</summary>
    public const int DefaultIterations = 100_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private static readonly Entry Dummy = new(DefaultIterations, new byte[SaltBytes], new byte[HashBytes]);

    private readonly Dictionary<string, Entry> users;

    private DeviceUsers(Dictionary<string, Entry> users) => this.users = users;

    /// <summary>Number of users.</summary>
    public int Count => users.Count;

    /// <summary>Parses the text of a users file; returns null and every problem (with line numbers) when it is bad.</summary>
    public static DeviceUsers? Parse(string text, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<string>();
        var users = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? line : line[..colon];
            if (!IsValidName(name))
            {
                problems.Add($"line {lineNumber}: device name must be 1-{MaxNameLength} characters of [A-Za-z0-9._-]");
                continue;
            }

            var entry = colon < 0 ? null : ParseHash(line[(colon + 1)..]);
            if (entry is null)
            {
                // The line is not echoed: it may hold a hash worth keeping out of logs.
                problems.Add($"line {lineNumber}: expected {name}:{Scheme}$<iterations {MinIterations}-{MaxIterations}>$<base64 salt>$<base64 32-byte hash>");
                continue;
            }

            if (!users.TryAdd(name, entry))
            {
                problems.Add($"line {lineNumber}: device '{name}' appears twice");
            }
            else if (users.Count > MaxUsers)
            {
                problems.Add($"more than {MaxUsers} users");
                break;
            }
        }

        errors = problems;
        return problems.Count == 0 ? new DeviceUsers(users) : null;
    }

    /// <summary>Reads and parses a users file; returns null and every problem when it cannot be used.</summary>
    public static DeviceUsers? Load(string path, out IReadOnlyList<string> errors)
    {
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
            {
                errors = [$"device users file '{path}' is larger than {MaxFileBytes} bytes"];
                return null;
            }

            return Parse(File.ReadAllText(path), out errors);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors = [$"cannot read device users file '{path}': {e.Message}"];
            return null;
        }
    }

    /// <summary>Whether <paramref name="name"/> may be a device name.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength &&
        name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-');

    /// <summary>Makes a users-file line for <paramref name="name"/> with a fresh salt from <paramref name="random"/>.</summary>
    public static string HashLine(string name, string password, RandomNumberGenerator random, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(random);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"device name must be 1-{MaxNameLength} characters of [A-Za-z0-9._-]", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        var salt = new byte[SaltBytes];
        random.GetBytes(salt);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{name}:{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> is the password of <paramref name="name"/>.</summary>
    public bool Verify(string? name, ReadOnlySpan<byte> password)
    {
        var known = name is not null && users.TryGetValue(name, out var found) ? found : null;
        var entry = known ?? Dummy;
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, entry.Salt, entry.Iterations, HashAlgorithmName.SHA256, HashBytes);
        return CryptographicOperations.FixedTimeEquals(hash, entry.Hash) && known is not null;
    }

    private static Entry? ParseHash(string text)
    {
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) ||
            iterations is < MinIterations or > MaxIterations)
        {
            return null;
        }

        var salt = new byte[64];
        var hash = new byte[64];
        if (!Convert.TryFromBase64String(parts[2], salt, out var saltLength) || saltLength is < 8 or > 64 ||
            !Convert.TryFromBase64String(parts[3], hash, out var hashLength) || hashLength != HashBytes)
        {
            return null;
        }

        return new Entry(iterations, salt[..saltLength], hash[..hashLength]);
    }

    private sealed record Entry(int Iterations, byte[] Salt, byte[] Hash);
}

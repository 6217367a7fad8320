using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Grey.Federation.Identifiers;

namespace Grey.Region.Daemon.Sharding;

/// <summary>
/// Which sites this region process serves (<c>--shard I/N</c>, default 0/1: every site). A site belongs to shard
/// <c>XxHash64(UTF-8 bytes of the site id, seed 0) mod N</c> (the 64-bit hash as an unsigned number), so every
/// process of the region computes the same owner without talking to the others, and one site never spans two
/// processes (which would break the order of its chain). The rule is fixed: changing it would move sites.
/// </summary>
internal sealed record ShardAssignment
{
    /// <summary>Most shards of one region (each one is a process with its own broker consumer or session).</summary>
    public const int MaxCount = 1024;

    /// <summary>The one shard that owns every site.</summary>
    public static readonly ShardAssignment Single = new(0, 1);

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>; misuse throws.</summary>
    public ShardAssignment(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        Index = index;
        Count = count;
    }

    /// <summary>This process's shard, 0 ≤ Index &lt; Count.</summary>
    public int Index { get; }

    /// <summary>How many processes split the region's sites.</summary>
    public int Count { get; }

    /// <summary>Whether the region's sites are split over several processes.</summary>
    public bool IsSharded => Count > 1;

    /// <summary>The shard owning <paramref name="site"/> among <paramref name="count"/>.</summary>
    public static int ShardOf(string site, int count)
    {
        FederationId.Require(site, nameof(site));
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        ulong hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(site), seed: 0);
        return (int)(hash % (ulong)count);
    }

    /// <summary>Whether this process serves <paramref name="site"/>. A string that is not a site id is nobody's.</summary>
    public bool Owns(string site) => FederationId.IsValid(site) && (Count == 1 || ShardOf(site, Count) == Index);

    /// <summary>Parses <c>I/N</c>; null with a reason when it is not that.</summary>
    public static ShardAssignment? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            && count is >= 1 and <= MaxCount && index < count)
        {
            error = null;
            return new ShardAssignment(index, count);
        }

        error = $"--shard '{text}' must be I/N with 1 <= N <= {MaxCount} and 0 <= I < N (e.g. 0/2)";
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

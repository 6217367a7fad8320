using System.Globalization;

namespace Grey.Region.Daemon.Sharding;

/// <summary>
/// <c>grey-region --shard-of SITE --shards N</c>: prints the index of the shard owning SITE among N (the rule of
/// <see cref="ShardAssignment.ShardOf"/>), so an operator can place a site without greyctl. Exit 0, or 2 with a
/// message for a bad site id or count.
/// </summary>
internal static class ShardOfCommand
{
    /// <summary>Whether the arguments ask for this command (both flags, in either order, and nothing else).</summary>
    public static bool Matches(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count == 4 && ((args[0] == "--shard-of" && args[2] == "--shards") || (args[0] == "--shards" && args[2] == "--shard-of"));
    }

    /// <summary>Runs it; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!Matches(args))
        {
            error.WriteLine("grey-region: usage: grey-region --shard-of SITE --shards N");
            return 2;
        }

        string site = args[0] == "--shard-of" ? args[1] : args[3];
        string countText = args[0] == "--shards" ? args[1] : args[3];
        bool countOk = int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count is >= 1 and <= ShardAssignment.MaxCount;
        bool siteOk = Grey.Federation.Identifiers.FederationId.IsValid(site);
        if (!siteOk)
        {
            error.WriteLine($"grey-region: --shard-of '{site}' is not a site id ([a-z0-9][a-z0-9-]{{0,62}})");
        }

        if (!countOk)
        {
            error.WriteLine($"grey-region: --shards '{countText}' must be a whole number from 1 to {ShardAssignment.MaxCount}");
        }

        if (!siteOk || !countOk)
        {
            return 2;
        }

        output.WriteLine(ShardAssignment.ShardOf(site, count).ToString(CultureInfo.InvariantCulture));
        return 0;
    }
}

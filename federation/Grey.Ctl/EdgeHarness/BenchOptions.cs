namespace Grey.Ctl.EdgeHarness;

/// <summary>Settings of <c>greyctl bench edge</c>, with its defaults.</summary>
internal sealed record BenchOptions
{
    /// <summary>The most clients accepted: each is a concurrent request loop with its own connection.</summary>
    public const int MaxClients = 1024;

    /// <summary>The largest value accepted (the etcd default request limit is 1.5 MiB).</summary>
    public const int MaxValueSize = 1024 * 1024;

    /// <summary>The shortest measured duration that yields a meaningful p99.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromSeconds(1);

    /// <summary>The longest measured duration per phase.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>The longest run of the client-ceiling probe against the trivial HTTP endpoint.</summary>
    public static readonly TimeSpan MaxCeilingDuration = TimeSpan.FromSeconds(3);

    /// <summary>The longest warm-up before each measured phase (a quarter of the duration when shorter).</summary>
    public static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(2);

    public int Nodes { get; init; } = 3;

    public int Clients { get; init; } = 64;

    public int ValueSize { get; init; } = 256;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public bool VsEtcd { get; init; }

    public TimeSpan WarmUp => Duration / 4 < MaxWarmUp ? Duration / 4 : MaxWarmUp;

    /// <summary>Every problem with these options, all at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes is < 1 or > EdgeCluster.MaxNodes)
        {
            errors.Add($"--nodes must lie in [1, {EdgeCluster.MaxNodes}], got {Nodes}");
        }

        if (Clients is < 1 or > MaxClients)
        {
            errors.Add($"--clients must lie in [1, {MaxClients}], got {Clients}");
        }

        if (ValueSize is < 1 or > MaxValueSize)
        {
            errors.Add($"--value-size must lie in [1, {MaxValueSize}] bytes, got {ValueSize}");
        }

        if (Duration < MinDuration || Duration > MaxDuration)
        {
            errors.Add($"--duration must lie in [{MinDuration.TotalSeconds:F0}s, {MaxDuration.TotalMinutes:F0}m], got {Duration}");
        }

        return errors;
    }
}

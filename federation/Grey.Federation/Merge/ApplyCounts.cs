namespace Grey.Federation.Merge;

/// <summary>What applying operations or checkpoint items did.</summary>
public readonly record struct ApplyCounts(int Applied, int OwnershipViolations, int Conflicts)
{
    /// <summary>Sum of two counts.</summary>
    public static ApplyCounts operator +(ApplyCounts a, ApplyCounts b) =>
        new(a.Applied + b.Applied, a.OwnershipViolations + b.OwnershipViolations, a.Conflicts + b.Conflicts);
}

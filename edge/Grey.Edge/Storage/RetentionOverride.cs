namespace Grey.Edge.Storage;

/// <summary>Why compaction discarded entries the retention hook still needed.</summary>
[Flags]
internal enum RetentionOverride
{
    /// <summary>Nothing was overridden.</summary>
    None = 0,

    /// <summary>The entries held only for the hook exceeded <see cref="RetentionBudget.MaxBytes"/>.</summary>
    Bytes = 1,

    /// <summary>The entries were older than <see cref="RetentionBudget.MaxAge"/>.</summary>
    Age = 2,
}

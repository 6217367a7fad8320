namespace Grey.Simulation.Kv;

/// <summary>The outcome of applying a command.</summary>
/// <param name="Ok">True when a write happened (always for Write; for Cas, whether it swapped).</param>
/// <param name="Duplicate">True when the command had been applied before and this is the remembered answer.</param>
internal readonly record struct KvResult(bool Ok, bool Duplicate);

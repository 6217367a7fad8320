namespace Grey.Ctl.EdgeHarness;

/// <summary>An acknowledged write that the site's final state does not reflect.</summary>
/// <param name="Key">The key written.</param>
/// <param name="Value">The acknowledged value that is gone.</param>
/// <param name="Reason">Why: the key is absent, or holds a value written before this write was even called.</param>
internal sealed record LostWrite(string Key, long Value, string Reason);

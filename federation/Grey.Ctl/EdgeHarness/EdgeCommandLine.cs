namespace Grey.Ctl.EdgeHarness;

/// <summary>The executable that starts grey-edge and the arguments that come before the daemon's own.</summary>
internal readonly record struct EdgeCommandLine(string FileName, IReadOnlyList<string> LeadingArguments);

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Finds the <c>grey-edge</c> executable: the path given with <c>--edge-bin</c>, or the one next to
/// greyctl's own executable (the project reference copies it there). A framework-dependent build may only
/// have <c>grey-edge.dll</c>; it is then started through the <c>dotnet</c> host.
/// </summary>
internal static class EdgeBinaryLocator
{
    /// <summary>Returns the command (file and leading arguments) that starts grey-edge, or an error for people.</summary>
    public static bool TryLocate(string? explicitPath, out EdgeCommandLine command, out string error)
    {
        command = default;
        error = string.Empty;
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return TryFrom(explicitPath, out command, out error);
        }

        string beside = Path.Combine(AppContext.BaseDirectory, "grey-edge");
        if (File.Exists(beside))
        {
            command = new EdgeCommandLine(beside, []);
            return true;
        }

        if (File.Exists(beside + ".dll"))
        {
            command = new EdgeCommandLine("dotnet", [beside + ".dll"]);
            return true;
        }

        error = $"grey-edge not found next to greyctl ({AppContext.BaseDirectory}); build edge/Grey.Edge.Daemon or pass --edge-bin PATH";
        return false;
    }

    private static bool TryFrom(string path, out EdgeCommandLine command, out string error)
    {
        command = default;
        error = string.Empty;
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            error = $"--edge-bin {path} is a directory, not the grey-edge executable";
            return false;
        }

        if (!File.Exists(full))
        {
            error = $"--edge-bin {path}: no such file";
            return false;
        }

        command = full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new EdgeCommandLine("dotnet", [full])
            : new EdgeCommandLine(full, []);
        return true;
    }
}

namespace Grey.Integration.Tests.Support;

/// <summary>Finds a daemon copied next to the test assembly (the project copies grey-edge and grey-region here).</summary>
internal static class DaemonBinary
{
    public static (string FileName, IReadOnlyList<string> LeadingArguments) Locate(string name)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, name);
        if (File.Exists(beside))
        {
            return (beside, []);
        }

        if (File.Exists(beside + ".dll"))
        {
            return ("dotnet", [beside + ".dll"]);
        }

        throw new FileNotFoundException($"{name} was not copied next to the tests ({AppContext.BaseDirectory}); build Grey.slnx first");
    }
}

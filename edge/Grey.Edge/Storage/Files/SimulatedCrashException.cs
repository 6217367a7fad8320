namespace Grey.Edge.Storage.Files;

/// <summary>Thrown by <see cref="SimulatedFileSystem"/> at the operation where a test or the simulator stops the disk.</summary>
internal sealed class SimulatedCrashException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SimulatedCrashException(string message)
        : base(message)
    {
    }
}

using System.Runtime.InteropServices;

namespace Grey.Region.Storage;

/// <summary>
/// fsync of a directory, so that a created, renamed or deleted file survives a power cut. .NET cannot open
/// a directory as a file handle, so this calls open(2) and fsync(2) directly on Linux and macOS (the region
/// may not reference the edge assembly that has the same helper). Windows journals metadata: nothing to do.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnlyFlag = 0;

    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = Open(directory, ReadOnlyFlag);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) for directory fsync failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

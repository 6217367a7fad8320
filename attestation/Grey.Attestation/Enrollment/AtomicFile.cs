using System.Runtime.InteropServices;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// Crash-safe file replacement: write a temporary file, fsync it, rename it over the target, fsync the
/// directory (so the rename itself survives a power cut). A reader sees the old or the new file, never a
/// torn one. .NET cannot open a directory as a file handle, hence open(2)/fsync(2) on Linux and macOS.
/// </summary>
internal static partial class AtomicFile
{
    /// <summary>Largest file read back by <see cref="ReadAll"/>: 1 MiB (every enrollment file is far smaller).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public static void Write(string path, ReadOnlySpan<byte> bytes, bool secret = false)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = path + ".tmp";

        // A temporary file left by a crash keeps its old mode when reopened: start from a new file, so a secret
        // is never written into a file readable by others.
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>Reads a file of at most <see cref="MaxFileBytes"/>; null when it does not exist.</summary>
    public static byte[]? ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{path} is {info.Length} bytes, above {MaxFileBytes}");
        }

        return File.ReadAllBytes(path);
    }

    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int fd = Open(directory, 0);
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

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Grey.Edge.Storage.Files;

/// <summary>
/// fdatasync(2) of a file: its data and the metadata needed to read it back (size, block allocation), not its
/// timestamps. The WAL's segments are preallocated (zero-filled ahead of the data), so a group commit that
/// writes inside the preallocated range changes neither size nor allocation: fdatasync then writes the data
/// and flushes the disk cache, where fsync also wrote the inode for the modification time (on ext4 without a
/// journal, as on this benchmark's disk, a synchronous inode write per fsync). Other systems use
/// <see cref="RandomAccess.FlushToDisk"/>.
/// </summary>
internal static partial class DataSync
{
    /// <summary>Makes the file's data (and its size and allocation) durable; throws <see cref="IOException"/> on failure.</summary>
    public static void Sync(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        if (Fdatasync(handle) != 0)
        {
            throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle fd);
}

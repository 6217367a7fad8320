using Microsoft.Win32.SafeHandles;

namespace Grey.Edge.Storage.Files;

/// <summary>The real file system, through <see cref="RandomAccess"/> (positional reads and writes, no buffering).</summary>
internal sealed class PhysicalFileSystem : IFileSystem
{
    /// <summary>The single instance; it holds no state.</summary>
    public static PhysicalFileSystem Instance { get; } = new();

    private PhysicalFileSystem()
    {
    }

    /// <inheritdoc/>
    public void CreateDirectory(string directory) => Directory.CreateDirectory(directory);

    /// <inheritdoc/>
    public IReadOnlyList<string> ListFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <inheritdoc/>
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc/>
    public IFileHandle Open(string path, bool createNew) =>
        new Handle(File.OpenHandle(path, createNew ? FileMode.CreateNew : FileMode.Open, FileAccess.ReadWrite, FileShare.Read));

    /// <inheritdoc/>
    public IFileHandle OpenRead(string path) =>
        new Handle(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    /// <inheritdoc/>
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc/>
    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc/>
    public void SyncDirectory(string directory) => DirectorySync.Sync(directory);

    private sealed class Handle(SafeFileHandle handle) : IFileHandle
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Flush() => DataSync.Sync(handle);

        public void Dispose() => handle.Dispose();
    }
}

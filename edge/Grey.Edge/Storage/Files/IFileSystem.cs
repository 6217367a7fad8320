namespace Grey.Edge.Storage.Files;

/// <summary>
/// The narrow set of file-system operations the write-ahead log and the snapshot store use. Every durable
/// effect of the storage layer goes through it, so that tests can stop at any operation or fail an fsync,
/// and the simulator can supply a disk that loses unsynced writes on a crash.
/// </summary>
internal interface IFileSystem
{
    /// <summary>Creates the directory (and its parents) when it does not exist.</summary>
    void CreateDirectory(string directory);

    /// <summary>The names (not paths) of the regular files directly inside <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>True when a regular file exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>Opens a file for reading and writing.</summary>
    /// <param name="path">The file.</param>
    /// <param name="createNew">True to create a new file (fails when it exists); false to open an existing one.</param>
    IFileHandle Open(string path, bool createNew);

    /// <summary>Opens an existing file for reading only.</summary>
    IFileHandle OpenRead(string path);

    /// <summary>Deletes a file. The deletion is durable only after <see cref="SyncDirectory"/>.</summary>
    void Delete(string path);

    /// <summary>
    /// Renames a file, atomically replacing <paramref name="destination"/> when it exists. Durable only after
    /// <see cref="SyncDirectory"/>.
    /// </summary>
    void Rename(string source, string destination);

    /// <summary>Makes the directory's entries (files created, renamed or deleted in it) durable.</summary>
    void SyncDirectory(string directory);
}

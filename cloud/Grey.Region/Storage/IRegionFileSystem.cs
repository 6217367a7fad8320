namespace Grey.Region.Storage;

/// <summary>
/// The narrow file-system interface every durable effect of the region store goes through: one flat
/// directory of named files. The real disk (<see cref="PhysicalRegionFileSystem"/>) and the tests' and the
/// simulator's crash-modelling disks implement it. Data written to a file is durable only after
/// <see cref="IRegionFile.Sync"/>; a created, renamed or deleted name only after <see cref="SyncDirectory"/>.
/// </summary>
public interface IRegionFileSystem
{
    /// <summary>The names of the files in the directory.</summary>
    IReadOnlyList<string> List();

    /// <summary>The whole content of a file.</summary>
    byte[] ReadAll(string name);

    /// <summary>Opens a file for appending, creating it empty when missing.</summary>
    IRegionFile OpenAppend(string name);

    /// <summary>Renames a file, replacing any file of the new name.</summary>
    void Rename(string from, string to);

    /// <summary>Deletes a file when it exists.</summary>
    void Delete(string name);

    /// <summary>Makes created, renamed and deleted names durable (fsync of the directory).</summary>
    void SyncDirectory();
}

/// <summary>A file open for appending.</summary>
public interface IRegionFile : IDisposable
{
    /// <summary>The file's current length in bytes.</summary>
    long Length { get; }

    /// <summary>Appends bytes at the end.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Makes every byte appended so far durable (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file to <paramref name="length"/> bytes (used to cut a torn tail on open).</summary>
    void Truncate(long length);
}

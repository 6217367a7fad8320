using Grey.Attestation.Enrollment;

namespace Grey.Attestation.Tests.Enrollment;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_SecretOverStaleWorldReadableTemp_OwnerOnlyAndReplaced()
    {
        string dir = Directory.CreateTempSubdirectory("grey-atomic-").FullName;
        try
        {
            string path = Path.Combine(dir, "key.pem");
            File.WriteAllText(path + ".tmp", "stale");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path + ".tmp", (UnixFileMode)0x1B6);
            }

            AtomicFile.Write(path, "secret"u8, secret: true);

            Assert.Equal("secret", File.ReadAllText(path));
            Assert.False(File.Exists(path + ".tmp"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            AtomicFile.Write(path, "new"u8);
            Assert.Equal("new", File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReadAll_MissingOrOversized_NullOrRefused()
    {
        string dir = Directory.CreateTempSubdirectory("grey-atomic-").FullName;
        try
        {
            Assert.Null(AtomicFile.ReadAll(Path.Combine(dir, "absent")));
            string big = Path.Combine(dir, "big");
            File.WriteAllBytes(big, new byte[AtomicFile.MaxFileBytes + 1]);
            Assert.Throws<InvalidDataException>(() => AtomicFile.ReadAll(big));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

namespace Grey.Edge.Uplink.Nats.Tests;

public sealed class NatsCredentialsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("grey-creds-").FullName;

    [Fact]
    public void Load_UserPasswordLines_PasswordAuthAndToStringWithoutSecret()
    {
        var file = Write("# site a\nuser = site-a\npassword = s3cr3t-Pw\n");

        var creds = NatsCredentials.Load(file, out var error);

        Assert.Null(error);
        Assert.Equal("password", creds!.Kind);
        Assert.Equal("site-a", creds.Auth.Username);
        Assert.Equal("s3cr3t-Pw", creds.Auth.Password);
        Assert.DoesNotContain("s3cr3t", creds.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CredsFile_UsesCredsFile()
    {
        var file = Write("-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAXXX\n------END USER NKEY SEED------\n");

        var creds = NatsCredentials.Load(file, out var error);

        Assert.Null(error);
        Assert.Equal("creds", creds!.Kind);
        Assert.Equal(file, creds.Auth.CredsFile);
    }

    [Fact]
    public void Load_NkeySeed_UsesNkeyFile()
    {
        var file = Write("SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY\n");

        var creds = NatsCredentials.Load(file, out var error);

        Assert.Null(error);
        Assert.Equal("nkey", creds!.Kind);
        Assert.Equal(file, creds.Auth.NKeyFile);
    }

    [Theory]
    [InlineData("user = a\n", "needs both")]
    [InlineData("password = hunter2-secret\n", "needs both")]
    [InlineData("token = hunter2-secret\n", "unknown key 'token'")]
    [InlineData("hunter2-secret garbage\n", "expected a .creds file")]
    public void Load_BadFile_ErrorNamesFileNeverSecret(string text, string expected)
    {
        var file = Write(text);

        var creds = NatsCredentials.Load(file, out var error);

        Assert.Null(creds);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(file, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingOrHuge_Error()
    {
        Assert.Null(NatsCredentials.Load(Path.Combine(dir, "none"), out var missing));
        Assert.Contains("does not exist", missing, StringComparison.Ordinal);
        var huge = Write(new string('x', NatsCredentials.MaxFileBytes + 1));
        Assert.Null(NatsCredentials.Load(huge, out var big));
        Assert.Contains("larger than", big, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeededRandomBytes_NeverThrows()
    {
        const int seed = 424242;
        var random = new Random(seed);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            var file = Path.Combine(dir, "fuzz");
            File.WriteAllBytes(file, bytes);
            var creds = NatsCredentials.Load(file, out var error);
            Assert.True(creds is null != (error is null), $"seed {seed} case {i}: exactly one of credentials or error");
        }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string text)
    {
        var file = Path.Combine(dir, Guid.NewGuid().ToString("n"));
        File.WriteAllText(file, text);
        return file;
    }
}

namespace Grey.Attestation.Tests.TestSupport;

/// <summary>Reads the vectors in testdata/ (see testdata/README.md for how they were made).</summary>
internal static class TestData
{
    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "testdata", relative));

    public static string Text(string relative) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", relative)).Trim();
}

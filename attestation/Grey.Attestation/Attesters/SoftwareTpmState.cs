using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grey.Attestation.Attesters;

/// <summary>What the software TPM keeps in its state directory (softtpm.json): keys, certificates and counters.</summary>
internal sealed class SoftwareTpmState
{
    public const string FileName = "softtpm.json";

    public int Version { get; set; } = 1;

    public string EkType { get; set; } = string.Empty;

    public string EkPkcs8 { get; set; } = string.Empty;

    public string EkCertificate { get; set; } = string.Empty;

    public List<string> EkIntermediates { get; set; } = [];

    public string AkType { get; set; } = string.Empty;

    public string AkPkcs8 { get; set; } = string.Empty;

    public uint ResetCount { get; set; }

    public uint RestartCount { get; set; }

    /// <summary>The clock as last saved (at an orderly shutdown or at start); a crash loses what came after.</summary>
    public ulong SavedClock { get; set; }

    /// <summary>True only between an orderly shutdown and the next start.</summary>
    public bool Orderly { get; set; }

    public static SoftwareTpmState? Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length > 1024 * 1024)
        {
            throw new InvalidDataException($"{path} is larger than 1 MiB");
        }

        return JsonSerializer.Deserialize(bytes, SoftwareTpmStateContext.Default.SoftwareTpmState)
            ?? throw new InvalidDataException($"{path} is empty");
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, SoftwareTpmStateContext.Default.SoftwareTpmState));
        File.Move(temp, path, overwrite: true);
    }
}

[JsonSerializable(typeof(SoftwareTpmState))]
internal sealed partial class SoftwareTpmStateContext : JsonSerializerContext;

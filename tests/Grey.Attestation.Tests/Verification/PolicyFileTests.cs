using System.Text;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Tests.Verification;

public sealed class PolicyFileTests
{
    private const string Example = """
        {
          "version": 1,
          "pcrSelection": "sha256:0,10,16+sha384:16",
          "minimumHash": "sha256",
          "requireEventLog": true,
          "keyBindingPcr": 16,
          "pcrValues": { "sha256:0": ["0000000000000000000000000000000000000000000000000000000000000000"] },
          "events": [ { "type": "GREY_CONFIG", "name": "edge.conf", "allowedSha256": ["aa00000000000000000000000000000000000000000000000000000000000000"] } ],
          "allowedBinaryHashes": ["BB00000000000000000000000000000000000000000000000000000000000000"]
        }
        """;

    [Fact]
    public void TryParse_DocumentedExample_AllFieldsRead()
    {
        Assert.True(PolicyFile.TryParse(Encoding.UTF8.GetBytes(Example), out AttestationPolicy? p, out IReadOnlyList<string> errors), string.Join("; ", errors));
        Assert.Equal("sha256:0,10,16+sha384:16", p!.RequiredSelection!.ToString());
        Assert.True(p.RequireEventLog);
        Assert.Equal(16, p.KeyBindingPcr);
        Assert.Single(p.AllowedPcrValues);
        Assert.Equal(EventTypes.GreyConfig, p.EventRules.Single().EventType);
        Assert.Contains("bb00000000000000000000000000000000000000000000000000000000000000", p.AllowedBinaryHashes!);
    }

    [Fact]
    public void TryParse_SeveralMistakes_AllReportedAtOnce()
    {
        const string bad = """{ "version": 2, "minimumHash": "sha1", "pcrValues": { "sha256:0": ["abc"] }, "colour": "red" }""";
        Assert.False(PolicyFile.TryParse(Encoding.UTF8.GetBytes(bad), out _, out IReadOnlyList<string> errors));
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.Contains("colour", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("minimumHash", StringComparison.Ordinal));
    }

    [Fact]
    public void TryParse_KeyBindingPcrNotSelected_Refused()
    {
        const string bad = """{ "version": 1, "pcrSelection": "sha256:0", "keyBindingPcr": 16 }""";
        Assert.False(PolicyFile.TryParse(Encoding.UTF8.GetBytes(bad), out _, out IReadOnlyList<string> errors));
        Assert.Contains("keyBindingPcr 16 is not in pcrSelection", errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NotJson_Refused()
    {
        Assert.False(PolicyFile.TryParse("{"u8, out _, out IReadOnlyList<string> errors));
        Assert.StartsWith("policy: not JSON", errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Default_Sha256Minimum()
    {
        Assert.Equal(TpmAlgId.Sha256, AttestationPolicy.Default.MinimumHash);
    }
}

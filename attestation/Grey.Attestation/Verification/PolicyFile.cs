using System.Collections.Immutable;
using System.Text.Json;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// Reads the JSON policy file (format in docs/ATTESTATION.md). Strict: unknown properties, wrong types,
/// bad hex or wrong digest sizes are errors, all reported at once.
/// </summary>
public static class PolicyFile
{
    /// <summary>The largest policy file accepted.</summary>
    public const int MaxBytes = 1024 * 1024;

    public const int CurrentVersion = 1;

    public static bool TryParse(ReadOnlySpan<byte> json, out AttestationPolicy? policy, out IReadOnlyList<string> errors)
    {
        policy = null;
        var problems = new List<string>();
        errors = problems;
        if (json.Length > MaxBytes)
        {
            problems.Add($"policy: {json.Length} bytes, above the maximum of {MaxBytes}");
            return false;
        }

        // JsonDocument does not validate UTF-8 inside strings until they are read; refuse it up front.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            problems.Add("policy: not valid UTF-8");
            return false;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            problems.Add("policy: not JSON: " + e.Message);
            return false;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add("policy: the top level must be an object");
                return false;
            }

            var result = new AttestationPolicy();
            bool sawVersion = false;
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "version":
                        sawVersion = true;
                        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int v) || v != CurrentVersion)
                        {
                            problems.Add($"policy: version must be {CurrentVersion}");
                        }

                        break;
                    case "pcrSelection":
                        if (p.Value.ValueKind != JsonValueKind.String)
                        {
                            problems.Add("policy: pcrSelection must be a string like \"sha256:0,1,16\"");
                        }
                        else if (!PcrSelection.TryParseList(p.Value.GetString()!, out PcrSelection? sel, out string selError))
                        {
                            problems.Add("policy: pcrSelection: " + selError);
                        }
                        else
                        {
                            result = result with { RequiredSelection = sel };
                        }

                        break;
                    case "minimumHash":
                        if (p.Value.ValueKind != JsonValueKind.String || !TpmHash.TryParseName(p.Value.GetString()!, out TpmAlgId min) || min == TpmAlgId.Sha1)
                        {
                            problems.Add("policy: minimumHash must be sha256, sha384 or sha512");
                        }
                        else
                        {
                            result = result with { MinimumHash = min };
                        }

                        break;
                    case "requireEventLog":
                        if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            problems.Add("policy: requireEventLog must be true or false");
                        }
                        else
                        {
                            result = result with { RequireEventLog = p.Value.GetBoolean() };
                        }

                        break;
                    case "keyBindingPcr":
                        if (p.Value.ValueKind == JsonValueKind.Null)
                        {
                            result = result with { KeyBindingPcr = null };
                        }
                        else if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int kb) || kb is < 0 or > 23)
                        {
                            problems.Add("policy: keyBindingPcr must be a PCR index 0..23 or null");
                        }
                        else
                        {
                            result = result with { KeyBindingPcr = kb };
                        }

                        break;
                    case "pcrValues":
                        result = result with { AllowedPcrValues = ParsePcrValues(p.Value, problems) };
                        break;
                    case "events":
                        result = result with { EventRules = ParseEvents(p.Value, problems) };
                        break;
                    case "allowedBinaryHashes":
                        result = result with { AllowedBinaryHashes = ParseHexSet(p.Value, 32, "allowedBinaryHashes", problems) };
                        break;
                    default:
                        problems.Add($"policy: unknown property '{p.Name}'");
                        break;
                }
            }

            if (!sawVersion)
            {
                problems.Add("policy: missing version");
            }

            if (result.KeyBindingPcr is int pcr && result.RequiredSelection is { } req && !req.Slots().Any(s => s.Index == pcr))
            {
                problems.Add($"policy: keyBindingPcr {pcr} is not in pcrSelection");
            }

            if (problems.Count > 0)
            {
                return false;
            }

            policy = result;
            return true;
        }
    }

    private static ImmutableDictionary<(TpmAlgId, int), ImmutableArray<byte[]>> ParsePcrValues(JsonElement e, List<string> problems)
    {
        var result = ImmutableDictionary.CreateBuilder<(TpmAlgId, int), ImmutableArray<byte[]>>();
        if (e.ValueKind != JsonValueKind.Object)
        {
            problems.Add("policy: pcrValues must be an object like {\"sha256:16\": [\"<hex>\"]}");
            return result.ToImmutable();
        }

        foreach (JsonProperty p in e.EnumerateObject())
        {
            string[] parts = p.Name.Split(':');
            if (parts.Length != 2 || !TpmHash.TryParseName(parts[0], out TpmAlgId alg) || !int.TryParse(parts[1], out int index) || index is < 0 or > 23)
            {
                problems.Add($"policy: pcrValues key '{p.Name}' is not BANK:INDEX");
                continue;
            }

            ImmutableHashSet<string>? values = ParseHexSet(p.Value, TpmHash.DigestSize(alg), $"pcrValues.{p.Name}", problems);
            if (values is not null)
            {
                result[(alg, index)] = [.. values.Select(Convert.FromHexString)];
            }
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<EventRule> ParseEvents(JsonElement e, List<string> problems)
    {
        var rules = ImmutableArray.CreateBuilder<EventRule>();
        if (e.ValueKind != JsonValueKind.Array)
        {
            problems.Add("policy: events must be an array");
            return rules.ToImmutable();
        }

        int i = 0;
        foreach (JsonElement rule in e.EnumerateArray())
        {
            string where = $"events[{i++}]";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"policy: {where} must be an object");
                continue;
            }

            uint type = 0;
            string? name = null;
            ImmutableHashSet<string>? allowed = null;
            foreach (JsonProperty p in rule.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "type":
                        if (p.Value.ValueKind != JsonValueKind.String || !EventTypes.TryParse(p.Value.GetString()!, out type))
                        {
                            problems.Add($"policy: {where}.type must be an event type name such as GREY_BINARY");
                        }

                        break;
                    case "name":
                        name = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
                        if (name is null)
                        {
                            problems.Add($"policy: {where}.name must be a string");
                        }

                        break;
                    case "allowedSha256":
                        allowed = ParseHexSet(p.Value, 32, where + ".allowedSha256", problems);
                        break;
                    default:
                        problems.Add($"policy: {where} has unknown property '{p.Name}'");
                        break;
                }
            }

            if (type == 0 || name is null || allowed is null)
            {
                problems.Add($"policy: {where} needs type, name and allowedSha256");
                continue;
            }

            rules.Add(new EventRule(type, name, [.. allowed.Select(Convert.FromHexString)]));
        }

        return rules.ToImmutable();
    }

    private static ImmutableHashSet<string>? ParseHexSet(JsonElement e, int size, string where, List<string> problems)
    {
        if (e.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"policy: {where} must be an array of hex strings");
            return null;
        }

        var set = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (JsonElement v in e.EnumerateArray())
        {
            string? s = v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (s is null || s.Length != size * 2 || !s.All(Uri.IsHexDigit))
            {
                problems.Add($"policy: {where}: '{v}' is not {size} bytes of hex");
                continue;
            }

            set.Add(s.ToLowerInvariant());
        }

        return set.ToImmutable();
    }
}

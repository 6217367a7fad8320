using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Ctl.Cli;
using Grey.Federation;
using Grey.Federation.Chain;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Operations;
using Grey.Federation.Signing;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl delta inspect FILE [--json]</c> decodes and prints a signed delta (or any signed federation
/// message); <c>greyctl delta verify FILE --cert CERT</c> checks its signature against a certificate (PEM or
/// DER). Files hold the binary envelope or its hex (whitespace allowed), as in docs/PROTOCOL.md. Exit codes:
/// 0 decoded / valid, 1 invalid signature (verify), 2 unreadable or malformed input, with a precise message.
/// These are the tools people point at files they do not trust, so every input ends in one of those three.
/// </summary>
internal static class DeltaCommand
{
    /// <summary>Entries printed in text mode; the rest are counted. JSON lists up to <see cref="MaxJsonEntries"/>.</summary>
    public const int MaxPrintedEntries = 50;

    /// <summary>Entries listed in JSON output; the rest are counted and flagged as truncated.</summary>
    public const int MaxJsonEntries = 10_000;

    /// <summary>Largest certificate file read.</summary>
    public const int MaxCertificateBytes = 64 * 1024;

    public static Command Create()
    {
        var delta = new Command("delta", "Inspect and verify signed deltas");
        delta.Add(CreateInspect());
        delta.Add(CreateVerify());
        return delta;
    }

    private static Command CreateInspect()
    {
        var file = new Argument<string>("FILE") { Description = "A signed delta: binary, or hex text" };
        var json = CliOptions.Json();
        var command = new Command("inspect", "Decode and print a signed delta; exit 2 with a precise message when it is malformed") { file, json };
        command.SetAction(parse => Inspect(parse.GetValue(file)!, parse.GetValue(json), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static Command CreateVerify()
    {
        var file = new Argument<string>("FILE") { Description = "A signed delta: binary, or hex text" };
        var cert = new Option<string>("--cert") { Description = "The signer's certificate, PEM or DER", Required = true };
        var command = new Command("verify", "Verify a signed delta's signature: exit 0 valid, 1 invalid with the reason, 2 malformed") { file, cert };
        command.SetAction(parse => Verify(parse.GetValue(file)!, parse.GetValue(cert)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    internal static int Inspect(string path, bool json, TextWriter stdout, TextWriter stderr)
    {
        if (!TryLoad(path, stderr, out SignedEnvelope? envelope, out Decoded? message))
        {
            return ExitCodes.BadInput;
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(ToJson(envelope!, message!)));
        }
        else
        {
            PrintText(envelope!, message!, stdout);
        }

        return ExitCodes.Ok;
    }

    internal static int Verify(string path, string certPath, TextWriter stdout, TextWriter stderr)
    {
        if (!TryLoadCertificate(certPath, stderr, out X509Certificate2? cert) || !TryLoad(path, stderr, out SignedEnvelope? envelope, out Decoded? message))
        {
            return ExitCodes.BadInput;
        }

        byte[]? certKeyId = cert!.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray();
        SignatureCheck check = envelope!.Verify(keyId => certKeyId is null || keyId.Span.SequenceEqual(certKeyId) ? cert : null);
        string what = $"{message!.Kind} {message.Summary}";
        switch (check.Status)
        {
            case SignatureStatus.Valid:
                stdout.WriteLine($"valid: {what}, signed by key id {Convert.ToHexString(envelope.KeyId.Span)} ({cert.Subject})");
                return ExitCodes.Ok;
            case SignatureStatus.Malformed:
                stderr.WriteLine($"greyctl: {path}: {check.Reason}");
                return ExitCodes.BadInput;
            default:
                stdout.WriteLine($"invalid: {what}: {Reason(check.Status)}: {check.Reason}");
                return ExitCodes.CheckFailed;
        }
    }

    private static string Reason(SignatureStatus status) => status switch
    {
        SignatureStatus.SignerUnknown => "signer-unknown (signed by another key than the certificate's)",
        _ => "signature-invalid",
    };

    private static bool TryLoad(string path, TextWriter stderr, out SignedEnvelope? envelope, out Decoded? message)
    {
        envelope = null;
        message = null;
        if (!TryReadBounded(path, FederationLimits.MaxEnvelopeBytes * 2 + 16, stderr, out byte[] raw))
        {
            return false;
        }

        byte[] bytes = LooksLikeHex(raw) ? Convert.FromHexString(new string([.. raw.Where(b => !IsSpace(b)).Select(b => (char)b)])) : raw;
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(bytes);
        if (!env.IsSuccess)
        {
            stderr.WriteLine($"greyctl: {path}: malformed signed message: {env.Error.Message}");
            return false;
        }

        message = DecodeContent(env.Value.Content, out string? error);
        if (message is null)
        {
            stderr.WriteLine($"greyctl: {path}: malformed content: {error}");
            return false;
        }

        envelope = env.Value;
        return true;
    }

    private static Decoded? DecodeContent(ReadOnlyMemory<byte> content, out string? error)
    {
        DecodeResult<Delta> delta = Delta.Decode(content);
        error = delta.Error?.Message;
        if (delta.IsSuccess)
        {
            return Decoded.Of(delta.Value);
        }

        if (delta.Error.Code != DecodeErrorCode.WrongMessageType)
        {
            return null;
        }

        DecodeResult<RegionAck> ack = RegionAck.Decode(content);
        if (ack.IsSuccess)
        {
            return Decoded.Of(ack.Value);
        }

        DecodeResult<DesiredChange> change = DesiredChange.Decode(content);
        if (change.IsSuccess)
        {
            return Decoded.Of(change.Value);
        }

        DecodeResult<RegionDelta> region = RegionDelta.Decode(content);
        if (region.IsSuccess)
        {
            return Decoded.Of(region.Value);
        }

        error = region.Error.Code == DecodeErrorCode.WrongMessageType ? ack.Error!.Message : region.Error.Message;
        return null;
    }

    private static bool TryReadBounded(string path, long max, TextWriter stderr, out byte[] bytes)
    {
        bytes = [];
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                stderr.WriteLine($"greyctl: {path}: no such file");
                return false;
            }

            if (info.Length > max)
            {
                stderr.WriteLine($"greyctl: {path}: {info.Length} bytes, more than the {max} a signed message can take");
                return false;
            }

            bytes = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"greyctl: {path}: cannot read: {e.Message}");
            return false;
        }
    }

    private static bool TryLoadCertificate(string path, TextWriter stderr, out X509Certificate2? cert)
    {
        cert = null;
        if (!TryReadBounded(path, MaxCertificateBytes, stderr, out byte[] raw))
        {
            return false;
        }

        try
        {
            string text = System.Text.Encoding.ASCII.GetString(raw);
            cert = text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(raw);
            return true;
        }
        catch (CryptographicException e)
        {
            stderr.WriteLine($"greyctl: {path}: not a PEM or DER certificate: {e.Message}");
            return false;
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    private static bool LooksLikeHex(byte[] raw)
    {
        int digits = 0;
        foreach (byte b in raw)
        {
            if (char.IsAsciiHexDigit((char)b))
            {
                digits++;
            }
            else if (!IsSpace(b))
            {
                return false;
            }
        }

        return digits > 0 && digits % 2 == 0;
    }

    private static void PrintText(SignedEnvelope envelope, Decoded m, TextWriter o)
    {
        o.WriteLine($"signed {m.Kind}{(envelope.WasCompressed ? " (compressed)" : string.Empty)}");
        o.WriteLine($"  signer key id: {Convert.ToHexString(envelope.KeyId.Span)}");
        o.WriteLine($"  content: {envelope.Content.Length} bytes, SignedData: {envelope.SignedData.Length} bytes");
        foreach (var (name, value) in m.Fields)
        {
            o.WriteLine($"  {name}: {value}");
        }

        if (m.Entries is { } entries)
        {
            foreach (DataEntry e in entries.Take(MaxPrintedEntries))
            {
                o.WriteLine($"  entry {e.Index} @{e.Stamp}");
                foreach (Operation op in e.Operations)
                {
                    o.WriteLine($"    {op}{(op.Desired is null ? string.Empty : $" (desired change {op.Desired.Region}#{op.Desired.Sequence})")}");
                }
            }

            if (entries.Count > MaxPrintedEntries)
            {
                o.WriteLine($"  ... {entries.Count - MaxPrintedEntries} more entries (use --json for up to {MaxJsonEntries})");
            }
        }
    }

    private static Dictionary<string, object> ToJson(SignedEnvelope envelope, Decoded m)
    {
        var obj = new Dictionary<string, object>
        {
            ["type"] = m.Kind,
            ["compressed"] = envelope.WasCompressed,
            ["signerKeyId"] = Convert.ToHexString(envelope.KeyId.Span),
            ["contentBytes"] = envelope.Content.Length,
            ["signedDataBytes"] = envelope.SignedData.Length,
        };
        foreach (var (name, value) in m.Fields)
        {
            obj[name] = value;
        }

        if (m.Entries is { } entries)
        {
            obj["entries"] = entries.Take(MaxJsonEntries).Select(e => new Dictionary<string, object>
            {
                ["index"] = e.Index,
                ["hlc"] = e.Stamp.ToString(),
                ["operations"] = e.Operations.Select(OpJson).ToList(),
            }).ToList();
            obj["entriesTruncated"] = entries.Count > MaxJsonEntries;
        }

        return obj;
    }

    private static Dictionary<string, object> OpJson(Operation op)
    {
        var o = new Dictionary<string, object>
        {
            ["kind"] = op.Kind.ToString(),
            ["key"] = op.Key,
            ["hlc"] = op.Stamp.ToString(),
            ["origin"] = op.Origin,
        };
        switch (op.Kind)
        {
            case OperationKind.Put: o["value"] = Convert.ToHexString(op.Value.Span); break;
            case OperationKind.CounterAdd: o["amount"] = op.Amount; break;
            case OperationKind.SetAdd: o["element"] = op.Element; break;
            case OperationKind.SetRemove:
                o["element"] = op.Element;
                o["tags"] = op.Tags.Select(t => $"{t.Site}/{t.Node}@{t.Stamp}").ToList();
                break;
        }

        if (op.Desired is not null)
        {
            o["desired"] = new Dictionary<string, object>
            {
                ["region"] = op.Desired.Region,
                ["sequence"] = op.Desired.Sequence,
                ["digest"] = Convert.ToHexString(op.Desired.Digest),
            };
        }

        return o;
    }

    /// <summary>A decoded message, flattened for printing.</summary>
    private sealed record Decoded(string Kind, string Summary, List<(string Name, object Value)> Fields, IReadOnlyList<DataEntry>? Entries)
    {
        public static Decoded Of(Delta d)
        {
            var fields = new List<(string, object)>
            {
                ("version", d.Version), ("region", d.Region), ("site", d.Site), ("epoch", d.Epoch),
            };
            if (d is SiteDelta sd)
            {
                fields.Add(("firstIndex", sd.FirstIndex));
                fields.Add(("lastIndex", sd.LastIndex));
                fields.Add(("chainBefore", Convert.ToHexString(sd.ChainBefore)));
                fields.Add(("chainAfter", Convert.ToHexString(sd.ChainAfter)));
                fields.Add(("hlcMin", d.MinStamp.ToString()));
                fields.Add(("hlcMax", d.MaxStamp.ToString()));
                fields.Add(("entryCount", sd.Entries.Count));
                fields.Add(("operationCount", sd.Entries.Sum(e => e.Operations.Count)));
                fields.Add(("messageId", sd.MessageId));
                return new Decoded("site delta", $"{d.Site} epoch {d.Epoch} [{sd.FirstIndex}, {sd.LastIndex}]", fields, sd.Entries);
            }

            var cp = (CheckpointDelta)d;
            var state = cp.State;
            fields.Add(("lastIndex", d.LastIndex));
            fields.Add(("chainAfter", Convert.ToHexString(d.ChainAfter)));
            fields.Add(("hlcMin", d.MinStamp.ToString()));
            fields.Add(("hlcMax", d.MaxStamp.ToString()));
            fields.Add(("registers", state.RegisterCount));
            fields.Add(("counters", state.CounterCount));
            fields.Add(("sets", state.SetCount));
            fields.Add(("messageId", d.MessageId));
            return new Decoded("checkpoint delta", $"{d.Site} epoch {d.Epoch} at {d.LastIndex}", fields, null);
        }

        public static Decoded Of(RegionAck a) => new("region ack", $"{a.Region} acks {a.Site} epoch {a.Epoch} up to {a.MergedIndex}",
        [
            ("version", a.Version), ("region", a.Region), ("site", a.Site), ("epoch", a.Epoch),
            ("mergedIndex", a.MergedIndex), ("chainHash", Convert.ToHexString(a.ChainHash)),
        ], null);

        public static Decoded Of(DesiredChange c) => new("desired change", $"{c.Region}#{c.Sequence} for {c.Site}: {c.Kind} {c.Key}",
        [
            ("version", c.Version), ("region", c.Region), ("site", c.Site), ("sequence", c.Sequence), ("key", c.Key),
            ("operation", c.Kind.ToString()), ("value", Convert.ToHexString(c.Value.Span)), ("hlc", c.Stamp.ToString()),
            ("digest", Convert.ToHexString(c.Digest)),
        ], null);

        public static Decoded Of(RegionDelta r)
        {
            var s = r.State;
            return new Decoded("region delta", $"from {r.Region}",
            [
                ("version", r.Version), ("region", r.Region), ("registers", s.RegisterCount), ("counters", s.CounterCount),
                ("sets", s.SetCount), ("progressRows", s.Progress.Count),
                ("stateHash", Convert.ToHexString(s.ComputeHash())),
            ], null);
        }
    }
}

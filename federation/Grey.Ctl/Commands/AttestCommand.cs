using System.CommandLine;
using System.Text;
using System.Text.Json;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Grey.Ctl.Cli;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl attest</c>: both halves of a TPM 2.0 quote by hand.
/// <c>verify --quote F --signature F --ak F --pcrs F --nonce HEX [--eventlog F] [--policy F] [--delta-cert F] [--json]</c>
/// checks files as tpm2-tools 5.4 writes them (exit 0 accepted, 1 rejected with its reason code, 2 malformed
/// input naming the part); <c>quote --nonce HEX --out DIR [--tpm soft|swtpm:HOST:PORT|device]</c> writes the
/// same files from any attester.
/// </summary>
internal static class AttestCommand
{
    /// <summary>The largest input file read (an event log is the largest part).</summary>
    public const int MaxFileBytes = EventLog.MaxLogBytes;

    /// <summary>The PCRs quoted when --pcr-list is not given.</summary>
    public const string DefaultPcrList = "sha256:0,1,2,3,4,5,6,7,10";

    /// <summary>The PCR the software TPM measures greyctl itself into, so its event log is not empty.</summary>
    public const int SoftMeasurementPcr = 10;

    public static Command Create()
    {
        var attest = new Command("attest", "TPM 2.0 attestation: verify a quote, or make one");
        attest.Add(CreateVerify());
        attest.Add(CreateQuote());
        return attest;
    }

    private static Command CreateVerify()
    {
        var quote = new Option<FileInfo>("--quote") { Description = "TPMS_ATTEST bytes (tpm2_quote -m)", Required = true };
        var signature = new Option<FileInfo>("--signature") { Description = "TPMT_SIGNATURE bytes (tpm2_quote -s)", Required = true };
        var ak = new Option<FileInfo>("--ak") { Description = "Attestation key: TPM2B_PUBLIC (tpm2_createak -u) or a PEM public key", Required = true };
        var pcrs = new Option<FileInfo>("--pcrs") { Description = "PCR values in tpm2-tools serialized layout (tpm2_quote -o)", Required = true };
        var nonce = new Option<string>("--nonce") { Description = "The hex nonce given to tpm2_quote -q (at least 16 bytes)", Required = true };
        var eventlog = new Option<FileInfo>("--eventlog") { Description = "Event log: TCG crypto-agile (binary_bios_measurements) or Grey's simple format" };
        var policy = new Option<FileInfo>("--policy") { Description = "Policy file (JSON, see docs/ATTESTATION.md)" };
        var deltaCert = new Option<FileInfo>("--delta-cert") { Description = "The node's delta-signing certificate (DER or PEM), checked against the key bound in the quote" };
        var json = CliOptions.Json();
        var command = new Command("verify", "Verify a TPM 2.0 quote: exit 0 accepted, 1 rejected (reason code printed), 2 malformed input")
        {
            quote, signature, ak, pcrs, nonce, eventlog, policy, deltaCert, json,
        };
        command.SetAction(parseResult => Verify(
            parseResult.GetValue(quote)!, parseResult.GetValue(signature)!, parseResult.GetValue(ak)!, parseResult.GetValue(pcrs)!,
            parseResult.GetValue(nonce)!, parseResult.GetValue(eventlog), parseResult.GetValue(policy), parseResult.GetValue(deltaCert),
            parseResult.GetValue(json), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static Command CreateQuote()
    {
        var nonce = new Option<string>("--nonce") { Description = "Hex nonce to quote over (16..66 bytes)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for quote.msg, quote.sig, ak.pub, quote.pcrs, eventlog.bin, ek.crt", Required = true };
        var tpm = new Option<string>("--tpm") { Description = "soft (in-process software TPM), swtpm:HOST:PORT, or device (/dev/tpmrm0)", DefaultValueFactory = _ => "soft" };
        var pcrList = new Option<string>("--pcr-list") { Description = "PCRs to quote, tpm2-tools syntax", DefaultValueFactory = _ => DefaultPcrList };
        var ak = new Option<string>("--ak-type") { Description = "Attestation key type: ecc or rsa", DefaultValueFactory = _ => "ecc" };
        ak.AcceptOnlyFromAmong("ecc", "rsa");
        var state = new Option<DirectoryInfo>("--state") { Description = "soft only: keep keys and counters here (each run counts a reset, like a boot)" };
        var command = new Command("quote", "Make a quote with any attester and write the files tpm2-tools would")
        {
            nonce, output, tpm, pcrList, ak, state,
        };
        command.SetAction((parseResult, ct) => QuoteAsync(
            parseResult.GetValue(nonce)!, parseResult.GetValue(output)!, parseResult.GetValue(tpm)!, parseResult.GetValue(pcrList)!,
            parseResult.GetValue(ak) == "rsa" ? TpmAlgId.Rsa : TpmAlgId.Ecc, parseResult.GetValue(state),
            parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ct));
        return command;
    }

    internal static int Verify(
        FileInfo quoteFile, FileInfo signatureFile, FileInfo akFile, FileInfo pcrsFile, string nonceHex, FileInfo? eventLogFile,
        FileInfo? policyFile, FileInfo? deltaCertFile, bool json, TextWriter stdout, TextWriter stderr)
    {
        if (!TryHex(nonceHex, out byte[] nonce))
        {
            return Malformed(json, stdout, stderr, "nonce", $"--nonce '{nonceHex}' is not an even-length hex string");
        }

        var files = new Dictionary<string, FileInfo?>
        {
            ["quote"] = quoteFile, ["signature"] = signatureFile, ["ak"] = akFile, ["pcrs"] = pcrsFile,
            ["eventlog"] = eventLogFile, ["policy"] = policyFile, ["delta-cert"] = deltaCertFile,
        };
        var bytes = new Dictionary<string, byte[]>();
        foreach ((string name, FileInfo? file) in files)
        {
            if (file is null)
            {
                continue;
            }

            if (!TryRead(file, out byte[] content, out string error))
            {
                return Malformed(json, stdout, stderr, name, error);
            }

            bytes[name] = content;
        }

        TpmPublic? key;
        string akError;
        byte[] akBytes = bytes["ak"];
        bool pem = akBytes.AsSpan().StartsWith("-----BEGIN"u8);
        bool parsed = pem
            ? TpmPublic.TryFromPem(Encoding.ASCII.GetString(akBytes), out key, out akError)
            : TpmPublic.TryParse(akBytes, out key, out akError);
        if (!parsed)
        {
            return Malformed(json, stdout, stderr, "ak", akError);
        }

        AttestationPolicy policy = AttestationPolicy.Default;
        if (bytes.TryGetValue("policy", out byte[]? policyBytes))
        {
            if (!PolicyFile.TryParse(policyBytes, out AttestationPolicy? p, out IReadOnlyList<string> errors))
            {
                return Malformed(json, stdout, stderr, "policy", string.Join("; ", errors));
            }

            policy = p!;
        }

        byte[]? cert = null;
        if (bytes.TryGetValue("delta-cert", out byte[]? certBytes))
        {
            cert = certBytes.AsSpan().StartsWith("-----BEGIN"u8) ? PemToDer(certBytes) : certBytes;
        }

        var evidence = new QuoteEvidence(bytes["quote"], bytes["signature"], akBytes, bytes["pcrs"], bytes.GetValueOrDefault("eventlog") ?? [], cert);
        VerificationOutcome outcome = QuoteVerifier.Verify(evidence, nonce, policy, key);
        string? malformedPart = outcome.Code switch
        {
            ReasonCode.QuoteMalformed => "quote",
            ReasonCode.SignatureMalformed => "signature",
            ReasonCode.AkMalformed => "ak",
            ReasonCode.PcrValuesMalformed => "pcrs",
            ReasonCode.EventLogMalformed => "eventlog",
            _ => null,
        };
        if (malformedPart is not null)
        {
            return Malformed(json, stdout, stderr, malformedPart, outcome.Detail, outcome.Code.ToCode());
        }

        if (json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteString("verdict", outcome.Accepted ? "accepted" : "rejected");
                w.WriteString("reason", outcome.Code.ToCode());
                w.WriteString("detail", outcome.Detail);
                if (outcome.Accepted && outcome.Clock is { } c)
                {
                    w.WriteNumber("clock", c.Clock);
                    w.WriteNumber("resetCount", c.ResetCount);
                    w.WriteNumber("restartCount", c.RestartCount);
                    w.WriteBoolean("safe", c.Safe);
                }

                if (outcome.DeltaSigningKeyId is { } id)
                {
                    w.WriteString("deltaSigningKeyId", id);
                }
            });
        }
        else if (outcome.Accepted)
        {
            stdout.WriteLine($"accepted: clock={outcome.Clock?.Clock} resetCount={outcome.Clock?.ResetCount} restartCount={outcome.Clock?.RestartCount} safe={(outcome.Clock?.Safe == true ? 1 : 0)}"
                + (outcome.DeltaSigningKeyId is { } k ? $" deltaSigningKeyId={k}" : string.Empty));
        }
        else
        {
            stdout.WriteLine($"rejected: {outcome.Code.ToCode()}: {outcome.Detail}");
        }

        return outcome.Accepted ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    internal static async Task<int> QuoteAsync(
        string nonceHex, DirectoryInfo output, string target, string pcrList, TpmAlgId akType, DirectoryInfo? state,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!TryHex(nonceHex, out byte[] nonce) || nonce.Length is < Nonces.MinimumBytes or > TpmsAttest.MaxExtraDataSize)
        {
            stderr.WriteLine($"greyctl: --nonce must be {Nonces.MinimumBytes}..{TpmsAttest.MaxExtraDataSize} bytes of hex");
            return ExitCodes.BadInput;
        }

        if (!PcrSelection.TryParseList(pcrList, out PcrSelection? selection, out string selectionError))
        {
            stderr.WriteLine($"greyctl: --pcr-list: {selectionError}");
            return ExitCodes.BadInput;
        }

        string tcti = string.Empty;
        if (target != "soft" && !Tpm2ToolsAttester.TryParseTarget(target, out tcti, out string targetError))
        {
            stderr.WriteLine($"greyctl: --tpm: {targetError}");
            return ExitCodes.BadInput;
        }

        if (target != "soft" && state is not null)
        {
            stderr.WriteLine("greyctl: --state applies to --tpm soft only");
            return ExitCodes.BadInput;
        }

        Directory.CreateDirectory(output.FullName);
        IAttester attester;
        SoftwareManufacturer? manufacturer = null;
        try
        {
            if (target == "soft")
            {
                manufacturer = SoftwareManufacturer.Create(TimeProvider.System);
                var soft = SoftwareTpm.Start(new SoftwareTpmOptions(AkType: akType, StateDirectory: state?.FullName), manufacturer, TimeProvider.System);
                string self = Environment.ProcessPath ?? typeof(AttestCommand).Assembly.Location;
                byte[] content = File.Exists(self) ? await File.ReadAllBytesAsync(self, cancellationToken).ConfigureAwait(false) : [];
                await soft.MeasureFileAsync(SoftMeasurementPcr, EventTypes.GreyBinary, Path.GetFileName(self), content, cancellationToken).ConfigureAwait(false);
                attester = soft;
            }
            else
            {
                attester = await Tpm2ToolsAttester.CreateAsync(tcti, akType, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TpmToolException e)
        {
            stderr.WriteLine($"greyctl: the TPM at {target} is not usable: {e.Message}");
            manufacturer?.Dispose();
            return ExitCodes.CheckFailed;
        }

        try
        {
            QuoteEvidence evidence = await attester.QuoteAsync(nonce, selection!, cancellationToken).ConfigureAwait(false);
            AttesterIdentity identity = await attester.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "quote.msg"), evidence.Attest, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "quote.sig"), evidence.Signature, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "ak.pub"), evidence.AkPublic, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "quote.pcrs"), evidence.PcrValues, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "eventlog.bin"), evidence.EventLog, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(output.FullName, "ek.crt"), identity.EkCertificate, cancellationToken).ConfigureAwait(false);
            stdout.WriteLine($"wrote quote.msg quote.sig ak.pub quote.pcrs eventlog.bin ek.crt to {output.FullName} ({selection})");
            stdout.WriteLine($"verify with: greyctl attest verify --quote {Q(output, "quote.msg")} --signature {Q(output, "quote.sig")} --ak {Q(output, "ak.pub")} --pcrs {Q(output, "quote.pcrs")} --nonce {Convert.ToHexStringLower(nonce)} --eventlog {Q(output, "eventlog.bin")}");
            return ExitCodes.Ok;
        }
        catch (TpmToolException e)
        {
            stderr.WriteLine($"greyctl: quoting failed: {e.Message}");
            return ExitCodes.CheckFailed;
        }
        finally
        {
            if (attester is SoftwareTpm s)
            {
                s.Shutdown();
            }

            await attester.DisposeAsync().ConfigureAwait(false);
            manufacturer?.Dispose();
        }
    }

    private static string Q(DirectoryInfo dir, string file) => Path.Combine(dir.FullName, file);

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        string s = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (s.Length == 0 || s.Length % 2 != 0 || !s.All(Uri.IsHexDigit))
        {
            return false;
        }

        bytes = Convert.FromHexString(s);
        return true;
    }

    private static bool TryRead(FileInfo file, out byte[] content, out string error)
    {
        content = [];
        error = string.Empty;
        try
        {
            using FileStream stream = file.OpenRead();
            if (stream.Length > MaxFileBytes)
            {
                error = $"{file.FullName} is {stream.Length} bytes, above the maximum of {MaxFileBytes}";
                return false;
            }

            content = new byte[stream.Length];
            stream.ReadExactly(content);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {file.FullName}: {e.Message}";
            return false;
        }
    }

    private static byte[] PemToDer(byte[] pem)
    {
        string text = Encoding.ASCII.GetString(pem);
        try
        {
            return System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(text).RawData;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return pem;
        }
    }

    private static int Malformed(bool json, TextWriter stdout, TextWriter stderr, string part, string detail, string? reason = null)
    {
        if (json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteString("verdict", "malformed");
                w.WriteString("part", part);
                if (reason is not null)
                {
                    w.WriteString("reason", reason);
                }

                w.WriteString("detail", detail);
            });
        }

        stderr.WriteLine($"greyctl: malformed {part}: {detail}");
        return ExitCodes.BadInput;
    }

    private static void WriteJson(TextWriter stdout, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        stdout.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

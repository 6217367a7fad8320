using System.Text.RegularExpressions;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Integration.Tests.Events;

/// <summary>
/// Cross-checks the TCG crypto-agile event log code against an independent parser: tpm2_eventlog (tpm2-tools)
/// must read the log Grey writes and replay it to the same PCR values as <see cref="EventLog.TryReplay"/>.
/// </summary>
public sealed partial class TcgEventLogInteropTests
{
    private static readonly TpmAlgId[] Banks = [TpmAlgId.Sha256, TpmAlgId.Sha384];

    [Fact]
    public async Task Replay_SameAsTpm2Eventlog()
    {
        var log = new EventLog([
            MeasurementEvent.Measure(4, EventTypes.EvIpl, "grub\0"u8, "grub\0"u8.ToArray(), Banks),
            MeasurementEvent.Measure(7, EventTypes.EvSeparator, new byte[4], new byte[4], Banks),
            MeasurementEvent.Measure(10, EventTypes.GreyBinary, "grey-edge binary"u8, "grey-edge"u8.ToArray(), Banks),
            MeasurementEvent.Measure(10, EventTypes.GreyConfig, "edge.conf"u8, "edge.conf"u8.ToArray(), Banks),
            MeasurementEvent.Measure(16, EventTypes.GreyKeyBinding, "spki"u8, "spki"u8.ToArray(), Banks),
        ]);
        string dir = Directory.CreateTempSubdirectory("grey-tcglog-").FullName;
        try
        {
            string path = Path.Combine(dir, "binary_bios_measurements");
            byte[] bytes = TcgEventLog.Write(log, Banks);
            await File.WriteAllBytesAsync(path, bytes);
            string yaml = await ProcessRunner.RunAsync("tpm2_eventlog", [path], dir, new Dictionary<string, string>(), CancellationToken.None);

            Assert.True(EventLog.TryParse(bytes, out EventLog? parsed, out string error), error);
            var theirs = ParsePcrs(yaml);
            Assert.Equal(2 * 4, theirs.Count);
            foreach (TpmAlgId bank in Banks)
            {
                Assert.True(parsed!.TryReplay(bank, out byte[][] pcrs, out error), error);
                foreach (int index in new[] { 4, 7, 10, 16 })
                {
                    Assert.Equal(theirs[(TpmHash.DisplayName(bank), index)], Convert.ToHexStringLower(pcrs[index]));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Reads the "pcrs:" summary that ends tpm2_eventlog's YAML.</summary>
    private static Dictionary<(string Bank, int Index), string> ParsePcrs(string yaml)
    {
        var result = new Dictionary<(string, int), string>();
        string? bank = null;
        bool inPcrs = false;
        foreach (string line in yaml.Split('\n'))
        {
            if (line.StartsWith("pcrs:", StringComparison.Ordinal))
            {
                inPcrs = true;
                continue;
            }

            if (!inPcrs)
            {
                continue;
            }

            Match b = BankLine().Match(line);
            if (b.Success)
            {
                bank = b.Groups[1].Value;
                continue;
            }

            Match v = ValueLine().Match(line);
            if (v.Success && bank is not null)
            {
                result[(bank, int.Parse(v.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))] = v.Groups[2].Value.ToLowerInvariant();
            }
        }

        return result;
    }

    [GeneratedRegex(@"^\s{2}(sha\d+):\s*$")]
    private static partial Regex BankLine();

    [GeneratedRegex(@"^\s{4}(\d+)\s*:\s*0x([0-9A-Fa-f]+)")]
    private static partial Regex ValueLine();
}

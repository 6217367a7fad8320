using System.CommandLine;
using System.Globalization;
using Grey.Ctl.Cli;
using Grey.Linearizability;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl lincheck [--model register|kv] FILE...</c>: checks recorded client histories (Jepsen etcd logs
/// or the simulator's HistoryFile format) for linearizability and prints one line per file:
/// <c>FILE&lt;TAB&gt;linearizable|not-linearizable|unknown</c>, or <c>FILE&lt;TAB&gt;malformed: ...</c>.
/// Exit 0 when every file is linearizable, 1 when any is not or is undecided, 2 when any is malformed
/// or unreadable (2 wins over 1). It carries on after a bad file so one run reports every file.
/// </summary>
internal static class LincheckCommand
{
    /// <summary>
    /// The largest file the verb reads. The biggest Jepsen etcd log is under 20 KB; a simulator history of
    /// the checker's maximum operation count fits well within this, and the limit keeps a wrong argument
    /// (a disk image, a log archive) from exhausting memory.
    /// </summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>The default time budget per file: generous for real histories, short enough that CI never hangs.</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMinutes(1);

    public static Command Create(TimeProvider? clock = null)
    {
        var model = new Option<string>("--model")
        {
            Description = "Model for Jepsen logs: register (one value, the Jepsen etcd test) or kv (per-key registers); a HistoryFile names its own model",
            DefaultValueFactory = _ => "register",
        };
        model.AcceptOnlyFromAmong("register", "kv");

        var maxStates = new Option<long>("--max-states")
        {
            Description = "Most search states per key before a history is reported unknown",
            DefaultValueFactory = _ => CheckerOptions.DefaultMaxStatesPerKey,
        };
        maxStates.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() < 1)
            {
                result.AddError("--max-states must be at least 1");
            }
        });

        Option<TimeSpan> budget = CliOptions.Duration("--budget", "Longest time spent on one file before it is reported unknown", DefaultBudget);

        var files = new Argument<string[]>("FILE")
        {
            Description = "History files: Jepsen etcd logs or greyctl HistoryFile histories",
            Arity = ArgumentArity.OneOrMore,
        };

        var command = new Command("lincheck", "Check client histories for linearizability (Jepsen etcd logs or simulator histories)")
        {
            model,
            maxStates,
            budget,
            files,
        };

        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            ModelKind defaultModel = parseResult.GetValue(model) == "kv" ? ModelKind.Kv : ModelKind.Register;
            if (parseResult.GetValue(budget) <= TimeSpan.Zero)
            {
                stderr.WriteLine("greyctl lincheck: --budget must be positive");
                return ExitCodes.BadInput;
            }

            var options = new CheckerOptions
            {
                MaxStatesPerKey = parseResult.GetValue(maxStates),
                Budget = parseResult.GetValue(budget),
                TimeProvider = clock ?? TimeProvider.System,
            };

            int exit = ExitCodes.Ok;
            foreach (string file in parseResult.GetValue(files) ?? [])
            {
                int fileExit = CheckFile(file, defaultModel, options, stdout, stderr);
                exit = Math.Max(exit, fileExit);
            }

            return exit;
        });

        return command;
    }

    private static int CheckFile(string file, ModelKind defaultModel, CheckerOptions options, TextWriter stdout, TextWriter stderr)
    {
        if (!TryReadText(file, out string text, out string readError))
        {
            stdout.WriteLine($"{file}\tmalformed: cannot read: {readError}");
            return ExitCodes.BadInput;
        }

        HistoryParseResult parsed = HistoryReader.Read(text, defaultModel);
        if (!parsed.IsSuccess)
        {
            stdout.WriteLine($"{file}\t{parsed.Error}");
            return ExitCodes.BadInput;
        }

        CheckResult result = LinearizabilityChecker.Check(parsed.Operations, parsed.Model, options);
        switch (result.Verdict)
        {
            case Verdict.Linearizable:
                stdout.WriteLine($"{file}\tlinearizable");
                return ExitCodes.Ok;
            case Verdict.NotLinearizable:
                stdout.WriteLine($"{file}\tnot-linearizable");
                stderr.WriteLine($"{file}: {DescribeKey(result.Key)}{result.Detail}");
                return ExitCodes.CheckFailed;
            default:
                stdout.WriteLine($"{file}\tunknown");
                stderr.WriteLine($"{file}: {DescribeKey(result.Key)}{result.Detail}");
                return ExitCodes.CheckFailed;
        }
    }

    private static string DescribeKey(string? key) => key is null ? string.Empty : $"key {key}: ";

    private static bool TryReadText(string file, out string text, out string error)
    {
        text = string.Empty;
        error = string.Empty;
        try
        {
            if (Directory.Exists(file))
            {
                error = "it is a directory";
                return false;
            }

            var info = new FileInfo(file);
            if (!info.Exists)
            {
                error = "no such file";
                return false;
            }

            if (info.Length > MaxFileBytes)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"the file has {info.Length} bytes, more than the limit of {MaxFileBytes}");
                return false;
            }

            text = File.ReadAllText(file);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = ex.Message;
            return false;
        }
    }
}

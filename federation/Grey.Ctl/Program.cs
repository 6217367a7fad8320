using System.CommandLine;
using Grey.Ctl.Cli;
using Grey.Ctl.Commands;

namespace Grey.Ctl;

internal static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs greyctl with the given streams. Parse errors exit with <see cref="ExitCodes.BadInput"/> (2),
    /// not System.CommandLine's default 1, because 1 means "a check failed" for every verb.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        RootCommand root = BuildRoot();
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"greyctl: {error.Message}");
            }

            stderr.WriteLine("Run 'greyctl --help' (or the verb with --help) for usage.");
            return ExitCodes.BadInput;
        }

        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return parse.Invoke(config);
    }

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("greyctl: the admin CLI of Grey, the edge-to-cloud federation gateway");
        root.Add(SimCommand.Create());
        root.Add(DeltaCommand.Create());
        root.Add(LincheckCommand.Create());
        root.Add(AttestCommand.Create());
        root.Add(TortureCommand.Create());
        root.Add(BenchCommand.Create());
        root.Add(DevCommand.Create());
        return root;
    }
}

using System.Diagnostics;

namespace Grey.Attestation.Attesters;

/// <summary>Raised when a tpm2-tools command fails: the TPM or its transport is unusable, not a verdict.</summary>
public sealed class TpmToolException : Exception
{
    public TpmToolException(string message)
        : base(message)
    {
    }

    public TpmToolException()
        : base("a tpm2-tools command failed")
    {
    }

    public TpmToolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Runs one external command with a bounded time and bounded captured output.</summary>
internal static class ProcessRunner
{
    /// <summary>The longest a single tpm2-tools command may take (a TPM RSA key generation takes seconds).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Captured output kept per stream, for error messages.</summary>
    public const int MaxCapturedChars = 16 * 1024;

    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (KeyValuePair<string, string> kv in environment)
        {
            psi.Environment[kv.Key] = kv.Value;
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TpmToolException($"cannot start {file}: {e.Message} (is tpm2-tools installed?)", e);
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TpmToolException($"{file} {string.Join(' ', args)} did not finish within {CommandTimeout.TotalSeconds} s");
        }

        string output = await stdout.ConfigureAwait(false);
        string error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new TpmToolException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {Trim(error)}");
        }

        return Trim(output);
    }

    private static string Trim(string s) => s.Length > MaxCapturedChars ? s[..MaxCapturedChars] : s;
}

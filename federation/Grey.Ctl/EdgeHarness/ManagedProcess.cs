using System.Diagnostics;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Supervises one child process that can be killed and started again with the same command line: its
/// standard output and error are appended to a log file (bounded), <see cref="Kill"/> sends SIGKILL (no
/// clean shutdown, exactly a crash), and disposing kills whatever still runs so no child outlives the run.
/// </summary>
internal sealed class ManagedProcess : IAsyncDisposable
{
    /// <summary>The most bytes of output kept per log file; later lines are dropped and counted.</summary>
    public const long MaxLogBytes = 16L * 1024 * 1024;

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _logPath;
    private readonly object _logLock = new();
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private Process? _process;
    private long _logBytes;
    private int _starts;

    public ManagedProcess(string name, string fileName, IReadOnlyList<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        Name = name;
        _fileName = fileName;
        _arguments = arguments;
        _logPath = logPath;
        _environment = environment;
    }

    /// <summary>A short name for messages (a node id).</summary>
    public string Name { get; }

    /// <summary>Where the child's output goes.</summary>
    public string LogPath => _logPath;

    /// <summary>True while the child runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>How many times the child was started.</summary>
    public int Starts => _starts;

    /// <summary>The process id of the running child, or null.</summary>
    public int? ProcessId => IsRunning ? _process!.Id : null;

    /// <summary>Starts the child. Misuse (already running) throws.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        _process?.Dispose();
        var info = new ProcessStartInfo(_fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (_environment is not null)
        {
            foreach ((string key, string value) in _environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        AppendLog($"--- greyctl: start #{_starts + 1}: {_fileName} {string.Join(' ', _arguments)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        _starts++;
    }

    /// <summary>Sends SIGKILL to the child (a crash: nothing is flushed) and waits until it is gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        Process? process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        try
        {
            // On Unix, Process.Kill sends SIGKILL.
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        AppendLog("--- greyctl: killed with SIGKILL");
    }

    /// <summary>The exit code of the last run, or null while running or before the first start.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The last <paramref name="lines"/> lines of the log, for failure messages.</summary>
    public string Tail(int lines = 20)
    {
        lock (_logLock)
        {
            if (!File.Exists(_logPath))
            {
                return string.Empty;
            }

            string[] all = File.ReadAllLines(_logPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        _process = null;
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (_logBytes > MaxLogBytes)
            {
                return;
            }

            _logBytes += line.Length + 1;
            File.AppendAllText(_logPath, line + "\n");
        }
    }
}

using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

public sealed class ManagedProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("grey-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int StartedLines(string log) => File.ReadAllLines(log).Count(l => l == "started");

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task KillAsync_RunningChild_DiesBySigkillAndRestartsWithSameCommand()
    {
        string log = Path.Combine(_dir, "child.log");
        await using var child = new ManagedProcess("child", "/bin/sh", ["-c", "echo started; trap '' TERM; exec sleep 60"], log);
        child.Start();
        Assert.True(child.IsRunning);
        // Wait for the child's own line, not a substring: the harness's "start #1" header line contains the
        // command text "echo started", and killing the shell before it ran echo left one line at the end.
        await WaitForAsync(() => File.Exists(log) && StartedLines(log) == 1);
        Assert.Equal(1, StartedLines(log));

        await child.KillAsync();
        Assert.False(child.IsRunning);
        Assert.Equal(128 + 9, child.ExitCode); // SIGKILL, which no trap can catch

        child.Start();
        Assert.True(child.IsRunning);
        Assert.Equal(2, child.Starts);
        await WaitForAsync(() => StartedLines(log) == 2);
        Assert.True(StartedLines(log) == 2, $"expected two 'started' lines; running={child.IsRunning} exit={child.ExitCode}; log:\n{File.ReadAllText(log)}");
    }

    [Fact]
    public async Task Start_WhileRunning_Throws()
    {
        await using var child = new ManagedProcess("child", "/bin/sleep", ["60"], Path.Combine(_dir, "c.log"));
        child.Start();
        Assert.Throws<InvalidOperationException>(child.Start);
    }

    [Fact]
    public async Task DisposeAsync_RunningChild_KillsIt()
    {
        var child = new ManagedProcess("child", "/bin/sleep", ["60"], Path.Combine(_dir, "c.log"));
        child.Start();
        int pid = child.ProcessId!.Value;
        await child.DisposeAsync();
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    [Fact]
    public async Task Tail_ChildThatExitedByItself_ShowsItsLastLinesAndExitCode()
    {
        await using var child = new ManagedProcess("child", "/bin/sh", ["-c", "echo one; echo two >&2; exit 3"], Path.Combine(_dir, "c.log"));
        child.Start();
        // Whole lines, not substrings: the harness's header line repeats the command text.
        static string[] Lines(string tail) => tail.Split('\n', StringSplitOptions.TrimEntries);
        await WaitForAsync(() => !child.IsRunning && Lines(child.Tail()).Contains("two"));
        Assert.Equal(3, child.ExitCode);
        Assert.Contains("one", Lines(child.Tail()));
        Assert.Contains("two", Lines(child.Tail()));
    }
}

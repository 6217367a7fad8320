using System.Diagnostics;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Finds the etcd server binary on PATH, and installs the Debian package <c>etcd-server</c> with apt-get
/// when it is missing and greyctl runs as root (the benchmark needs a real etcd to compare with).
/// </summary>
internal static class EtcdLocator
{
    /// <summary>How long the apt-get install may take before it is abandoned.</summary>
    public static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    public static string? FindOnPath()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        foreach (string dir in (path ?? "/usr/bin:/usr/local/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "etcd");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<(string? Path, string Error)> FindOrInstallAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        string? found = FindOnPath();
        if (found is not null)
        {
            return (found, string.Empty);
        }

        if (Environment.UserName != "root")
        {
            return (null, "etcd is not installed and greyctl is not root; install it with: apt-get install -y etcd-server");
        }

        progress.WriteLine("bench edge: etcd not found; installing the Debian package etcd-server");
        var info = new ProcessStartInfo("apt-get") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "install", "-y", "-q", "--no-install-recommends", "etcd-server" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("apt-get did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        _ = await process.StandardOutput.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        string errors = await stderr.ConfigureAwait(false);
        found = FindOnPath();
        return found is not null ? (found, string.Empty) : (null, $"apt-get install etcd-server failed (exit {process.ExitCode}): {errors.Trim()}");
    }
}

namespace Grey.Ctl.Brokers;

/// <summary>
/// Finds a server binary (nats-server, mosquitto) on PATH or in the sbin folders Debian installs them to,
/// which are not on every user's PATH.
/// </summary>
internal static class ServerBinary
{
    private static readonly string[] ExtraFolders = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    public static string? Find(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        IEnumerable<string> folders = (path ?? "/usr/bin:/usr/local/bin").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraFolders);
        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

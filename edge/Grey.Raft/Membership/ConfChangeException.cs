namespace Grey.Raft.Membership;

/// <summary>A configuration change that cannot be applied to the current configuration.</summary>
internal sealed class ConfChangeException : Exception
{
    public ConfChangeException(string message)
        : base(message)
    {
    }

    public ConfChangeException()
    {
    }

    public ConfChangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

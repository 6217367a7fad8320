namespace Grey.Ctl.EdgeHarness;

/// <summary>A benchmark phase could not run (a group never became healthy); the message says which and where its logs are.</summary>
internal sealed class BenchFailedException(string message) : Exception(message);

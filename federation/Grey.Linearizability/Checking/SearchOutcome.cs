namespace Grey.Linearizability.Checking;

/// <summary>The verdict of the search over one key, with the states it explored and a sentence for people.</summary>
internal readonly record struct SearchOutcome(Verdict Verdict, long StatesExplored, string Detail);

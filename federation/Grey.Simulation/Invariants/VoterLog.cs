namespace Grey.Simulation.Invariants;

/// <summary>One voter's durable log as the commit-durability check sees it.</summary>
/// <param name="Node">The voter.</param>
/// <param name="LastIndex">The index of its last durable entry.</param>
/// <param name="LastTerm">The term of its last durable entry.</param>
/// <param name="AtIndex">What it holds at the index being committed.</param>
internal readonly record struct VoterLog(ulong Node, ulong LastIndex, ulong LastTerm, LoggedEntry AtIndex);

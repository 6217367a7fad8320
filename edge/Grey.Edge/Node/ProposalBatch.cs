namespace Grey.Edge.Node;

/// <summary>
/// The results of a batch of proposals (<see cref="EdgeNode.ProposeLocalBatchAsync"/>): one slot per command, and
/// one completion that fires when every slot has its result. The loop fills each slot exactly once; the caller may
/// read the slots filled so far when it stops waiting (its timeout), from another thread, hence the lock.
/// </summary>
internal sealed class ProposalBatch
{
    private readonly Lock gate = new();
    private readonly ProposalResult[] results;
    private readonly bool[] done;
    private int remaining;

    public ProposalBatch(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        results = new ProposalResult[count];
        done = new bool[count];
        remaining = count;
    }

    /// <summary>Completes when every command of the batch has its result.</summary>
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records the result of command <paramref name="slot"/>.</summary>
    public void Complete(int slot, ProposalResult result)
    {
        bool last;
        lock (gate)
        {
            if (done[slot])
            {
                // A broken invariant of the loop: a proposal completed twice would make the count wrong.
                throw new InvalidOperationException($"proposal {slot} of a batch completed twice");
            }

            done[slot] = true;
            results[slot] = result;
            last = --remaining == 0;
        }

        if (last)
        {
            Completion.TrySetResult();
        }
    }

    /// <summary>The result of command <paramref name="slot"/>, or null while it has none.</summary>
    public ProposalResult? Result(int slot)
    {
        lock (gate)
        {
            return done[slot] ? results[slot] : null;
        }
    }
}

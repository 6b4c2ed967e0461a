namespace MlPipeline.Core.Serving;

/// <summary>
/// Load shedding at the door of the HTTP prediction endpoints: at most <see cref="Limit"/> calls are inside (sending
/// their request to Kafka or waiting for its result) at once; a call beyond that is refused at once (503 with
/// Retry-After) instead of joining an ever longer pile of waiters that holds sockets, memory and threads while the
/// service is slow (issue 22). With shedding off every call is admitted.
/// </summary>
public sealed class PredictionAdmission(bool enabled, int limit)
{
    private int inside;
    private long refused;

    public bool Enabled => enabled;

    public int Limit => limit;

    /// <summary>Calls inside right now.</summary>
    public int Inside => Volatile.Read(ref inside);

    /// <summary>Calls refused since start.</summary>
    public long Refused => Interlocked.Read(ref refused);

    /// <summary>A lease for one call; dispose it when the call is answered. <see cref="Lease.Admitted"/> false: refuse the call.</summary>
    public Lease TryEnter()
    {
        if (Interlocked.Increment(ref inside) > limit && enabled)
        {
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref refused);
            return default;
        }

        return new Lease(this);
    }

    /// <summary>One admitted call (or, as <c>default</c>, a refused one).</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly PredictionAdmission? owner;

        internal Lease(PredictionAdmission owner) => this.owner = owner;

        public bool Admitted => owner is not null;

        public void Dispose()
        {
            if (owner is not null)
            {
                Interlocked.Decrement(ref owner.inside);
            }
        }
    }
}

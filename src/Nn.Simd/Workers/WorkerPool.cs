using System.Diagnostics;

namespace Nn.Simd.Workers;

/// <summary>A piece of work split into parts that can run on different threads in any order.</summary>
internal interface IPartitionedWork
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// Threads that start once and are reused for every call, so that running work in parallel
/// allocates nothing (no closures, no tasks): the caller's thread runs part 0 and each worker one
/// more part. Results never depend on the thread count as long as each part writes its own outputs
/// and computes them exactly as a single thread would.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>
    /// How long a worker waiting for the next piece of work, or the caller waiting for the workers,
    /// spins before it blocks: 200 µs. Waking a blocked thread took ≈ 23 µs on the 2-core VM this was
    /// measured on (a thread idle for 50 µs or more had blocked), and a training step of
    /// [784,256,256,10] hands out about ten pieces of work with serial gaps between them, so with
    /// blocking waits two threads trained no faster than one (0.35 against 0.36 s an epoch).
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000;

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _finished;
    private readonly long _spinTicks;
    private IPartitionedWork? _work;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Starts <paramref name="threads"/> − 1 workers.</summary>
    /// <param name="threads">Parts per run, the caller's thread included.</param>
    /// <param name="splitSmallWork">Split even work too small to gain from it (tests use it to exercise the split on small networks).</param>
    public WorkerPool(int threads, bool splitSmallWork = false)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        }

        Threads = threads;
        SplitsSmallWork = splitSmallWork;
        // With more threads than cores a spinning thread would take the core a working one needs.
        _spinTicks = threads <= Environment.ProcessorCount ? SpinTicks : 0;
        _workers = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        // Semaphores rather than a CountdownEvent: ManualResetEventSlim creates its lock object the
        // first time a waiter has to block, an allocation in the middle of training.
        _finished = new SemaphoreSlim(0);
        for (int i = 0; i < _workers.Length; i++)
        {
            int part = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(() => Work(part)) { IsBackground = true, Name = $"Nn.Simd worker {part}" };
            _workers[i].Start();
        }
    }

    /// <summary>The number of parts every <see cref="Run"/> splits its work into (the caller's thread included).</summary>
    public int Threads { get; }

    /// <summary>Whether the workers spin between pieces of work (not with more threads than cores), so that handing them small work pays.</summary>
    public bool Spins => _spinTicks > 0;

    /// <summary>Whether work below the callers' size thresholds is split anyway.</summary>
    public bool SplitsSmallWork { get; }

    /// <summary>Runs every part of <paramref name="work"/> and returns when all are done; rethrows a part's exception.</summary>
    public void Run(IPartitionedWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_workers.Length == 0)
        {
            work.Execute(0, 1);
            return;
        }

        _work = work;
        _error = null;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        try
        {
            work.Execute(0, Threads);
        }
        finally
        {
            SpinUntilAvailable(_finished, _workers.Length, _spinTicks);
            for (int i = 0; i < _workers.Length; i++)
            {
                _finished.Wait();
            }

            _work = null;
        }

        if (_error is { } error)
        {
            throw new AggregateException("A worker thread failed.", error);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        foreach (Thread worker in _workers)
        {
            worker.Join();
        }

        foreach (SemaphoreSlim start in _start)
        {
            start.Dispose();
        }

        _finished.Dispose();
    }

    private void Work(int part)
    {
        SemaphoreSlim start = _start[part - 1];
        while (true)
        {
            SpinUntilAvailable(start, 1, _spinTicks);
            start.Wait();
            if (_disposed)
            {
                return;
            }

            try
            {
                _work!.Execute(part, Threads);
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                _finished.Release();
            }
        }
    }

    /// <summary>Spins until <paramref name="semaphore"/> has <paramref name="count"/> to give or <paramref name="ticks"/> have passed, so that a wait that follows does not block.</summary>
    private static void SpinUntilAvailable(SemaphoreSlim semaphore, int count, long ticks)
    {
        long start = Stopwatch.GetTimestamp();
        while (semaphore.CurrentCount < count && Stopwatch.GetTimestamp() - start < ticks)
        {
            Thread.SpinWait(20);
        }
    }
}

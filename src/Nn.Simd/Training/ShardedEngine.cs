// Data-parallel mini-batches whose gradient is the same bits for any number of processes.
//
// A mini-batch of m samples is cut into S virtual shards, shard k holding samples
// [k·m/S, (k+1)·m/S) (S is an option, independent of the process count N). Each shard's gradient
// is computed as its own sum by an ordinary engine, and the shard gradients are added in one
// fixed binary tree over the shard index, node [lo, hi) = [lo, mid) + [mid, hi), mid = (lo+hi)/2:
//
//   S = 8:                          [0,8)
//                         [0,4)               [4,8)
//                    [0,2)     [2,4)     [4,6)     [6,8)
//                    0   1     2   3     4   5     6   7        ← shard gradients
//
// Process r owns the shards [r·S/N, (r+1)·S/N) and adds up, locally, the largest subtrees that lie
// inside its range (N = 3 owns [0,2) | [2,4) + 4 | 5 + [6,8)). What is left is the top of the
// tree over those subtree sums, and it is computed where it is needed, slice by slice:
//   1. parameters are split into N slices (aligned to 16 floats); process q owns slice q;
//   2. MPI_Alltoallv: every process sends slice q of each of its subtree sums to process q;
//   3. process q adds the top of the tree over its slice, in the tree's order, from what it
//      received, and the trainer steps the parameters of slice q alone (Parameters names them);
//   4. MPI_Allgatherv (AfterStep): every process receives every stepped slice of the parameters.
// Every node's value is left + right of the same two values whichever process computes it, so the
// gradient, and with it every step, is the same bits for any N ≤ S, and the same as one process
// running the same S shards (where nothing is sent). MPI never adds: the order an MPI_Allreduce
// algorithm picks never enters. Per step a process sends its subtree sums once (about P·(S/N
// rounded up to whole subtrees)/N floats to others) and receives the P − P/N floats of the other
// slices: the bytes of a reduce-scatter plus an allgather, not every shard's full gradient. The
// step is element-wise, so stepping slice by slice is the same step; each process does 1/N of it.
// Optimizer state is stepped slice by slice too, and the slices are shared after every epoch
// (ShareStepped), so a checkpoint holds all of it.
//
// When every process runs on one machine (ICommunicator.ShareMemory: an MPI-3 shared window), the
// same steps run on memory the processes share, and no message carries a gradient: each process
// sums its subtrees straight into its region (a subtree's first shard is computed there by the
// inner engine's products, IShardEngine); after a barrier, process q adds the top of the tree
// over slice q, reading the others' subtree sums where they lie, into its gradient, and steps
// slice q; it writes the stepped parameters into its region, and after another barrier every
// process copies the others' slices into its parameters. The additions, and so the bits, are the
// same. Per step a process writes its subtree sums once, reads (N−1)/N of them in its slice and
// copies P floats of parameters, where the collectives copy every float twice (into the library's
// cells and out) both ways.
//
// Each shard's cost and correct count travel with an MPI_Allgatherv too and are added in shard
// order, so the reported cost is the same for any N as well; so does each process's sum of its
// slice of the gradient, so that every process sees a non-finite gradient where any does. All
// buffers are sized once.
using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>An engine that computes each mini-batch as <see cref="TrainingOptions.Shards"/> shards, this process's part of them on an inner engine, combined in a fixed tree over the shard index.</summary>
internal sealed partial class ShardedEngine : IMiniBatchEngine
{
    /// <summary>Floats of the slice that the top of the tree adds at a time (16 KB: its sum re-reads them from the first-level cache).</summary>
    private const int TopChunk = 4096;

    private readonly IShardEngine _inner;
    private readonly ICommunicator? _communicator;
    private readonly ISharedFloats? _shared;
    private readonly int _rank;
    private readonly int _shards;
    private readonly int _capacity;
    private readonly int _firstShard;
    private readonly int _endShard;

    // The tree, node 0 the root: node i covers shards [_lo[i], _hi[i]); a leaf has _left[i] = -1.
    private readonly int[] _lo;
    private readonly int[] _hi;
    private readonly int[] _left;
    private readonly int[] _right;

    private readonly int[] _ownNodes;
    private readonly float[][] _nodeSums;
    private readonly float[][] _temps;
    private readonly int[] _sliceStarts;
    private readonly int[] _sliceCounts;
    private readonly float[] _send = [];
    private readonly int[] _sendCounts = [];
    private readonly int[] _sendOffsets = [];
    private readonly float[] _receive = [];
    private readonly int[] _receiveCounts = [];
    private readonly int[] _receiveOffsets = [];
    private readonly int[] _receivedAt;
    private readonly int[] _ownerOf;
    private readonly int _resultAt;
    private readonly float[] _slice = [];
    private readonly float[] _gathered = [];
    private readonly ParameterBlock[] _stepped = [];
    private bool _gradientFinite;
    private readonly double[] _ownStatistics;
    private readonly double[] _statistics;
    private readonly int[] _statisticsCounts;
    private readonly int[] _statisticsOffsets;

    /// <summary>Splits mini-batches of up to <paramref name="capacity"/> samples into <paramref name="shards"/> shards.</summary>
    /// <param name="createInner">Makes the engine that computes one shard, given the most samples a shard holds.</param>
    /// <param name="capacity">The largest mini-batch.</param>
    /// <param name="shards">S, the shards of every mini-batch.</param>
    /// <param name="communicator">The processes sharing the shards; null for this process alone.</param>
    /// <exception cref="ArgumentException">More processes than shards.</exception>
    public ShardedEngine(Func<int, IShardEngine> createInner, int capacity, int shards, ICommunicator? communicator)
    {
        int size = communicator?.Size ?? 1, rank = communicator?.Rank ?? 0;
        if (size > shards)
        {
            throw new ArgumentException($"{size} processes share {shards} shards; each process needs at least one (set the shard count to at least {size}).", nameof(shards));
        }

        _shards = shards;
        _capacity = capacity;
        _communicator = size > 1 ? communicator : null;
        _inner = createInner((capacity + shards - 1) / shards);
        int parameters = _inner.Gradient.Length;
        Gradient = new float[parameters];

        var lo = new List<int>();
        var hi = new List<int>();
        var left = new List<int>();
        var right = new List<int>();
        int depth = Build(0, shards, lo, hi, left, right);
        (_lo, _hi, _left, _right) = ([.. lo], [.. hi], [.. left], [.. right]);
        _temps = [.. Enumerable.Range(0, depth).Select(_ => new float[parameters])];

        (_firstShard, _endShard) = ShardsOf(rank, size);
        int[][] nodesOf = [.. Enumerable.Range(0, size).Select(q => SubtreesOf(ShardsOf(q, size)))];
        _ownNodes = nodesOf[rank];
        _receivedAt = [.. Enumerable.Repeat(-1, _lo.Length)];
        _ownerOf = [.. Enumerable.Repeat(-1, _lo.Length)];
        _rank = rank;

        _sliceStarts = new int[size];
        _sliceCounts = new int[size];
        for (int q = 0; q < size; q++)
        {
            _sliceStarts[q] = (int)((long)q * parameters / size) & ~15;
            _sliceCounts[q] = (q + 1 < size ? (int)((long)(q + 1) * parameters / size) & ~15 : parameters) - _sliceStarts[q];
        }

        if (_communicator is null)
        {
            // One process: its one subtree is the root, summed straight into the gradient.
            _nodeSums = [Gradient];
        }
        else if (communicator!.ShareMemory((nodesOf.Max(nodes => nodes.Length) * parameters) + _sliceCounts.Max()) is { } shared)
        {
            // One machine: each process's region holds its subtree sums whole, then its slice of
            // the parameters (or of the optimizer state) for the others to copy.
            _shared = shared;
            _nodeSums = [];
            _resultAt = nodesOf.Max(nodes => nodes.Length) * parameters;
            for (int q = 0; q < size; q++)
            {
                for (int k = 0; k < nodesOf[q].Length; k++)
                {
                    _receivedAt[nodesOf[q][k]] = k * parameters;
                    _ownerOf[nodesOf[q][k]] = q;
                }
            }
        }
        else
        {
            _nodeSums = [.. _ownNodes.Select(_ => new float[parameters])];
            int own = _ownNodes.Length, mine = _sliceCounts[rank];
            _send = own > 1 ? new float[own * parameters] : [];
            _sendCounts = [.. _sliceCounts.Select(count => own * count)];
            _sendOffsets = [.. _sliceStarts.Select(start => own * start)];
            _receiveCounts = new int[size];
            _receiveOffsets = new int[size];
            int offset = 0;
            for (int q = 0; q < size; q++)
            {
                _receiveOffsets[q] = offset;
                _receiveCounts[q] = nodesOf[q].Length * mine;
                for (int k = 0; k < nodesOf[q].Length; k++)
                {
                    _receivedAt[nodesOf[q][k]] = offset + (k * mine);
                }

                offset += _receiveCounts[q];
            }

            _receive = new float[offset];
            _slice = new float[mine];
            _gathered = new float[parameters];
        }

        if (_communicator is not null)
        {
            _stepped = [.. _inner.Parameters.ToArray().Select(block => Clip(block, _sliceStarts[rank], _sliceCounts[rank])).Where(block => block.Length > 0)];
        }

        // Each process's shards' cost and correct count, then the sum of its slice of the gradient.
        _ownStatistics = new double[(2 * (_endShard - _firstShard)) + 1];
        _statistics = new double[(2 * shards) + size];
        _statisticsCounts = new int[size];
        _statisticsOffsets = new int[size];
        for (int q = 0; q < size; q++)
        {
            (int first, int end) = ShardsOf(q, size);
            _statisticsOffsets[q] = (2 * first) + q;
            _statisticsCounts[q] = (2 * (end - first)) + 1;
        }
    }

    public WorkerPool? Pool => _inner.Pool;

    public int Capacity => _capacity;

    /// <summary>The whole mini-batch's gradient, summed in the shard tree, in the inner engine's layout.</summary>
    public float[] Gradient { get; }

    /// <summary>The parameters in this process's slice of the gradient; all of them for one process.</summary>
    public ReadOnlySpan<ParameterBlock> Parameters => _communicator is null ? _inner.Parameters : _stepped;

    public void BeginEpoch(int epoch) => _inner.BeginEpoch(epoch);

    public bool IsGradientFinite(KernelPath path) => _gradientFinite;

    public void AfterStep()
    {
        if (_communicator is not null)
        {
            ShareParameters();
        }

        _inner.AfterStep();
    }

    public void EndEpoch() => _inner.EndEpoch();

    public void ToParameterLayout(float[] source, float[] destination) => _inner.ToParameterLayout(source, destination);

    public void FromParameterLayout(float[] source, float[] destination) => _inner.FromParameterLayout(source, destination);

    public void CopyHeldParameters(float[] parameters) => _inner.CopyHeldParameters(parameters);

    public void Dispose()
    {
        _shared?.Dispose();
        _inner.Dispose();
    }

    public (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> samples, KernelPath path)
    {
        if (samples.Length > _capacity)
        {
            throw new ArgumentException($"A mini-batch of {samples.Length} samples exceeds the {_capacity} the buffers were sized for.", nameof(samples));
        }

        if (_shared is { } shared)
        {
            SharedSum(shared, data, samples, path);
        }
        else
        {
            for (int k = 0; k < _ownNodes.Length; k++)
            {
                SumInto(_ownNodes[k], _nodeSums[k], 0, data, samples, path);
            }

            if (_communicator is not null)
            {
                Exchange(_communicator);
            }
        }

        if (_communicator is { } communicator)
        {
            _ownStatistics[^1] = Top(path);
            communicator.AllGather(_ownStatistics, _statistics, _statisticsCounts, _statisticsOffsets);
        }
        else
        {
            _ownStatistics[^1] = Kernel.Sum(Gradient, path);
            _ownStatistics.CopyTo(_statistics, 0);
        }

        // In shard order, whichever process computed a shard.
        double cost = 0, correct = 0;
        _gradientFinite = true;
        for (int q = 0; q < _statisticsCounts.Length; q++)
        {
            int at = _statisticsOffsets[q], end = at + _statisticsCounts[q] - 1;
            for (; at < end; at += 2)
            {
                cost += _statistics[at];
                correct += _statistics[at + 1];
            }

            _gradientFinite &= double.IsFinite(_statistics[end]);
        }

        return (cost, (int)correct);
    }

    /// <summary>Node <paramref name="node"/>'s sum of shard gradients into <paramref name="destination"/>, computed here from its shards (its leftmost shard's gradient straight into it).</summary>
    private void SumInto(int node, Memory<float> destination, int depth, Dataset data, ReadOnlySpan<int> samples, KernelPath path)
    {
        if (_left[node] < 0)
        {
            if (!ComputeShard(_lo[node], data, samples, destination, path))
            {
                destination.Span.Clear();
            }

            return;
        }

        SumInto(_left[node], destination, depth, data, samples, path);
        int right = _right[node];
        if (_left[right] < 0 && ComputeShard(_lo[right], data, samples, _inner.Gradient, path))
        {
            Kernel.Axpy(1f, _inner.Gradient, destination.Span, path);
        }
        else
        {
            SumInto(right, _temps[depth], depth + 1, data, samples, path);
            Kernel.Axpy(1f, _temps[depth], destination.Span, path);
        }
    }

    /// <summary>Shard <paramref name="shard"/>'s gradient into <paramref name="gradient"/>; false for an empty shard (a mini-batch smaller than S), whose gradient is zero, and then nothing is written.</summary>
    private bool ComputeShard(int shard, Dataset data, ReadOnlySpan<int> samples, Memory<float> gradient, KernelPath path)
    {
        int start = (int)((long)shard * samples.Length / _shards);
        int end = (int)((long)(shard + 1) * samples.Length / _shards);
        int slot = 2 * (shard - _firstShard);
        if (end == start)
        {
            _ownStatistics[slot] = 0;
            _ownStatistics[slot + 1] = 0;
            return false;
        }

        (double cost, int correct) = _inner.ComputeGradient(data, samples[start..end], gradient, path);
        _ownStatistics[slot] = cost;
        _ownStatistics[slot + 1] = correct;
        return true;
    }

    /// <summary>The shards [r·S/N, (r+1)·S/N) of process <paramref name="rank"/>.</summary>
    private (int First, int End) ShardsOf(int rank, int size) =>
        ((int)((long)rank * _shards / size), (int)((long)(rank + 1) * _shards / size));

    /// <summary>The largest subtrees inside the shard range, left to right.</summary>
    private int[] SubtreesOf((int First, int End) range)
    {
        var nodes = new List<int>();
        Collect(0);
        return [.. nodes];

        void Collect(int node)
        {
            if (_hi[node] <= range.First || range.End <= _lo[node])
            {
                return;
            }

            if (range.First <= _lo[node] && _hi[node] <= range.End)
            {
                nodes.Add(node);
                return;
            }

            Collect(_left[node]);
            Collect(_right[node]);
        }
    }

    /// <summary>Adds the node [lo, hi) and its subtree in pre-order; returns the subtree's height in internal levels.</summary>
    private static int Build(int lo, int hi, List<int> los, List<int> his, List<int> lefts, List<int> rights)
    {
        int node = los.Count;
        los.Add(lo);
        his.Add(hi);
        lefts.Add(-1);
        rights.Add(-1);
        if (hi - lo == 1)
        {
            return 0;
        }

        int mid = (lo + hi) / 2;
        lefts[node] = los.Count;
        int leftHeight = Build(lo, mid, los, his, lefts, rights);
        rights[node] = los.Count;
        int rightHeight = Build(mid, hi, los, his, lefts, rights);
        return 1 + Math.Max(leftHeight, rightHeight);
    }
}

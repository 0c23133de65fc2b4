// The top of the shard tree across processes (ShardedEngine.cs explains the tree): with the
// collectives, or in a window of memory the processes of one machine share.
using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;

namespace Nn.Simd.Training;

/// <content>Combining the processes' subtree sums.</content>
internal sealed partial class ShardedEngine
{
    /// <summary>Step 2: the subtree sums' slices to their owners.</summary>
    private void Exchange(ICommunicator communicator)
    {
        int own = _ownNodes.Length;
        if (own > 1)
        {
            for (int q = 0; q < communicator.Size; q++)
            {
                for (int k = 0; k < own; k++)
                {
                    _nodeSums[k].AsSpan(_sliceStarts[q], _sliceCounts[q]).CopyTo(_send.AsSpan(_sendOffsets[q] + (k * _sliceCounts[q])));
                }
            }
        }

        // One subtree (N a power of two dividing S) is already laid out slice by slice: sent as it is.
        communicator.AllToAll(own > 1 ? _send : _nodeSums[0], _sendCounts, _sendOffsets, _receive, _receiveCounts, _receiveOffsets);
    }

    /// <summary>
    /// Steps 1 and 2 in memory the processes share: this process's subtree sums straight into its
    /// region (a subtree's leftmost shard computed in place), then a barrier, after which
    /// <see cref="Top"/> reads the others' regions in place. (A process writes its subtree sums of
    /// the next step only after <see cref="ShareParameters"/>'s barrier, when every top is done.)
    /// </summary>
    private void SharedSum(ISharedFloats shared, Dataset data, ReadOnlySpan<int> samples, KernelPath path)
    {
        int parameters = Gradient.Length;
        Memory<float> region = shared.MemoryOf(_rank);
        for (int k = 0; k < _ownNodes.Length; k++)
        {
            SumInto(_ownNodes[k], region.Slice(k * parameters, parameters), 0, data, samples, path);
        }

        shared.Synchronize();
    }

    /// <summary>
    /// Step 4, after each process has stepped the parameters of its slice: every slice's parameters
    /// to every process, through the shared regions (a process writes its slice there only after
    /// the next step's first barrier, when every copy out of them is done) or an allgather.
    /// </summary>
    private void ShareParameters()
    {
        if (_shared is { } shared)
        {
            CopyParameters(_rank, shared.Of(_rank).Slice(_resultAt, _sliceCounts[_rank]), toParameters: false);
            shared.Synchronize();
            for (int q = 0; q < _sliceCounts.Length; q++)
            {
                if (q != _rank)
                {
                    CopyParameters(q, shared.Of(q).Slice(_resultAt, _sliceCounts[q]), toParameters: true);
                }
            }
        }
        else
        {
            CopyParameters(_rank, _slice, toParameters: false);
            _communicator!.AllGather(_slice, _gathered, _sliceCounts, _sliceStarts);
            for (int q = 0; q < _sliceCounts.Length; q++)
            {
                if (q != _rank)
                {
                    CopyParameters(q, _gathered.AsSpan(_sliceStarts[q], _sliceCounts[q]), toParameters: true);
                }
            }
        }
    }

    /// <summary>Each process's slice of <paramref name="values"/> (in the gradient's layout) to every process.</summary>
    public void ShareStepped(float[] values)
    {
        if (_communicator is null)
        {
            return;
        }

        Span<float> own = values.AsSpan(_sliceStarts[_rank], _sliceCounts[_rank]);
        if (_shared is { } shared)
        {
            // The first barrier: every process has read the regions' parameters of the last step.
            shared.Synchronize();
            own.CopyTo(shared.Of(_rank)[_resultAt..]);
            shared.Synchronize();
            for (int q = 0; q < _sliceCounts.Length; q++)
            {
                if (q != _rank)
                {
                    shared.Of(q).Slice(_resultAt, _sliceCounts[q]).CopyTo(values.AsSpan(_sliceStarts[q]));
                }
            }
        }
        else
        {
            own.CopyTo(_slice);
            _communicator.AllGather(_slice, values, _sliceCounts, _sliceStarts);
        }
    }

    /// <summary>Between the parameters of process <paramref name="process"/>'s slice and <paramref name="slice"/>, which holds them in the gradient's layout.</summary>
    private void CopyParameters(int process, Span<float> slice, bool toParameters)
    {
        foreach (ParameterBlock block in _inner.Parameters)
        {
            ParameterBlock run = Clip(block, _sliceStarts[process], _sliceCounts[process]);
            if (run.Length > 0)
            {
                Span<float> values = run.Values.AsSpan(run.Offset, run.Length);
                Span<float> flat = slice.Slice(run.GradientOffset - _sliceStarts[process], run.Length);
                if (toParameters)
                {
                    flat.CopyTo(values);
                }
                else
                {
                    values.CopyTo(flat);
                }
            }
        }
    }

    /// <summary>The part of <paramref name="block"/> whose gradient lies in [start, start + count); empty when none does.</summary>
    private static ParameterBlock Clip(ParameterBlock block, int start, int count)
    {
        int lo = Math.Max(start, block.GradientOffset), hi = Math.Min(start + count, block.GradientOffset + block.Length);
        return hi > lo ? block with { Offset = block.Offset + lo - block.GradientOffset, GradientOffset = lo, Length = hi - lo } : block with { Length = 0 };
    }

    /// <summary>
    /// Step 3: the top of the tree over this process's slice into its slice of the gradient, one
    /// chunk at a time so that the chunk's temporaries and its sum stay in the first-level cache.
    /// Returns the slice's sum, which only says whether the slice is finite.
    /// </summary>
    private double Top(KernelPath path)
    {
        int start = _sliceStarts[_rank], count = _sliceCounts[_rank];
        double sum = 0;
        for (int at = 0; at < count; at += TopChunk)
        {
            // The root covers every shard, so no one process holds it: it is always added into the chunk.
            Span<float> into = Gradient.AsSpan(start + at, Math.Min(TopChunk, count - at));
            TopOf(0, at, into, 0, path);
            sum += Kernel.Sum(into, path);
        }

        return sum;
    }

    /// <summary>
    /// Node <paramref name="node"/>'s sum over the <paramref name="into"/>.Length floats of this
    /// process's slice from <paramref name="at"/>: a received subtree sum where it lies, or, for a
    /// node above those, left + right in one pass into <paramref name="into"/>.
    /// </summary>
    private ReadOnlySpan<float> TopOf(int node, int at, Span<float> into, int depth, KernelPath path)
    {
        if (_receivedAt[node] >= 0)
        {
            return Received(node, at, into.Length);
        }

        ReadOnlySpan<float> left = TopOf(_left[node], at, into, depth, path);
        ReadOnlySpan<float> right = TopOf(_right[node], at, _temps[depth].AsSpan(0, into.Length), depth + 1, path);
        Kernel.Add(left, right, into, path);
        return into;
    }

    /// <summary>The <paramref name="length"/> floats from <paramref name="at"/> of this process's slice of the subtree sum at <paramref name="node"/>: received, or read in place from its owner's shared region.</summary>
    private ReadOnlySpan<float> Received(int node, int at, int length) =>
        _shared is null ? _receive.AsSpan(_receivedAt[node] + at, length)
        : _shared.Of(_ownerOf[node]).Slice(_receivedAt[node] + _sliceStarts[_rank] + at, length);
}

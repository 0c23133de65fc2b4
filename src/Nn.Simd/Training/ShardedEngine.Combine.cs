// The top of the shard tree across processes (ShardedEngine.cs explains the tree): with the
// collectives, or in a window of memory the processes of one machine share.
using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.Kernels;

namespace Nn.Simd.Training;

/// <content>Combining the processes' subtree sums.</content>
internal sealed partial class ShardedEngine
{
    /// <summary>Steps 2–4 (the last subtree's sum in <paramref name="lastSum"/>): the subtree sums' slices to their owners, the top of the tree over this process's slice, every slice to everyone.</summary>
    private void Exchange(ICommunicator communicator, float[] lastSum, KernelPath path)
    {
        int own = _ownNodes.Length;
        if (own > 1)
        {
            for (int q = 0; q < communicator.Size; q++)
            {
                for (int k = 0; k < own; k++)
                {
                    (k == own - 1 ? lastSum : _nodeSums[k]).AsSpan(_sliceStarts[q], _sliceCounts[q]).CopyTo(_send.AsSpan(_sendOffsets[q] + (k * _sliceCounts[q])));
                }
            }
        }

        // One subtree (N a power of two dividing S) is already laid out slice by slice: sent as it is.
        communicator.AllToAll(own > 1 ? _send : lastSum, _sendCounts, _sendOffsets, _receive, _receiveCounts, _receiveOffsets);
        TopInto(0, _slice, 0, path);
        communicator.AllGather(_slice, Gradient, _sliceCounts, _sliceStarts);
    }

    /// <summary>
    /// Steps 1–4 in memory the processes share: this process's subtree sums straight into its
    /// region; after a barrier, the top of the tree over its slice read from the others' regions in
    /// place, into its region; after another, every summed slice copied into the gradient. (A
    /// process writes its subtree sums of the next step only after the second barrier, when every
    /// top is done, and its summed slice only after the next step's first, when every copy is.)
    /// </summary>
    private void SharedSum(ISharedFloats shared, Dataset data, ReadOnlySpan<int> samples, KernelPath path)
    {
        int parameters = Gradient.Length;
        Span<float> region = shared.Of(_rank);
        _localLeaf = -1;
        for (int k = 0; k < _ownNodes.Length; k++)
        {
            int node = _ownNodes[k];
            Span<float> sum = region.Slice(k * parameters, parameters);
            if (k == _ownNodes.Length - 1 && _left[node] < 0 && ComputeShard(_lo[node], data, samples, path))
            {
                // A last subtree of one shard: only the slices the others read are copied out; this
                // process reads its own slice from the inner engine's gradient.
                int start = _sliceStarts[_rank], end = start + _sliceCounts[_rank];
                _inner.Gradient.AsSpan(0, start).CopyTo(sum);
                _inner.Gradient.AsSpan(end).CopyTo(sum[end..]);
                _localLeaf = node;
            }
            else
            {
                SumInto(node, sum, 0, data, samples, path);
            }
        }

        shared.Synchronize();
        TopInto(0, region.Slice(_resultAt, _sliceCounts[_rank]), 0, path);
        shared.Synchronize();
        for (int q = 0; q < _sliceCounts.Length; q++)
        {
            shared.Of(q).Slice(_resultAt, _sliceCounts[q]).CopyTo(Gradient.AsSpan(_sliceStarts[q]));
        }
    }

    /// <summary>Node <paramref name="node"/>'s sum over this process's parameter slice, from the subtree sums received.</summary>
    private void TopInto(int node, Span<float> destination, int depth, KernelPath path)
    {
        if (_receivedAt[node] >= 0)
        {
            Received(node, destination.Length).CopyTo(destination);
            return;
        }

        TopInto(_left[node], destination, depth, path);
        int right = _right[node];
        if (_receivedAt[right] >= 0)
        {
            Kernel.Axpy(1f, Received(right, destination.Length), destination, path);
        }
        else
        {
            Span<float> term = _temps[depth].AsSpan(0, destination.Length);
            TopInto(right, term, depth + 1, path);
            Kernel.Axpy(1f, term, destination, path);
        }
    }

    /// <summary>This process's slice of the subtree sum at <paramref name="node"/>: received, or read in place from its owner's shared region.</summary>
    private ReadOnlySpan<float> Received(int node, int length) =>
        _shared is null ? _receive.AsSpan(_receivedAt[node], length)
        : node == _localLeaf ? _inner.Gradient.AsSpan(_sliceStarts[_rank], length)
        : _shared.Of(_ownerOf[node]).Slice(_receivedAt[node] + _sliceStarts[_rank], length);
}

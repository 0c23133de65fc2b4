using Nn.Simd.Distributed;

namespace Nn.Simd.Tests.Distributed;

public class InProcessCommunicatorTests
{
    private static void OnEveryRank(int size, Action<InProcessCommunicator> action)
    {
        InProcessCommunicator[] world = InProcessCommunicator.Create(size);
        var errors = new Exception?[size];
        Thread[] threads = [.. world.Select(c => new Thread(() =>
        {
            try
            {
                action(c);
            }
            catch (Exception e)
            {
                errors[c.Rank] = e;
                c.Abort(1);
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        Assert.All(errors, Assert.Null);
    }

    /// <summary>Rank p sends p·10 + q, (p + 1) times, to rank q; every rank checks what it got from whom and where.</summary>
    [Fact]
    public void AllToAll_delivers_each_part_to_its_rank_and_place()
    {
        const int Size = 3;
        OnEveryRank(Size, c =>
        {
            int p = c.Rank;
            int[] sendCounts = [.. Enumerable.Repeat(p + 1, Size)];
            int[] sendOffsets = [.. Enumerable.Range(0, Size).Select(q => q * (p + 1))];
            float[] send = [.. Enumerable.Range(0, Size).SelectMany(q => Enumerable.Repeat((p * 10f) + q, p + 1))];
            int[] receiveCounts = [.. Enumerable.Range(1, Size)];
            int[] receiveOffsets = [0, 1, 3];
            var receive = new float[6];
            c.AllToAll(send, sendCounts, sendOffsets, receive, receiveCounts, receiveOffsets);
            float[] expected = [.. Enumerable.Range(0, Size).SelectMany(from => Enumerable.Repeat((from * 10f) + p, from + 1))];
            Assert.Equal(expected, receive);
        });
    }

    [Fact]
    public void AllGather_puts_every_rank_s_part_at_its_offset()
    {
        OnEveryRank(4, c =>
        {
            int[] counts = [2, 0, 1, 3];
            int[] offsets = [4, 0, 6, 1];
            float[] send = [.. Enumerable.Repeat(c.Rank + 0.5f, counts[c.Rank])];
            var receive = new float[7];
            c.AllGather(send, receive, counts, offsets);
            Assert.Equal([-1f, 3.5f, 3.5f, 3.5f, 0.5f, 0.5f, 2.5f], receive.Select((v, i) => i == 0 ? -1f : v));
            var doubles = new double[7];
            c.AllGather([.. send.Select(v => (double)v)], doubles, counts, offsets);
            Assert.Equal(receive.Select(v => (double)v), doubles);
        });
    }

    [Fact]
    public void Mismatched_counts_fail_every_rank_instead_of_hanging()
    {
        InProcessCommunicator[] world = InProcessCommunicator.Create(2);
        var errors = new Exception?[2];
        Thread[] threads = [.. world.Select(c => new Thread(() =>
        {
            try
            {
                c.AllToAll([1f, 2f], [1, 1], [0, 1], new float[2], [1, c.Rank == 0 ? 2 : 1], [0, 0]);
            }
            catch (Exception e)
            {
                errors[c.Rank] = e;
                c.Abort(1);
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(10))));
        Assert.Contains(errors, e => e is ArgumentException);
        Assert.All(errors, Assert.NotNull);
    }
}

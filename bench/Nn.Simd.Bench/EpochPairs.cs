using System.Diagnostics;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Training;

namespace Nn.Simd.Bench;

/// <summary>
/// Interleaved epoch pairs: what AdamW and dropout 0.2 cost an epoch of configuration (c),
/// [784,256,256,10] ReLU/softmax, log-likelihood, mini-batch 128, batched, on the 60,000
/// Fashion-MNIST training images, measured so that the machine's drift cancels. BenchmarkDotNet runs
/// a case's processes one after the other, so a baseline and a variant are minutes apart, and on a
/// shared VM whose speed moves by a fifth between minutes that gap is the largest error of a ratio.
/// Here three trainers (SGD η 0.1, the baseline; AdamW 1e-3 with weight decay 1e-4; SGD with
/// dropout 0.2 on both hidden layers) live in one process, each warmed by two epochs, and every
/// round trains one epoch of each, seconds apart, in an order that cycles through all six, so that
/// no trainer always runs first or after the same one. Each round gives a ratio variant / SGD from
/// epochs adjacent in time; the report is the median of those ratios with its distribution-free 95 %
/// interval (order statistics of the binomial), the median epochs, and the bytes the timed epochs
/// allocated on all threads (GC.GetTotalAllocatedBytes, precise).
/// <c>dotnet run -c Release --project bench/Nn.Simd.Bench -- --epoch-pairs ROUNDS THREADS…</c>,
/// e.g. <c>--epoch-pairs 30 1 2</c>.
/// </summary>
internal static class EpochPairs
{
    private static readonly string[] Names = ["SGD", "AdamW", "SGD + dropout 0.2"];

    /// <summary>Every order of three trainers; round r runs <c>Orders[r % 6]</c>.</summary>
    private static readonly int[][] Orders = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]];

    public static void Run(string[] args)
    {
        if (args.Length < 2)
        {
            throw new ArgumentException("usage: --epoch-pairs ROUNDS THREADS… (e.g. --epoch-pairs 30 1 2)");
        }

        int rounds = int.Parse(args[0], CultureInfo.InvariantCulture);
        Dataset data = Datasets.FashionMnist(test: false);
        Console.WriteLine($"path {KernelDispatch.Active}, {CpuInfo.Describe().Key}, {rounds} rounds");
        foreach (string threads in args[1..])
        {
            Measure(data, rounds, int.Parse(threads, CultureInfo.InvariantCulture));
        }
    }

    private static void Measure(Dataset data, int rounds, int threads)
    {
        Trainer[] trainers =
        [
            ConfigC.Trainer(threads, new Sgd(), 0.1f, []),
            ConfigC.Trainer(threads, new AdamW(1e-4f), 1e-3f, []),
            ConfigC.Trainer(threads, new Sgd(), 0.1f, [0.2f]),
        ];
        int epoch = 0;
        for (int warm = 0; warm < 2; warm++)
        {
            epoch++;
            foreach (Trainer trainer in trainers)
            {
                trainer.TrainEpoch(data, null, epoch);
            }
        }

        var milliseconds = new double[trainers.Length][];
        for (int t = 0; t < trainers.Length; t++)
        {
            milliseconds[t] = new double[rounds];
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (int round = 0; round < rounds; round++)
        {
            epoch++;
            foreach (int t in Orders[round % Orders.Length])
            {
                long start = Stopwatch.GetTimestamp();
                trainers[t].TrainEpoch(data, null, epoch);
                milliseconds[t][round] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        foreach (Trainer trainer in trainers)
        {
            trainer.Dispose();
        }

        Console.WriteLine();
        Console.WriteLine($"{threads} thread(s): {rounds} rounds, {allocated} B allocated over the {rounds * trainers.Length} timed epochs");
        Console.WriteLine("| epoch | median | Q1 | Q3 | median of round ratios to SGD | 95 % interval |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (int t = 0; t < trainers.Length; t++)
        {
            double[] times = [.. milliseconds[t]];
            string ratio = "baseline", interval = "";
            if (t > 0)
            {
                double[] ratios = [.. milliseconds[t].Select((ms, r) => ms / milliseconds[0][r])];
                Array.Sort(ratios);
                (int low, int high) = MedianInterval(rounds);
                ratio = Format(Quantile(ratios, 0.5), "F3");
                interval = $"{Format(ratios[low], "F3")} – {Format(ratios[high], "F3")}";
            }

            Array.Sort(times);
            Console.WriteLine($"| {Names[t]} | {Format(Quantile(times, 0.5), "F1")} ms | {Format(Quantile(times, 0.25), "F1")} | {Format(Quantile(times, 0.75), "F1")} | {ratio} | {interval} |");
        }
    }

    /// <summary>The quantile q of sorted values, interpolated between neighbours.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int below = (int)Math.Floor(at);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((at - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>
    /// The ranks (0-based) of the sorted sample that bound its median with at least 95 % confidence,
    /// whatever the distribution: the largest j with P(Binomial(n, ½) &lt; j + 1) ≤ 2.5 %, and n − 1 − j.
    /// </summary>
    private static (int Low, int High) MedianInterval(int n)
    {
        double cumulative = 0, point = Math.Pow(0.5, n);
        int j = 0;
        for (int k = 0; k < n; k++)
        {
            cumulative += point;
            if (cumulative > 0.025)
            {
                j = Math.Max(k - 1, 0);
                break;
            }

            point *= (double)(n - k) / (k + 1);
        }

        return (j, n - 1 - j);
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary>
/// <c>nn bench</c>: training samples/s for the reference configurations (a), (b), (c) on
/// Fashion-MNIST (or random data of the same shape when it is not installed) and single-sample
/// latency, with the kernel path and CPU. A quick, documented harness for users; the project's
/// own comparisons use BenchmarkDotNet (bench/).
/// </summary>
internal static class BenchCommand
{
    private sealed record Config(string Name, int[] Layers, Activation Hidden, Activation Output, Cost Cost, Initialization Init, float Eta, int Batch, float Lambda);

    private static readonly Config[] Configs =
    [
        new("a", [784, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, 3f, 10, 0f),
        new("b", [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, 0.5f, 10, 5f),
        new("c", [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, 0.1f, 128, 0f),
    ];

    public static Command Create(CliContext context)
    {
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON here." };
        var epochs = new Option<int>("--epochs") { Description = "Timed training epochs per configuration (the median is reported).", DefaultValueFactory = _ => 1 };
        var calls = new Option<int>("--calls") { Description = "Timed single-sample calls per latency model.", DefaultValueFactory = _ => 10_000 };
        var force = new Option<bool>("--force") { Description = "Replace an existing --json file." };
        var command = new Command("bench", "Measure training samples/s for configs a, b, c and single-sample latency on this machine.") { json, epochs, calls, force };
        command.SetAction(parse =>
        {
            int epochCount = parse.GetValue(epochs);
            int callCount = parse.GetValue(calls);
            if (epochCount < 1 || callCount < 100)
            {
                throw new UsageException("--epochs must be ≥ 1 and --calls ≥ 100.");
            }

            OutputFiles.Check(parse.GetValue(force), ("--json", parse.GetValue(json)));

            IAnsiConsole console = context.Console;
            Dataset data = LoadData(out string dataName);
            console.MarkupLine($"[bold]kernels[/] {KernelDispatch.Active} on {Markup.Escape(CpuInfo.ModelName)}; data: {Markup.Escape(dataName)}");
            var training = new List<(string Config, int Threads, double SamplesPerSecond)>();
            foreach ((Config config, int threads) in Configs.SelectMany(c => (int[])[1, Environment.ProcessorCount], (c, t) => (c, t)).Distinct())
            {
                var network = Network.Create(config.Layers, config.Hidden, config.Output, config.Cost, config.Init, seed: 1);
                using var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = config.Batch, LearningRate = config.Eta, Lambda = config.Lambda, Engine = TrainingEngine.Batched, Threads = threads });
                // Epochs on a slice for a second (at least one), so that the JIT has finished
                // tiering up before the timed epochs: one short epoch left config (a) measured
                // partly on first-tier code (238k samples/s instead of about 800k).
                Dataset slice = data.Subset([.. Enumerable.Range(0, Math.Min(2_000, data.Count))]);
                var warmUp = Stopwatch.StartNew();
                do
                {
                    trainer.TrainEpoch(slice, null, 0, context.CancellationToken);
                }
                while (warmUp.ElapsedMilliseconds < 1_000);

                Thread.Sleep(200);
                var rates = new List<double>();
                for (int e = 0; e < epochCount; e++)
                {
                    rates.Add(trainer.TrainEpoch(data, null, e + 1, context.CancellationToken).SamplesPerSecond);
                }

                double median = Median(rates);
                training.Add((config.Name, threads, median));
                console.MarkupLine($"training ({config.Name}) {Markup.Escape(network.ToString())}, mini-batch {config.Batch} batched, {threads} thread{(threads == 1 ? string.Empty : "s")}: {median:N0} samples/s");
            }

            var latency = new List<Latency>();
            foreach (int[] layers in new[] { new[] { 784, 100, 10 }, [784, 256, 256, 10] })
            {
                Activation hidden = layers.Length == 3 ? Activation.Sigmoid : Activation.Relu;
                Activation output = layers.Length == 3 ? Activation.Sigmoid : Activation.Softmax;
                var network = Network.Create(layers, hidden, output, layers.Length == 3 ? Cost.CrossEntropy : Cost.LogLikelihood, seed: 2);
                (double median, double p99) = MeasureLatency(network, int8: false, data, callCount);
                (double int8Median, double int8P99) = MeasureLatency(network, int8: true, data, callCount);
                string name = string.Join('-', layers);
                latency.Add(new Latency(name, median, p99, int8Median, int8P99));
                console.MarkupLine($"latency {name}: median {median:F2} µs, p99 {p99:F2} µs per Predict call; int8: median {int8Median:F2} µs ({int8Median / median:F2}×), p99 {int8P99:F2} µs");
            }

            if (parse.GetValue(json) is { } path)
            {
                AtomicFile.Write(path, overwrite: true, file =>
                {
                    using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
                    WriteJson(writer, dataName, epochCount, callCount, training, latency);
                });
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Dataset LoadData(out string name)
    {
        if (Directory.Exists(Datasets.FashionMnistFolder))
        {
            name = "Fashion-MNIST training set (60,000)";
            return Datasets.FashionMnist(test: false);
        }

        name = $"random 784-value inputs (60,000; Fashion-MNIST not installed: {Datasets.FashionMnistInstallHint})";
        var random = new Random(1);
        var inputs = new float[60_000 * 784];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }

        var labels = new int[60_000];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(10);
        }

        return Dataset.FromLabels(inputs, 784, labels, 10);
    }

    /// <summary>
    /// Single-sample latency through <see cref="Predictor"/> (the inference API) or, with
    /// <paramref name="int8"/>, through the network quantized with dynamic activations. A second of calls
    /// first: the JIT recompiles hot methods at its optimising tier only after a quiet 100 ms, and a
    /// count-based warm-up of a few milliseconds measured first-tier code (10 µs instead of 1.8).
    /// </summary>
    private static (double Median, double P99) MeasureLatency(Network network, bool int8, Dataset data, int calls)
    {
        var fp32 = new Predictor(network);
        QuantizedNetwork? quantized = int8 ? QuantizedNetwork.Quantize(network) : null;
        var output = new float[network.OutputSize];
        void Predict(ReadOnlySpan<float> input)
        {
            if (quantized is not null)
            {
                quantized.Predict(input, output);
            }
            else
            {
                fp32.Predict(input, output);
            }
        }

        var warmUp = Stopwatch.StartNew();
        for (int i = 0; warmUp.ElapsedMilliseconds < 1_000; i++)
        {
            Predict(data.Input(i % data.Count));
        }

        Thread.Sleep(200);
        var micros = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Predict(data.Input(i % data.Count));
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return (micros[calls / 2], micros[(int)(calls * 0.99)]);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>The run as JSON: kernel path, CPU, data, settings, training rates, and per model the fp32 and int8 latency.</summary>
    internal static void WriteJson(Utf8JsonWriter json, string dataName, int epochCount, int callCount, List<(string Config, int Threads, double SamplesPerSecond)> training, List<Latency> latency)
    {
        json.WriteStartObject();
        json.WriteString("kernelPath", KernelDispatch.Active.ToString());
        CpuReport.WriteJson(json, "cpu", CpuInfo.Describe());
        json.WriteString("data", dataName);
        json.WriteNumber("epochs", epochCount);
        json.WriteNumber("latencyCalls", callCount);
        json.WriteStartArray("training");
        foreach ((string config, int threads, double rate) in training)
        {
            json.WriteStartObject();
            json.WriteString("config", config);
            json.WriteNumber("threads", threads);
            json.WriteNumber("samplesPerSecond", rate);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("latency");
        foreach (Latency l in latency)
        {
            json.WriteStartObject();
            json.WriteString("model", l.Model);
            json.WriteNumber("medianMicroseconds", l.Median);
            json.WriteNumber("p99Microseconds", l.P99);
            json.WriteNumber("int8MedianMicroseconds", l.Int8Median);
            json.WriteNumber("int8P99Microseconds", l.Int8P99);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One model's single-sample latency in microseconds: fp32 <see cref="Predictor"/> and the dynamic int8 <see cref="QuantizedNetwork"/>, median and 99th percentile.</summary>
    internal readonly record struct Latency(string Model, double Median, double P99, double Int8Median, double Int8P99);
}

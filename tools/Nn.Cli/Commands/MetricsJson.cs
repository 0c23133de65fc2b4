using System.Text.Json;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Training;

namespace Nn.Cli.Commands;

/// <summary>
/// The <c>--metrics</c> file: <c>{"kernelPath", "cpu", "threads", "engine", "processes", "shards", "network", "epochs": [...], "test": {...}}</c>.
/// Fields that do not apply (validation without a validation set, test without a test set) are left out.
/// </summary>
internal static class MetricsJson
{
    public static void Write(string path, TrainingRun run)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("kernelPath", KernelDispatch.Active.ToString());
            json.WriteString("cpu", CpuInfo.ModelName);
            json.WriteNumber("threads", run.Options.Engine == TrainingEngine.Batched ? run.Options.Threads : 1);
            json.WriteString("engine", run.Options.Engine == TrainingEngine.Batched ? "batched" : "samples");
            json.WriteNumber("processes", run.ProcessCount);
            json.WriteNumber("shards", run.Options.Shards);
            json.WriteString("network", run.Network.ToString());
            json.WriteString("data", run.DataName);
            json.WriteNumber("seed", run.Options.Seed);
            json.WriteStartArray("epochs");
            for (int i = 0; i < run.Reports.Count; i++)
            {
                EpochReport r = run.Reports[i];
                json.WriteStartObject();
                json.WriteNumber("epoch", r.Epoch);
                json.WriteNumber("allocatedBytes", run.AllocatedBytes[i]);
                json.WriteNumber("seconds", r.Seconds);
                json.WriteNumber("samplesPerSecond", r.SamplesPerSecond);
                json.WriteNumber("trainingCost", r.TrainingCost);
                json.WriteNumber("trainingAccuracy", r.TrainingAccuracy);
                if (r.ValidationCost is { } vc)
                {
                    json.WriteNumber("validationCost", vc);
                }

                if (r.ValidationAccuracy is { } va)
                {
                    json.WriteNumber("validationAccuracy", va);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (run.TestResult is { } test)
            {
                json.WriteStartObject("test");
                json.WriteNumber("samples", test.Count);
                json.WriteNumber("accuracy", test.Accuracy);
                json.WriteNumber("cost", test.Cost);
                WriteConfusion(json, test.Confusion);
                json.WriteEndObject();
            }

            json.WriteString("weightsHash", $"0x{run.Network.ComputeHash():X16}");
            json.WriteEndObject();
        }

        AtomicFile.Write(path, overwrite: true, file => file.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
    }

    /// <summary>
    /// The classes that occur and, over them, the matrix (rows: actual); above
    /// <see cref="Report.MaxMatrixClasses"/> classes, the non-zero entries as [actual, predicted, count]
    /// instead, so the file never grows with the square of the class count.
    /// </summary>
    private static void WriteConfusion(Utf8JsonWriter json, ConfusionMatrix confusion)
    {
        int[] classes = [.. confusion.Classes];
        json.WriteStartArray("classes");
        foreach (int c in classes)
        {
            json.WriteNumberValue(c);
        }

        json.WriteEndArray();
        bool dense = classes.Length <= Report.MaxMatrixClasses;
        json.WriteStartArray(dense ? "confusion" : "confusionEntries");
        if (dense)
        {
            foreach (int a in classes)
            {
                json.WriteStartArray();
                foreach (int p in classes)
                {
                    json.WriteNumberValue(confusion[a, p]);
                }

                json.WriteEndArray();
            }
        }
        else
        {
            foreach ((int actual, int predicted, int count) in confusion.Entries)
            {
                json.WriteStartArray();
                json.WriteNumberValue(actual);
                json.WriteNumberValue(predicted);
                json.WriteNumberValue(count);
                json.WriteEndArray();
            }
        }

        json.WriteEndArray();
    }
}

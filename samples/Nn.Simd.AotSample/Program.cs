using System.IO.Hashing;
using System.Runtime.InteropServices;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Nn.Simd.Training;

// Trains the embedded digits briefly, round-trips the model file and ONNX, and prints the kernel
// path, the weights hash and the hash of the int8 outputs on the test set: the same hashes as the
// JIT build on every path are the AOT check. Then trains the AdamW + cosine warm-up reference run
// of OptimizerDeterminismTests, and its toolkit run (with dropout and standardised inputs), each in
// two parts through a checkpoint, and prints their hashes, which must be those tests' on every path.
Console.WriteLine(KernelDispatch.Describe());
DataSplit split = Datasets.Digits().Split(0, 0.2, seed: 1);
Network network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 1);
using (var trainer = new Trainer(network, new TrainingOptions { Epochs = 5, MiniBatchSize = 10, LearningRate = 3f, Seed = 1, Engine = TrainingEngine.PerSample }))
{
    trainer.Train(split.Training);
}

string path = Path.Combine(Path.GetTempPath(), $"nn-aot-{Environment.ProcessId}.nnm");
ModelFile.Save(network, path, overwrite: true);
Network loaded = ModelFile.Load(path);
File.Delete(path);
Network viaOnnx = OnnxImporter.Import(OnnxExporter.Export(loaded), "in memory");
Evaluation test = Evaluation.Of(viaOnnx, split.Test);
Console.WriteLine($"test accuracy {test.Accuracy:P2}");
Console.WriteLine($"weights hash 0x{viaOnnx.ComputeHash():X16}");
var int8 = new float[split.Test.Count * viaOnnx.OutputSize];
QuantizedNetwork.Quantize(viaOnnx).PredictBatch(split.Test.Inputs, int8);
Console.WriteLine($"int8 outputs hash 0x{XxHash3.HashToUInt64(MemoryMarshal.AsBytes(int8.AsSpan())):X16}");

// OptimizerDeterminismTests.TrainReference(threads: 2, resumeAfter: 2), step by step.
TrainingOptions adamW = new()
{
    Epochs = 2,
    MiniBatchSize = 16,
    LearningRate = 0.003f,
    Optimizer = new AdamW(0.01f),
    Schedule = new CosineDecay(WarmupEpochs: 1, Epochs: 3),
    Seed = 7,
    Engine = TrainingEngine.Batched,
    Threads = 2,
};
Dataset digits = Datasets.Digits();
Console.WriteLine($"adamw weights hash on {KernelDispatch.Active}: 0x{TrainResumed(adamW, scaled: false):X16}");
Console.WriteLine($"toolkit weights hash on {KernelDispatch.Active}: 0x{TrainResumed(adamW with { Dropout = [0.2f] }, scaled: true):X16}");

// Two epochs, a checkpoint, then the third epoch resumed from it (inputs standardised if scaled).
ulong TrainResumed(TrainingOptions options, bool scaled)
{
    var reference = Network.Create([64, 30, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 7);
    if (scaled)
    {
        reference.InputScaling = InputScaling.Fit(InputScalingKind.Standardize, digits.Inputs, digits.InputSize);
    }

    using var checkpoint = new MemoryStream();
    using (var first = new Trainer(reference, options))
    {
        first.Train(digits);
        CheckpointFile.Write(first.CreateCheckpoint(), checkpoint);
    }

    using var resumed = Trainer.Resume(CheckpointFile.Read(checkpoint.ToArray(), "memory"), options with { Epochs = 3 });
    resumed.Train(digits);
    return resumed.Network.ComputeHash();
}

using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Onnx;                                          // the Nn.Simd.Onnx assembly
using Nn.Simd.Training;

DataSplit split = Datasets.Digits().Split(validationFraction: 0.1, testFraction: 0.2, seed: 1);
Network network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid,
                                 Cost.Quadratic, Initialization.ScaledGaussian, seed: 1);
var trainer = new Trainer(network, new TrainingOptions { Epochs = 30, MiniBatchSize = 10, LearningRate = 3f });
foreach (EpochReport r in trainer.Train(split.Training, split.Validation))
    Console.WriteLine($"epoch {r.Epoch}: validation accuracy {r.ValidationAccuracy:P2}");

Evaluation test = Evaluation.Of(network, split.Test);      // cost, accuracy, confusion matrix
Span<float> output = stackalloc float[10];
network.Predict(split.Test.Input(0), output);               // no allocation; thread-safe
Console.WriteLine($"{test.Accuracy:P2}, class {network.Classify(split.Test.Input(0))}, {KernelDispatch.Active}");

float dot = Kernel.Dot(output, output);                     // the kernels are public too

ModelFile.Save(network, "digits.nnm");                      // versioned, checksummed, atomic
OnnxExporter.Save(network, "digits.onnx");                  // for ONNX Runtime; OnnxImporter reads PyTorch MLPs
var predictor = new Predictor(network);                     // frozen copy: single samples and batches

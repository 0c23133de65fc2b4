#!/usr/bin/python3
"""scikit-learn's diabetes data: nn train --task regression against MLPRegressor and linear regression.

Five random 80/20 splits (scikit-learn's train_test_split, seeds 1-5), the same rows for every
model. scikit-learn: StandardScaler on the training part, MLPRegressor((64, 64)) with its
defaults (ReLU, Adam at 1e-3, mini-batch 200, L2 α 1e-4) and early stopping (10 % of the training
part held out, 10 epochs' patience, the best epoch's weights kept), the target standardised on
the training part (TransformedTargetRegressor); and LinearRegression. nn: the training part as a
CSV, --task regression (inputs and target standardised on it), the same layers, optimizer, rate,
mini-batch and early stopping (--validation 0.1 --patience 10), then `nn predict` of the saved
model on the test rows, in original units; R² computed here for all three the same way.
Needs Debian's python3-sklearn; run from the repository root after a Release build.
Usage: bench/regression/diabetes.py [nn train options replacing the defaults below...]
"""
import os, subprocess, sys, tempfile
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import r2_score

X, y = load_diabetes(return_X_y=True)
folder = tempfile.mkdtemp()
header = ",".join([f"x{i}" for i in range(X.shape[1])] + ["y"])
nn = ["dotnet", "tools/Nn.Cli/bin/Release/net10.0/nn.dll"]
nn_options = sys.argv[1:] or ["--layers", "10,64,64,1", "--activation", "relu", "--init", "xavier", "--optimizer", "adam", "--eta", "0.001",
                              "--batch", "200", "--epochs", "2000", "--validation", "0.1", "--patience", "10", "--monitor", "cost"]
rows = []
for seed in range(1, 6):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
    mlp = TransformedTargetRegressor(make_pipeline(StandardScaler(), MLPRegressor((64, 64), early_stopping=True, max_iter=2000, random_state=seed)), transformer=StandardScaler())
    lin = make_pipeline(StandardScaler(), LinearRegression())
    r_mlp = r2_score(yte, mlp.fit(Xtr, ytr).predict(Xte))
    r_lin = r2_score(yte, lin.fit(Xtr, ytr).predict(Xte))
    train, test, model = (os.path.join(folder, f"{name}{seed}") for name in ("train.csv", "test.csv", "model.nnm"))
    np.savetxt(train, np.column_stack([Xtr, ytr]), delimiter=",", header=header, comments="", fmt="%.9g")
    np.savetxt(test, np.column_stack([Xte, yte]), delimiter=",", header=header, comments="", fmt="%.9g")
    subprocess.run([*nn, "train", "--data", train, "--task", "regression", "--target-columns", "y", "--test-fraction", "0",
                    "--seed", str(seed), "--out", model, "--force", *nn_options], check=True, stdout=subprocess.DEVNULL)
    predicted = subprocess.run([*nn, "predict", model, test, "--label-column", "y"], check=True, capture_output=True, text=True).stdout
    r_nn = r2_score(yte, np.array([float(line.split(",")[-1]) for line in predicted.split() if line and line[0] in "-0123456789"]))
    rows.append((r_nn, r_mlp, r_lin))
    print(f"seed {seed}: nn R² {r_nn:.3f}  MLPRegressor {r_mlp:.3f}  LinearRegression {r_lin:.3f}")
m = np.mean(rows, axis=0)
print(f"mean:   nn R² {m[0]:.3f}  MLPRegressor {m[1]:.3f}  LinearRegression {m[2]:.3f}  (nn − MLPRegressor {m[0] - m[1]:+.3f})")
print("nn options:", " ".join(nn_options))

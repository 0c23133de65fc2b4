#!/usr/bin/python3
"""scikit-learn's diabetes data: nn train --task regression against MLPRegressor and linear regression.

Five random 80/20 splits (seeds 1-5). scikit-learn: StandardScaler on the training part,
MLPRegressor(hidden_layer_sizes=(64, 64), early_stopping=True, max_iter=2000) with the target
standardised on the training part (TransformedTargetRegressor), and LinearRegression.
nn: the same CSV, --task regression, inputs and target standardised on its training part, split by
its own --seed and --test-fraction 0.2 (so the 80/20 splits are random but not the same rows as
scikit-learn's). Needs Debian's python3-sklearn; run from the repository root after a Release build.
Usage: bench/regression/diabetes.py [extra nn train options...]
"""
import json, os, subprocess, sys, tempfile
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
csv = os.path.join(folder, "diabetes.csv")
np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header=",".join([f"x{i}" for i in range(10)] + ["y"]), comments="", fmt="%.9g")
nn_options = sys.argv[1:] or ["--layers", "10,64,64,1", "--activation", "tanh", "--init", "xavier", "--epochs", "60", "--batch", "16", "--eta", "0.005"]
rows = []
for seed in range(1, 6):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=seed)
    mlp = TransformedTargetRegressor(make_pipeline(StandardScaler(), MLPRegressor((64, 64), early_stopping=True, max_iter=2000, random_state=seed)), transformer=StandardScaler())
    lin = make_pipeline(StandardScaler(), LinearRegression())
    r_mlp = r2_score(yte, mlp.fit(Xtr, ytr).predict(Xte))
    r_lin = r2_score(yte, lin.fit(Xtr, ytr).predict(Xte))
    metrics = os.path.join(folder, f"m{seed}.json")
    subprocess.run(["dotnet", "tools/Nn.Cli/bin/Release/net10.0/nn.dll", "train", "--data", csv, "--task", "regression", "--target-columns", "y",
                    "--seed", str(seed), "--test-fraction", "0.2", "--metrics", metrics, "--force", *nn_options], check=True, stdout=subprocess.DEVNULL)
    r_nn = json.load(open(metrics))["test"]["r2"]
    rows.append((r_nn, r_mlp, r_lin))
    print(f"seed {seed}: nn R² {r_nn:.3f}  MLPRegressor {r_mlp:.3f}  LinearRegression {r_lin:.3f}")
m = np.mean(rows, axis=0)
print(f"mean:   nn R² {m[0]:.3f}  MLPRegressor {m[1]:.3f}  LinearRegression {m[2]:.3f}  (nn − MLPRegressor {m[0] - m[1]:+.3f})")
print("nn options:", " ".join(nn_options))

"""The README's Fashion-MNIST recipe in PyTorch, for a side-by-side accuracy comparison with `nn`.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/pytorch/recipe.py [--seeds 1,2,3] [--epochs 20] [--threads 2]

Same recipe as `nn train` with the README's options: [784,512,256,10], ReLU hidden layers with
inverted dropout 0.2, softmax output with the log-likelihood cost, He initialisation (weights
N(0, 2/fan-in), biases 0); inputs standardised per pixel with the mean and (population) standard
deviation of the training split (a pixel with σ = 0 is only centred); 5,000 validation samples
carved at random from the 60,000 training samples (the test set is never seen before the end);
AdamW (lr 1e-3, β 0.9/0.999, ε 1e-8, weight decay 1e-4 on every parameter), mini-batch 128
reshuffled every epoch, the rate warmed up linearly over the first epoch's steps and then
cosine-decayed to 0 at the last epoch's last step, both per step; early stopping after 5 epochs
without a better validation accuracy, then the best epoch's weights are restored and evaluated on
the 10,000 test samples. The random streams are PyTorch's own (torch.manual_seed(seed)), so runs
match `nn` in distribution, not bit for bit. Prints one line per seed and the mean.

Needs Debian's python3-torch and python3-numpy (hence /usr/bin/python3), libopenblas0-pthread
(installing it makes OpenBLAS the system's BLAS; on the reference BLAS, Debian's torch runs its
products many times slower) and the Fashion-MNIST files of dataset-fashion-mnist in
/usr/share/datasets/fashion-mnist.
"""
import argparse, copy, gzip, math, statistics, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist/"


def idx(name, offset):
    with gzip.open(DATA + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load():
    images = lambda n: idx(n, 16).reshape(-1, 784).astype(np.float32) / 255
    labels = lambda n: idx(n, 8).astype(np.int64)
    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def model(sizes, dropout):
    layers = []
    for l in range(len(sizes) - 1):
        linear = nn.Linear(sizes[l], sizes[l + 1])
        nn.init.normal_(linear.weight, 0.0, math.sqrt(2.0 / sizes[l]))
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if l + 2 < len(sizes):
            layers += [nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        correct = sum(int((net(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum()) for s in range(0, len(x), 1000))
    net.train()
    return correct / len(x)


def run(seed, args, data):
    torch.manual_seed(seed)
    trx, trl, tex, tel = data
    order = torch.randperm(len(trx)).numpy()
    valid, train = order[:args.validation], order[args.validation:]
    mean = trx[train].astype(np.float64).mean(0)
    std = trx[train].astype(np.float64).std(0)
    scale = np.where(std > 0, 1 / np.where(std > 0, std, 1), 1.0)
    norm = lambda x: torch.from_numpy(((x - mean) * scale).astype(np.float32))
    x, y = norm(trx[train]), torch.from_numpy(trl[train])
    vx, vy = norm(trx[valid]), torch.from_numpy(trl[valid])
    tx, ty = norm(tex), torch.from_numpy(tel)

    net = model([784] + [int(s) for s in args.hidden.split(",")] + [10], args.dropout)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=args.weight_decay)
    steps = math.ceil(len(x) / args.batch)
    total, warmup = args.epochs * steps, args.warmup * steps

    def rate(step):  # the factor of lr for the step-th step (0-based), as nn's CosineDecay
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) if step < total else 0.0

    schedule = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    best, best_epoch, best_state, started = -1.0, 0, None, time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(x))
        for s in range(0, len(x), args.batch):
            batch = perm[s:s + args.batch]
            loss = F.cross_entropy(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        valid_accuracy = accuracy(net, vx, vy)
        if valid_accuracy > best:
            best, best_epoch, best_state = valid_accuracy, epoch, copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= args.patience:
            break
    net.load_state_dict(best_state)
    return accuracy(net, tx, ty), best_epoch, epoch, time.perf_counter() - started


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--hidden", default="512,256")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--patience", type=int, default=5)
    p.add_argument("--validation", type=int, default=5000)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = load()
    results = []
    for seed in (int(s) for s in args.seeds.split(",")):
        test, best_epoch, epochs, seconds = run(seed, args, data)
        results.append(test)
        print(f"seed {seed}: test accuracy {100 * test:.2f} %, best epoch {best_epoch} of {epochs}, {seconds:.0f} s", flush=True)
    print(f"mean test accuracy {100 * statistics.mean(results):.2f} % over {len(results)} seeds (torch {torch.__version__})")


if __name__ == "__main__":
    main()

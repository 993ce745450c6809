r"""
---
title: MNIST experiment for the optimizers
summary: Train a small convolutional network on MNIST, or offline on scikit-learn's digits, with any optimizer of the family, over several seeds, and compare their losses and accuracies.
---

# MNIST experiment

A small experiment to see the optimizers at work: a convolutional network
learns to read handwritten digits from [MNIST](https://yann.lecun.com/exdb/mnist/)
(60,000 training and 10,000 test images of $28 \times 28$ pixels), once per
optimizer and seed. For a given seed every optimizer starts from the same
initial weights and sees the same batches. At the end a table compares them.

```sh
python -m labml_nn.optimizers.mnist_experiment --optimizer radam --epochs 1
python -m labml_nn.optimizers.mnist_experiment --optimizer adam adabelief lion --epochs 2 --seeds 0 1 2
python -m labml_nn.optimizers.mnist_experiment --dataset digits --optimizer all --epochs 10
```

The data are the four IDX files MNIST is distributed as, read from `--data`
(default `data/mnist`). Missing files are downloaded and checked against their
published MD5 sums; without a network connection the script says which files to
put where.

`--dataset digits` needs no download: it uses the 1,797 handwritten digits of
$8 \times 8$ pixels that ship inside scikit-learn (`sklearn.datasets.load_digits`),
the first 1,437 for training and the other 360 for testing. It is the data set
behind the figure below, which anyone can redraw offline with `make figures`.

One run is one draw: a different seed gives other initial weights and another
order of batches, and on a problem this small that can change the ranking of
two optimizers. So `--seeds` takes several seeds, and the table gives the mean
and the standard deviation over them.

![Training loss per optimizer on scikit-learn's digits, mean and spread over seeds](optimizers_on_digits.svg)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import statistics
import struct
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from labml_nn.optimizers import WeightDecay
from labml_nn.optimizers.ada_belief import AdaBelief
from labml_nn.optimizers.adam import Adam
from labml_nn.optimizers.adam_warmup import AdamWarmup
from labml_nn.optimizers.adam_warmup_cosine_decay import AdamWarmupCosineDecay
from labml_nn.optimizers.amsgrad import AMSGrad
from labml_nn.optimizers.lion import Lion
from labml_nn.optimizers.noam import Noam
from labml_nn.optimizers.radam import RAdam

# Where the files are fetched from, and their MD5 sums as published with the data set
MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}


class DataError(Exception):
    """The data set is missing or damaged; the message says what to do."""


# ## Reading IDX files
#
# An IDX file is a tiny header followed by raw numbers: two zero bytes, a byte
# giving the element type (`0x08` for unsigned bytes), a byte giving the number
# of dimensions, then each dimension as a big-endian 32-bit integer.

def read_idx(path: Path) -> torch.Tensor:
    """
    Read an IDX file (optionally gzipped) into a tensor of unsigned bytes.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            data = file.read()
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot read: {error}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    if data[2] != 0x08:
        raise DataError(f"{path}: element type 0x{data[2]:02x} is not unsigned bytes")
    dims = data[3]
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(f"{path}: truncated header")
    shape = struct.unpack(f">{dims}I", data[4:header])
    expected = header + int(torch.tensor(shape).prod()) if dims else header
    if len(data) != expected:
        raise DataError(f"{path}: expected {expected - header} bytes of data for shape {shape}, found {len(data) - header}")
    # `bytearray` gives `frombuffer` a writable buffer it can share
    return torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8).reshape(shape)


def locate(folder: Path, name: str, download: bool) -> Path:
    """
    Find `name` in `folder`, gzipped or not; download it if allowed.
    """
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.exists():
            return candidate
    if not download:
        raise DataError(f"{folder / name}: missing; put the MNIST IDX files in {folder} or allow downloading")
    return fetch(folder, name)


def fetch(folder: Path, name: str) -> Path:
    """
    Download one file, verify its MD5 sum, and only then move it into place.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(MIRROR + name, timeout=30) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as error:
        raise DataError(
            f"cannot download {name} ({error}); without a network connection, copy the four MNIST files "
            f"({', '.join(FILES)}) into {folder}"
        ) from None
    digest = hashlib.md5(data).hexdigest()
    if digest != FILES[name]:
        raise DataError(f"{name}: downloaded file has MD5 {digest}, expected {FILES[name]}; not saved")
    partial.write_bytes(data)
    partial.replace(target)
    return target


@dataclass
class Split:
    """Images scaled to $[0, 1]$ with a channel axis, and their labels."""

    images: torch.Tensor
    labels: torch.Tensor

    def batches(self, size: int, generator: torch.Generator | None = None) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
        """Mini-batches in a shuffled order when given a generator, in file order otherwise."""
        order = torch.randperm(len(self.labels), generator=generator) if generator else torch.arange(len(self.labels))
        for start in range(0, len(order), size):
            index = order[start:start + size]
            yield self.images[index], self.labels[index]

    def head(self, limit: int | None) -> Split:
        """The first `limit` examples, or all of them for `None`."""
        return self if limit is None else Split(self.images[:limit], self.labels[:limit])


def load_split(folder: Path, prefix: str, download: bool, limit: int | None = None) -> Split:
    """Read one split (`train` or `t10k`), optionally only its first `limit` images."""
    images = read_idx(locate(folder, f"{prefix}-images-idx3-ubyte.gz", download))
    labels = read_idx(locate(folder, f"{prefix}-labels-idx1-ubyte.gz", download))
    if images.dim() != 3 or labels.dim() != 1 or len(images) != len(labels):
        raise DataError(f"{folder}: {prefix} images {tuple(images.shape)} and labels {tuple(labels.shape)} do not match")
    # Scale pixels from $\{0, \dots, 255\}$ to $[0, 1]$ and add the channel axis convolutions expect
    return Split(images.float().div_(255).unsqueeze(1), labels.long()).head(limit)


# ## scikit-learn's digits
#
# The images are stored as floats from 0 to 16, in a fixed order; the split is
# fixed too, so every run sees the same training and test sets.

DIGITS_TRAIN = 1437


def load_digits() -> tuple[Split, Split]:
    """The training and test splits of scikit-learn's `digits`."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = torch.tensor(bunch.images, dtype=torch.float32).div_(16).unsqueeze(1)
    labels = torch.tensor(bunch.target, dtype=torch.long)
    return (Split(images[:DIGITS_TRAIN], labels[:DIGITS_TRAIN]),
            Split(images[DIGITS_TRAIN:], labels[DIGITS_TRAIN:]))


# ## The model
#
# Two convolution layers with max pooling, then two fully connected layers: about
# 55,000 parameters for MNIST, small enough to train on a CPU in minutes.

class SmallCNN(nn.Module):
    r"""A small convolutional network for square grey images and ten classes."""

    def __init__(self, side: int = 28) -> None:
        """The layers; `side`, the image's width in pixels, is halved twice, so it must be a multiple of 4."""
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(32 * (side // 4) ** 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch of images of shape `(batch, 1, side, side)`."""
        # $28 \times 28 \to 14 \times 14 \to 7 \times 7$ for MNIST, $8 \times 8 \to 4 \times 4 \to 2 \times 2$ for digits
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        # Logits for the ten digits
        return self.fc2(x)


# ## The optimizers to compare
#
# Each entry builds an optimizer for given parameters with settings that suit
# this problem; `steps` is the number of steps the run will take, for the
# schedules that need it.

OPTIMIZERS: dict[str, Callable[[Iterable[nn.Parameter], int], torch.optim.Optimizer]] = {
    "adam": lambda p, steps: Adam(p, lr=1e-3),
    "adamw": lambda p, steps: Adam(p, lr=1e-3, weight_decay=WeightDecay(1e-2)),
    "amsgrad": lambda p, steps: AMSGrad(p, lr=1e-3),
    "adam_warmup": lambda p, steps: AdamWarmup(p, lr=1e-3, warmup=max(1, steps // 10)),
    "adam_warmup_cosine_decay": lambda p, steps: AdamWarmupCosineDecay(
        p, lr=2e-3, warmup=max(1, steps // 10), total_steps=max(2, steps)),
    "noam": lambda p, steps: Noam(p, lr=1.0, warmup=max(1, steps // 10), d_model=128),
    "radam": lambda p, steps: RAdam(p, lr=1e-3),
    "adabelief": lambda p, steps: AdaBelief(p, lr=1e-3),
    "lion": lambda p, steps: Lion(p, lr=1e-4, weight_decay=WeightDecay(1e-1)),
}


@dataclass
class Result:
    """One run: an optimizer and a seed, with the training loss of every step."""
    optimizer: str
    seed: int
    losses: list[float]
    train_loss: float
    test_loss: float
    test_accuracy: float
    seconds: float


def evaluate(model: nn.Module, data: Split, batch_size: int) -> tuple[float, float]:
    """Mean loss and accuracy over a whole split."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in data.batches(batch_size):
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
    return total_loss / len(data.labels), correct / len(data.labels)


def train(name: str, train_data: Split, test_data: Split, epochs: int, batch_size: int, seed: int,
          progress: bool = True) -> Result:
    """
    Train a fresh model with one optimizer. The seed fixes both the initial
    weights and the order of the batches, so every optimizer sees the same.
    """
    torch.manual_seed(seed)
    model = SmallCNN(side=train_data.images.shape[-1])
    steps = epochs * -(-len(train_data.labels) // batch_size)
    optimizer = OPTIMIZERS[name](model.parameters(), steps)
    shuffle = torch.Generator().manual_seed(seed)

    started = time.perf_counter()
    bar = tqdm(total=steps, desc=f"{name:>24} seed {seed}", unit="step", disable=not progress, file=sys.stderr)
    losses: list[float] = []
    running = 0.0
    for _ in range(epochs):
        model.train()
        for images, labels in train_data.batches(batch_size, shuffle):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            # A smoothed loss for the progress bar and the table, counted by our own steps,
            # not by the bar's, which stays at zero when the bar is disabled
            running = losses[0] if len(losses) == 1 else 0.95 * running + 0.05 * losses[-1]
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}")
    bar.close()

    test_loss, accuracy = evaluate(model, test_data, 1000)
    return Result(name, seed, losses, running, test_loss, accuracy, time.perf_counter() - started)


def mean_and_spread(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    mean = statistics.fmean(values)
    return mean, statistics.stdev(values) if len(values) > 1 else 0.0


def results_table(results: list[Result]) -> str:
    """
    A Markdown table, so it can be pasted into notes as it is: one row per
    optimizer, mean ± standard deviation over its seeds, best accuracy first.
    """
    by_name: dict[str, list[Result]] = {}
    for r in results:
        by_name.setdefault(r.optimizer, []).append(r)
    rows = ["| optimizer | seeds | train loss | test loss | test accuracy | time per run |",
            "|---|---:|---:|---:|---:|---:|"]

    def cell(values: list[float], scale: float = 1.0, digits: int = 4, unit: str = "") -> str:
        mean, spread = mean_and_spread([scale * v for v in values])
        return f"{mean:.{digits}f}{unit} ± {spread:.{digits}f}{unit}"

    ranked = sorted(by_name.items(), key=lambda item: -statistics.fmean(r.test_accuracy for r in item[1]))
    for name, runs in ranked:
        rows.append(f"| {name} | {len(runs)} | {cell([r.train_loss for r in runs])} "
                    f"| {cell([r.test_loss for r in runs])} "
                    f"| {cell([r.test_accuracy for r in runs], 100, 2, '%')} "
                    f"| {statistics.fmean(r.seconds for r in runs):.1f}s |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load the data, train with each optimizer and print the table."""
    parser = argparse.ArgumentParser(description="Compare optimizers on MNIST or scikit-learn's digits.")
    parser.add_argument("--optimizer", nargs="+", default=["adam"], choices=[*OPTIMIZERS, "all"])
    parser.add_argument("--dataset", choices=["mnist", "digits"], default="mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", type=Path, default=Path("data/mnist"))
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--seeds", type=int, nargs="+", default=[5], help="one run per optimizer and seed")
    parser.add_argument("--no-download", action="store_true", help="never try the network")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    if args.epochs < 1 or args.batch_size < 1:
        parser.error("--epochs and --batch-size must be at least 1")
    names = list(OPTIMIZERS) if "all" in args.optimizer else args.optimizer

    try:
        if args.dataset == "digits":
            train_data, test_data = load_digits()
            train_data = train_data.head(args.limit)
        else:
            train_data = load_split(args.data, "train", not args.no_download, args.limit)
            test_data = load_split(args.data, "t10k", not args.no_download)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    results = [train(name, train_data, test_data, args.epochs, args.batch_size, seed, not args.no_progress)
               for name in names for seed in args.seeds]
    print(results_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The MNIST experiment, end to end, on small IDX files made here."""

from __future__ import annotations

import gzip
import hashlib
import statistics
import struct
import urllib.error
from pathlib import Path

import pytest
import torch

from labml_nn.optimizers import mnist_experiment as experiment


def write_idx(path: Path, array: torch.Tensor, compress: bool) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.dim()) + struct.pack(f">{array.dim()}I", *array.shape)
    data = header + array.to(torch.uint8).numpy().tobytes()
    if compress:
        path.write_bytes(gzip.compress(data))
    else:
        path.with_name(path.name.removesuffix(".gz")).write_bytes(data)


def synthetic_digits(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each label lights a different 6x6 patch, on top of noise: learnable, but not trivially."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (count,), generator=generator)
    images = torch.randint(0, 80, (count, 28, 28), generator=generator)
    for i, label in enumerate(labels.tolist()):
        row, col = divmod(label, 5)
        images[i, 4 + 12 * row: 10 + 12 * row, 2 + 5 * col: 8 + 5 * col] += 170
    return images.clamp(0, 255), labels


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "mnist"
    folder.mkdir()
    for prefix, count, seed, compress in (("train", 512, 1, True), ("t10k", 200, 2, False)):
        images, labels = synthetic_digits(count, seed)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images, compress)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels, compress)
    return folder


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = experiment.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_trains_and_compares_optimizers(data: Path, capsys) -> None:
    code, out, _ = run(["--optimizer", "adam", "radam", "lion", "--epochs", "3", "--batch-size", "32",
                        "--data", str(data), "--no-download", "--no-progress"], capsys)
    assert code == 0
    rows = {line.split("|")[1].strip(): line for line in out.splitlines()[2:]}
    assert set(rows) == {"adam", "radam", "lion"}
    accuracy = {name: float(row.split("|")[5].split("±")[0].strip().rstrip("%")) for name, row in rows.items()}
    # The patches are easy to find: Adam must have learned them
    assert accuracy["adam"] > 90.0


def test_a_fixed_seed_gives_identical_results(data: Path, capsys) -> None:
    args = ["--optimizer", "adabelief", "--epochs", "1", "--data", str(data), "--no-download", "--no-progress"]
    _, first, _ = run(args, capsys)
    _, second, _ = run(args, capsys)
    strip_time = lambda table: [line.rsplit("|", 2)[0] for line in table.splitlines()]
    assert strip_time(first) == strip_time(second)


def test_progress_bar_shows_steps(data: Path, capsys) -> None:
    code, _, err = run(["--optimizer", "noam", "--data", str(data), "--no-download", "--limit", "64", "--batch-size", "32"], capsys)
    assert code == 0 and "noam" in err and "2/2" in err


def test_missing_data_offline_says_what_to_do(tmp_path: Path, capsys, monkeypatch) -> None:
    def offline(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(experiment.urllib.request, "urlopen", offline)
    code, out, err = run(["--data", str(tmp_path / "none"), "--no-progress"], capsys)
    assert code == 2 and out == ""
    assert "cannot download train-images-idx3-ubyte.gz" in err and str(tmp_path / "none") in err
    assert "Traceback" not in err


class FakeResponse:
    """What `urlopen` returns, serving fixed bytes."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self) -> bytes:
        return self.payload


def test_download_with_wrong_checksum_is_not_saved(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(experiment.urllib.request, "urlopen", lambda *a, **k: FakeResponse(b"not the real file"))
    with pytest.raises(experiment.DataError, match="MD5"):
        experiment.fetch(tmp_path, "t10k-labels-idx1-ubyte.gz")
    assert list(tmp_path.iterdir()) == []


def test_download_with_right_checksum_is_saved(tmp_path: Path, monkeypatch) -> None:
    payload = b"pretend data"
    monkeypatch.setitem(experiment.FILES, "t10k-labels-idx1-ubyte.gz", hashlib.md5(payload).hexdigest())
    monkeypatch.setattr(experiment.urllib.request, "urlopen", lambda *a, **k: FakeResponse(payload))
    path = experiment.fetch(tmp_path, "t10k-labels-idx1-ubyte.gz")
    assert path.read_bytes() == payload


def test_damaged_idx_files_are_reported(tmp_path: Path) -> None:
    truncated = tmp_path / "x-idx3-ubyte"
    truncated.write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 10, 28, 28) + b"\0" * 100)
    with pytest.raises(experiment.DataError, match="expected 7840 bytes"):
        experiment.read_idx(truncated)
    wrong = tmp_path / "y"
    wrong.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(experiment.DataError, match="magic"):
        experiment.read_idx(wrong)


def test_reads_what_it_wrote(tmp_path: Path) -> None:
    images, _ = synthetic_digits(3, 0)
    write_idx(tmp_path / "a.gz", images, compress=True)
    assert torch.equal(experiment.read_idx(tmp_path / "a.gz"), images.to(torch.uint8))


def ema(values: list[float], beta: float = 0.95) -> float:
    running = values[0]
    for value in values[1:]:
        running = beta * running + (1 - beta) * value
    return running


@pytest.mark.parametrize("progress", [False, True])
def test_train_loss_is_smoothed_with_or_without_the_progress_bar(data: Path, progress: bool) -> None:
    train_data = experiment.load_split(data, "train", download=False, limit=256)
    test_data = experiment.load_split(data, "t10k", download=False)
    result = experiment.train("adam", train_data, test_data, epochs=2, batch_size=32, seed=0, progress=progress)
    assert len(result.losses) == 16
    # Independent of tqdm's counter: the moving average of the recorded losses, not the last one
    assert result.train_loss == pytest.approx(ema(result.losses), rel=1e-12)
    assert result.train_loss != result.losses[-1]


def test_several_seeds_give_mean_and_spread(data: Path, capsys) -> None:
    args = ["--optimizer", "adam", "--epochs", "1", "--batch-size", "64", "--limit", "128",
            "--data", str(data), "--no-download", "--no-progress"]
    singles = []
    for seed in ("1", "2", "3"):
        _, out, _ = run([*args, "--seeds", seed], capsys)
        singles.append(float(out.splitlines()[2].split("|")[4].split("±")[0]))
    _, out, _ = run([*args, "--seeds", "1", "2", "3"], capsys)
    row = out.splitlines()[2].split("|")
    assert row[2].strip() == "3"
    mean, spread = (float(x) for x in row[4].split("±"))
    # Against the standard library's mean and sample standard deviation of the single runs
    assert mean == pytest.approx(statistics.fmean(singles), abs=1e-4)
    assert spread == pytest.approx(statistics.stdev(singles), abs=1e-4)
    assert spread > 0


def test_digits_ship_with_scikit_learn_and_are_learnable(capsys) -> None:
    from sklearn.datasets import load_digits

    train_data, test_data = experiment.load_digits()
    reference = load_digits()
    assert train_data.images.shape == (1437, 1, 8, 8) and test_data.images.shape == (360, 1, 8, 8)
    assert torch.equal(torch.cat([train_data.labels, test_data.labels]), torch.tensor(reference.target))
    torch.testing.assert_close(test_data.images[-1, 0] * 16, torch.tensor(reference.images[-1], dtype=torch.float32))
    code, out, _ = run(["--dataset", "digits", "--optimizer", "adam", "--epochs", "5", "--batch-size", "32",
                        "--no-progress"], capsys)
    assert code == 0
    accuracy = float(out.splitlines()[2].split("|")[5].split("±")[0].strip().rstrip("%"))
    assert accuracy > 80.0

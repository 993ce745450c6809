r"""
# A formula-heavy benchmark corpus

`generate(folder, files=220, seed=13)` writes a tree of annotated Python
modules that looks like research code: a docstring and comments full of
formulas (`$…$`, `$$…$$` and `\begin{align}…\end{align}` blocks), bullet lists,
tables, and long functions. Everything is made here from small word lists
and formula patterns, so anyone can reproduce the benchmark without
third-party text. The same seed and size always give the same bytes.

With the defaults the corpus has about 220 files and about 1,500 distinct
formulas used about 3,600 times: every distinct formula appears once, and
the rest of the uses repeat formulas of the same "topic" (as a real paper's
notation recurs on its pages). `generate` returns a `Stats` record of what
it wrote.

    python bench/corpus.py OUT [--files 220] [--seed 13]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

# Words for prose: enough variety that paragraphs differ, written for this corpus
_NOUNS = ["gradient", "moment", "estimate", "step size", "parameter", "update", "buffer", "learning rate",
          "variance", "bias", "schedule", "norm", "batch", "state", "weight", "residual", "loss", "curvature"]
_VERBS = ["scales", "corrects", "tracks", "bounds", "smooths", "accumulates", "normalises", "damps",
          "averages", "clips", "rescales", "shifts"]
_ADJECTIVES = ["running", "decayed", "unbiased", "clipped", "adaptive", "stable", "sparse", "second-order",
               "first-order", "centred", "warm", "noisy"]
_TOPICS = ["momentum", "adaptive", "schedule", "regular", "sketch", "trust", "natural", "lookahead", "shampoo",
           "signum", "proximal", "mirror"]

_SYMBOLS = [r"\theta", r"m", r"v", r"g", r"\beta", r"\alpha", r"\eta", r"\lambda", r"u", r"w", r"x", r"\rho",
            r"\sigma", r"\mu", r"s", r"h", r"\gamma", r"z", r"\hat{m}", r"\hat{v}", r"\tilde{g}", r"\bar{x}"]
_INDICES = ["t", "t-1", "t+1", "k", "i", "j", "{t,i}", "0", "T", "n"]
_FUNCTIONS = [r"\sqrt", r"\log", r"\exp", r"\tanh"]


@dataclass
class Stats:
    files: int = 0
    lines: int = 0
    distinct_formulas: int = 0
    formula_uses: int = 0


def _symbol(rng: random.Random) -> str:
    name, index = rng.choice(_SYMBOLS), rng.choice(_INDICES)
    return f"{name}_{{{index}}}" if len(index) > 1 and not index.startswith("{") else f"{name}_{index}"


def _formula(rng: random.Random) -> tuple[str, str]:
    """One formula and how it is written: 'inline', 'display' or 'align'."""
    a, b, c, d = (_symbol(rng) for _ in range(4))
    f = rng.choice(_FUNCTIONS)
    shape = rng.randrange(10)
    if shape == 0:
        return "align", (f"\\begin{{align}}\n{a} &\\leftarrow {b} {a} + (1 - {b}) {c} \\\\\n"
                         f"{d} &\\leftarrow \\frac{{{a}}}{{1 - {b}^t}}\n\\end{{align}}")
    if shape in (1, 2):
        forms = [
            f"{a} = {b} - \\frac{{{c}}}{{{f}{{{d}}} + \\epsilon}}",
            f"\\mathcal{{L}}({a}) = \\frac{{1}}{{n}} \\sum_{{i=1}}^{{n}} \\left( {b} - {c} \\right)^2",
            f"{a} = \\operatorname{{clip}}\\left({b}, -{c}, {d}\\right)",
            f"\\mathbb{{E}}\\left[{a}\\right] = (1 - {b}^t)\\, \\mathbb{{E}}\\left[{c}\\right]",
        ]
        return "display", rng.choice(forms)
    forms = [f"{a}", f"{a} + {b}", f"{a} \\odot {b}", f"{f}{{{a}}}", f"{a}^2", f"\\lVert {a} \\rVert_2",
             f"{a} \\in \\mathbb{{R}}^d", f"\\frac{{{a}}}{{{b}}}", f"{a} \\approx {b}", f"\\nabla_{{{a}}} {b}"]
    return "inline", rng.choice(forms)


def _sentence(rng: random.Random, formulas: list[str]) -> str:
    words = [rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.choice(_VERBS), "the", rng.choice(_NOUNS)]
    for formula in formulas:
        words.insert(rng.randrange(1, len(words) + 1), f"${formula}$")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _code(rng: random.Random, name: str, lines: int) -> list[str]:
    """A plausible function: arithmetic on lists, loops and branches, `lines` lines long."""
    out = [f"def {name}(params, grads, state, lr=1e-3, beta=0.9, eps=1e-8):",
           f'    """Update `params` in place; return the new state ({rng.choice(_ADJECTIVES)} variant)."""',
           "    step = state.get('step', 0) + 1",
           "    moments = state.setdefault('moments', [0.0] * len(params))"]
    while len(out) < lines - 2:
        k = len(out)
        choice = rng.randrange(4)
        if choice == 0:
            out += ["    for i, (p, g) in enumerate(zip(params, grads)):",
                    f"        moments[i] = beta * moments[i] + (1 - beta) * g * {rng.randint(1, 9)}",
                    f"        params[i] = p - lr * moments[i] / ((abs(moments[i]) ** 0.5) + eps)  # scale {k}"]
        elif choice == 1:
            out += [f"    if step % {rng.randint(2, 50)} == 0:",
                    f"        lr = lr * {rng.choice(['0.5', '0.9', '0.99'])}",
                    "    else:",
                    f"        lr = min(lr * 1.0{rng.randint(1, 9)}, 1.0)"]
        elif choice == 2:
            out += [f"    total_{k} = sum(m * m for m in moments)",
                    f"    norm_{k} = total_{k} ** 0.5 if total_{k} > 0 else 1.0",
                    f"    moments = [m / max(norm_{k}, {rng.randint(1, 5)}.0) for m in moments]"]
        else:
            out += [f"    bias_{k} = 1 - beta ** step",
                    f"    state['bias_{k}'] = bias_{k}  # kept for the {rng.choice(_NOUNS)}"]
    out += ["    state['step'] = step", "    return state"]
    return out


def _module(rng: random.Random, title: str, uses: list[tuple[str, str]], code_lines: int) -> str:
    """One annotated module using `uses` (formula, shape) in its prose, in order."""
    uses = list(uses)
    parts = ['"""', f"# {title}", "", _sentence(rng, [u[1] for u in uses[:1] if u[0] == "inline"]), ""]
    if uses and uses[0][0] == "inline":
        uses.pop(0)
    parts += ['"""', "", "import math", ""]
    function = 0
    while uses:
        chunk, uses = uses[: rng.randint(2, 5)], uses
        uses = uses[len(chunk):]
        comment = [f"## {rng.choice(_ADJECTIVES).capitalize()} {rng.choice(_NOUNS)}", ""]
        inline = [f for shape, f in chunk if shape == "inline"]
        blocks = [(shape, f) for shape, f in chunk if shape != "inline"]
        style = rng.randrange(3)
        if style == 0 and inline:
            comment += [f"* {_sentence(rng, [f])}" for f in inline]
        elif style == 1 and inline:
            comment += ["| symbol | meaning |", "|---|---|"]
            comment += [f"| ${f}$ | the {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} |" for f in inline]
        elif inline:
            comment += [_sentence(rng, inline)]
        for shape, f in blocks:
            comment += ["", f"$${f}$$" if shape == "display" else f, ""]
        comment += [_sentence(rng, [])]
        parts += [f"# {line}".rstrip() for line in "\n".join(comment).split("\n")]
        function += 1
        parts += _code(rng, f"{rng.choice(_TOPICS)}_step_{function}", rng.randint(code_lines // 2, code_lines))
        parts.append("")
    return "\n".join(parts) + "\n"


def generate(folder: Path, files: int = 220, seed: int = 13, distinct: int | None = None,
             uses: int | None = None) -> Stats:
    """Write the corpus into `folder` (created); the same arguments always give the same files."""
    rng = random.Random(seed)
    distinct = distinct if distinct is not None else round(files * 1500 / 220)
    uses = uses if uses is not None else round(distinct * 3600 / 1500)
    pool: dict[str, str] = {}
    while len(pool) < distinct:
        shape, tex = _formula(rng)
        pool.setdefault(tex, shape)
    formulas = list(pool.items())
    # Every formula once, then repeats; each file draws from its own stretch of the pool (its "notation")
    topics = _TOPICS[: max(1, min(len(_TOPICS), files // 18))]
    files -= len(topics)  # each topic folder also has an `__init__.py`
    per_file: list[list[tuple[str, str]]] = [[] for _ in range(files)]
    for index, (tex, shape) in enumerate(formulas):
        per_file[index * files // len(formulas)].append((shape, tex))
    for _ in range(uses - len(formulas)):
        target = rng.randrange(files)
        start = target * len(formulas) // files
        tex, shape = formulas[min(len(formulas) - 1, start + rng.randrange(max(1, len(formulas) // files)))]
        per_file[target].insert(rng.randrange(len(per_file[target]) + 1), (shape, tex))
    stats = Stats(files=files + len(topics), distinct_formulas=len(formulas), formula_uses=sum(map(len, per_file)))
    for index, file_uses in enumerate(per_file):
        topic = topics[index % len(topics)]
        path = folder / topic / f"{topic}_{index:03d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        # A few files have very long code, as real model code does
        code_lines = 400 if index % 25 == 0 else 40
        text = _module(rng, f"{topic.capitalize()} optimizer {index}", file_uses, code_lines)
        path.write_text(text, encoding="utf-8")
        stats.lines += text.count("\n")
    for topic in topics:
        (folder / topic / "__init__.py").write_text(f'"""\n# {topic.capitalize()} optimizers\n"""\n')
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=220)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    print(generate(args.out, args.files, args.seed))


if __name__ == "__main__":
    main()

"""
---
title: How this site is built
summary: The generator behind these pages, written as a literate program and rendered by itself.
---

# How this site is built

`site_gen` turns Python whose docstrings and comments are Markdown into the
side-by-side pages you are reading. It never imports the code it documents; it
reads it as text. The pipeline has one module per stage:

| stage | module | in → out |
|---|---|---|
| settings | [config](config.py) | `pyproject.toml` → `Config` |
| records | [model](model.py) | the dataclasses passed between stages |
| split | [split](split.py) | source text → sections of prose and code lines |
| highlight | [highlight](highlight.py) | source text → HTML of each line |
| math | [math](math.py) | LaTeX → HTML and MathML |
| prose | [prose](prose.py) | Markdown → HTML, math and links handled |
| files | [files](files.py) | source folders → pages, links resolved and checked |
| assets | [assets](assets.py) | stylesheets, KaTeX's CSS and fonts |
| templates | [page](page.py) | Jinja2 templates → HTML |
| build | [build](build.py) | all of the above → `html/` |
| command line | [cli](cli.py) | `site-gen build` |
"""

"""
---
title: How this site is built
summary: The generator behind these pages, written as a literate program and rendered by itself.
---

# How this site is built

`site_gen` turns Python whose docstrings and comments are Markdown into the
side-by-side pages you are reading. It never imports the code it documents; it
reads it as text. A source goes through these stages, one module each:

| stage | module | in → out |
|---|---|---|
| settings | [config](config.py) | `pyproject.toml` → `Config` |
| records | [model](model.py) | the dataclasses passed between stages |
| discover | [files](files.py) | source folders → `Source`s, the `FileMap`, and links resolved against it |
| read | [read](read.py) | sources → a `Reading`: documents, code highlighted once |
| document | [document](document.py) | a file → its text, sections, title and summary |
| split | [split](split.py) | source text → sections of prose and code lines |
| highlight | [highlight](highlight.py) | source text → HTML of each line |
| lexing | [lexing](lexing.py) | source text → Pygments' Python tokens, its rules tried per first character |
| plan | [plan](plan.py) | documents, tables, settings → a `Task` per output; its hash is its cache key |
| produce | [produce](produce.py) | tasks → each output, from the cache or rendered, handed to `write` at once; a small `Made` record each |
| workers | [workers](workers.py) | work shared out between cores, results in order |
| symbols | [symbols](symbols.py) | a formula → the same, each symbol marked |
| grammar | [grammar](grammar.py) | Markdown-with-math → tokens: formulas, code, comments, raw HTML |
| math | [math](math.py) | LaTeX → MathML, symbols marked |
| MathML | [mathml](mathml.py) | KaTeX's MathML → the same, as browsers should draw it |
| KaTeX process | [katex_process](katex_process.py) | KaTeX run in a child process that errors cannot damage |
| prose | [prose](prose.py) | Markdown → HTML, math and links handled, sanitised |
| roles | [roles](roles.py) | Sphinx cross-references (`:class:`, `:meth:`…) → the code they name |
| translate | [translate](translate.py) | string tables: load, look up, check, update |
| templates | [page](page.py) | Jinja2 templates → HTML |
| render | [render](render.py) | a document in one language → its page (pure: no disk reads) |
| assets | [assets](assets.py) | stylesheets, script, the math font (subset) |
| assemble | [assemble](assemble.py) | per-page records → the other files of the site: search indexes, sitemap, linked files |
| write | [write](write.py) | each file, as it is made → a staging folder → `html/`, whole or not at all |
| cache | [cache](cache.py) | results kept by the hash of their inputs |
| build | [build](build.py) | the stages above, one call each |
| serve | [serve](serve.py) | a local server that rebuilds and reloads on change |
| command line | [cli](cli.py) | `site-gen build`, `serve`, `translate` |
"""

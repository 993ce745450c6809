"""`python -m site_gen …`: the `site-gen` command."""

from .command import run

run()

"""
---
title: Annotated optimizers
summary: Deep-learning optimizers implemented in PyTorch and explained line by line, with the maths beside the code.
---

# Annotated optimizers

Each page puts an explanation on the left and the code it explains on the
right. Start with [the optimizers](optimizers/__init__.py), or read
[how this site is built](../site_gen/__init__.py).
"""

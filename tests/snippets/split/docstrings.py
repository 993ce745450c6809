"""
---
title: Docstrings
summary: Module, class and function docstrings.
---

# Module prose with $\alpha_t$ and `__init__.py`
"""

import math


class Accumulator:
    r"""
    A class docstring; backslashes stay as typed: $\frac{a}{b}$.
    """

    @staticmethod
    @property
    def value(x):
        '''A one-line docstring beside a decorated method.'''
        return x

    async def later(self):
        """Async functions have docstrings too."""
        return await self.value(1)

    def inline(self): "not alone on its line"; return 1

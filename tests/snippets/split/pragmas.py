#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Shebang and coding lines stay in the code."""
print("hi")

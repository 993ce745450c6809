"""A file that tokenizes but does not parse."""
# Its comments are still prose.
def f(:
    return 1

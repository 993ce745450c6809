# A comment before a decorated function joins its docstring.
@first(
    # a comment inside the decorator list stays in the code
    option=True,
)
@second
def decorated():
    """The docstring of a decorated function."""
    pass

# A block of full-line comments
# is the prose of the code below it.
x = 1  # a trailing comment stays in the code
url = "http://example.org/#anchor"  # the first # is inside a string

# Two comment blocks separated by a blank line

# are one piece of prose with two paragraphs.
y = """
# inside a triple-quoted string: code, not prose
"""


def f():
    # Comments inside a function
    # explain the lines that follow.
    return y
    # A comment at the end of a block

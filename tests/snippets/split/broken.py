# This file does not tokenize:
x = """never closed
# a line that looks like a comment
y = 2

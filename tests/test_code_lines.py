"""
A row's code lines are made in Python (`render.code_lines`, a page has
thousands), exactly as the template loop they replace made them: that loop
is the reference here, rendered by Jinja with the build's settings.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from jinja2 import Environment
from markupsafe import Markup

from site_gen.render import code_lines

# The loop `templates/page.html` held, word for word
_LOOP = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    '{% set first, last = shown %}{% for number, html in code %}{% set edge = number < first or number > last %}'
    '<span class="line{% if edge %} edge{% endif %}" id="L{{ number }}">{% if line_href %}<a class="ln" '
    'href="{{ line_href }}{{ number }}" aria-hidden="true" tabindex="-1">{{ number }}</a>{% else %}'
    '<span class="ln" aria-hidden="true">{{ number }}</span>{% endif %}{{ html }}</span>'
    '{% if not edge and number < last %}{{ "\\n" }}{% endif %}{% endfor %}')

_html = st.sampled_from(["", "x = 1", '<span class="k">def</span> f():', "&lt;&amp;", "    "])


@settings(max_examples=200, deadline=None)
@given(start=st.integers(1, 5000), lines=st.lists(_html, max_size=12), data=st.data(),
       line_href=st.sampled_from(["", "https://example.org/a.py#L", 'https://x/?a=1&b="2"#L', "<'>#L"]))
def test_code_lines_are_what_the_template_loop_made(start: int, lines: list[str], data, line_href: str) -> None:
    code = [(start + at, html) for at, html in enumerate(lines)]
    # The lines shown: those not blank, or every line if all are (as `render_page` picks them)
    shown = [n for n, html in code if data.draw(st.booleans())] or [n for n, _ in code]
    span = (shown[0], shown[-1]) if shown else (0, 0)
    expected = _LOOP.render(code=[(n, Markup(html)) for n, html in code], shown=span, line_href=line_href)
    assert code_lines(code, shown, line_href) == expected

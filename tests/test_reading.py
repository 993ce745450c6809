"""What a reader meets, in real headless Chromium, at a phone's, a tablet's and a
laptop's width, in the light and the dark theme (issue 12).

Each test states an invariant of the reading experience and checks it on the
built site; the `view` fixture runs it at 375, 768 and 1280 px in both themes.
Like every browser test, a page fails on a console error or an outside request.
"""

from __future__ import annotations

import re

import pytest

from site_gen.cli import main
from test_browser import SITE, Page, browser, server  # noqa: F401 - fixtures shared with the other browser tests

WIDTHS = (375, 768, 1280)
THEMES = ("light", "dark")
LANGUAGES = ("", "ja/", "zh/")


@pytest.fixture(params=[(w, t) for w in WIDTHS for t in THEMES], ids=lambda v: f"{v[0]}-{v[1]}")
def view(request, browser, server):  # noqa: F811 - pytest fixtures by name
    width, theme = request.param
    page = Page(browser, server, width=width, theme=theme)
    page.width, page.theme = width, theme
    yield page
    page.close()


def _search(page, query: str) -> None:
    page.locator("#search-input").fill(query)
    page.locator("#search-status").filter(has_text=re.compile(r"\S")).wait_for()


# ## 1. Search results open on screen

def test_search_results_stay_on_screen(view) -> None:
    page = view.open("optimizers/radam.html")
    _search(page, "adam")
    box = page.locator("#search-results").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= view.width, box
    link = page.locator("#search-results a").first.bounding_box()
    assert link["x"] >= 0 and link["x"] + link["width"] <= view.width


# ## 2. The language switcher keeps the section

def test_language_links_keep_the_section(view) -> None:
    page = view.open("optimizers/adam.html#why-the-bias-correction")
    page.locator(".languages a[hreflang='ja']").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/ja/optimizers/adam.html#why-the-bias-correction")
    top = page.locator("#why-the-bias-correction").bounding_box()["y"]
    assert -2 <= top < 900 * 0.5  # scrolled to it
    # A section chosen after the page loaded is kept too
    page.locator(".contents summary").click()
    page.locator(".contents a[href='#the-algorithm']").click()
    page.locator(".languages a[hreflang='zh']").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/zh/optimizers/adam.html#the-algorithm")


# ## 3. Formulas: numbers beside them, no needless scrollbar, a hint when they scroll

# A numbered formula is a row of table cells: the number's last, the formula's those with content
FORMULAS = """() => [...document.querySelectorAll('.doc .math-block')].map(display => {
  const overflow = display.scrollWidth - display.clientWidth;
  const tag = display.querySelector('mtd.eqn-tag') || display.querySelector('mtable[width="100%"] > mtr')?.lastElementChild;
  const t = tag && tag.getBoundingClientRect();
  const formula = tag ? [...tag.parentElement.children].filter(c => c !== tag && c.firstElementChild) : [];
  const overlaps = !!tag && formula.map(c => c.firstElementChild).some(base => {
    const b = base.getBoundingClientRect();
    return b.right > t.left + 0.5 && t.right > b.left + 0.5 && b.bottom > t.top && t.bottom > b.top;
  });
  const hint = getComputedStyle(display).backgroundImage.includes('gradient');
  return {overflow, overlaps, hint, text: display.textContent.slice(0, 40)};
})"""


@pytest.mark.parametrize("path", ["optimizers/ada_belief.html", "optimizers/amsgrad.html", "optimizers/adam.html",
                                  "optimizers/radam.html", "zh/optimizers/ada_belief.html"])
def test_formulas_fit_or_scroll_with_a_hint(view, path: str) -> None:
    formulas = _laid_out(view.open(path)).evaluate(FORMULAS)
    assert formulas
    assert [f for f in formulas if f["overlaps"]] == []  # an equation number never sits on its formula
    assert [f for f in formulas if 0 < f["overflow"] <= 4] == []  # no scrollbar for a pixel or two
    assert [f for f in formulas if f["overflow"] > 0 and not f["hint"]] == []


# ## 4. Contents keep their hierarchy; code stands apart from prose in both themes

def test_contents_keep_their_hierarchy_in_one_column(view) -> None:
    page = view.open("optimizers/adam.html")
    # Closed, the contents leave the first paragraph on the first screen, aligned with the prose
    assert page.locator(".row .doc p").first.bounding_box()["y"] < 900
    left = lambda selector: page.locator(selector).first.bounding_box()["x"]  # noqa: E731
    assert abs(left(".contents") - left(".row .doc h1")) < 2
    page.locator(".contents summary").click()
    assert page.evaluate("[...document.querySelectorAll('.contents ul')].every(u => getComputedStyle(u).columnCount === 'auto')")
    parents = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.contents a')].map(a =>
        [a.textContent, a.parentElement.parentElement.closest('li')?.querySelector(':scope > a').textContent ?? null]))""")
    assert parents["Initialise the state"] == "Adam optimizer"
    assert parents["The algorithm"] is None
    # Each sub-item starts to the right of its parent
    x = lambda text: page.locator(".contents a", has_text=text).first.bounding_box()["x"]  # noqa: E731
    assert x("Initialise the state") > x("Adam optimizer") + 4


def test_code_stands_apart_from_the_prose(view) -> None:
    page = view.open("optimizers/adam.html")
    colours = page.evaluate("""() => [getComputedStyle(document.body).backgroundColor,
        getComputedStyle(document.querySelector('.row .code')).backgroundColor,
        getComputedStyle(document.querySelector('.row .code pre')).backgroundColor]""")
    body, column, pre = colours
    assert column != body
    assert pre in (column, "rgba(0, 0, 0, 0)")  # the pre shows the column's colour


def _laid_out(page):
    """The page with every row laid out: rows off screen skip layout (content-visibility), so measuring them needs this."""
    page.add_style_tag(content="section.row { content-visibility: visible !important; }")
    return page


def _hover(page, element) -> None:
    """Put the pointer on an element and make sure it is still there once the layout settles.

    Rows off screen are laid out only when shown (content-visibility), so scrolling to one can
    move it out from under the pointer; hover again until the element holds the hover.
    """
    for _ in range(5):
        element.scroll_into_view_if_needed()
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        element.hover()
        if element.evaluate("e => e.matches(':hover')"):
            return
    raise AssertionError("the element never kept the pointer")


# ## 5. Density and keyboard

def _rows_taller_than_their_code(page) -> list[dict]:
    """Code columns taller than their lines plus a little padding: a bar for Copy or the line range would be one."""
    rows = page.evaluate("""() => [...document.querySelectorAll('.row .code')].map(code => {
        const pre = code.querySelector('pre');
        const lines = code.querySelectorAll('.line:not(.edge)').length * parseFloat(getComputedStyle(pre).lineHeight);
        const scrollbar = pre.offsetHeight - pre.clientHeight;
        const above = pre.getBoundingClientRect().top - code.getBoundingClientRect().top;
        return {extra: above + pre.offsetHeight - lines - scrollbar, first: code.querySelector('.line').id};
    })""")
    assert rows
    return [r for r in rows if r["extra"] > 16]


def test_controls_take_no_row_of_their_own(view) -> None:
    page = _laid_out(view.open("optimizers/adam.html"))
    assert _rows_taller_than_their_code(page) == []
    tools = page.locator(".row:has(.code-tools)").nth(2)
    copy = tools.locator("button.copy")
    assert copy.evaluate("b => getComputedStyle(b.closest('.code-tools')).opacity") == "0"
    _hover(page, tools)
    page.wait_for_function("b => getComputedStyle(b.closest('.code-tools')).opacity === '1'", arg=copy.element_handle())
    assert tools.locator(".lines-link").is_visible()


def test_copy_takes_no_row_on_a_site_without_a_repository(browser, tmp_path) -> None:  # noqa: F811
    """Without `repository` no line range is linked, and Copy still floats over the code until pointed at."""
    source = tmp_path / "src"
    source.mkdir()
    rows = "".join(f"# Step {i}: add ${i}\\alpha$.\nx{i} = {i}\ny{i} = x{i} * 2\n\n" for i in range(12))
    (source / "steps.py").write_text('"""\n# Steps\n\nA page of short rows.\n"""\n\n' + rows)
    assert main(["build", str(source), "--out", str(tmp_path / "site")]) == 0
    for width in WIDTHS:
        reader = Page(browser, (tmp_path / "site").as_uri() + "/", width=width)
        page = _laid_out(reader.open("steps.html"))
        assert page.locator(".lines-link").count() == 0  # nothing to link the lines to
        assert page.locator("button.copy").count() == 12
        assert _rows_taller_than_their_code(page) == []
        copy = page.locator("button.copy").nth(3)
        assert copy.evaluate("b => getComputedStyle(b.closest('.code-tools')).opacity") == "0"
        _hover(page, page.locator("section.row:has(button.copy)").nth(3))
        page.wait_for_function("b => getComputedStyle(b.closest('.code-tools')).opacity === '1'", arg=copy.element_handle())
        reader.close()


def test_code_rows_show_no_blank_lines_at_their_edges_but_keep_every_line(view) -> None:
    page = _laid_out(view.open("optimizers/adam.html"))
    rows = page.evaluate("""() => [...document.querySelectorAll('.row .code pre')].map(pre => {
        const shown = [...pre.querySelectorAll('.line')].filter(line => line.getBoundingClientRect().height > 0);
        const text = line => [...line.childNodes].filter(n => !n.classList?.contains('ln')).map(n => n.textContent).join('');
        const height = parseFloat(getComputedStyle(pre).lineHeight);
        return {first: text(shown[0]).trim(), last: text(shown.at(-1)).trim(), shown: shown.length,
                rows: Math.round((pre.clientHeight - parseFloat(getComputedStyle(pre).paddingTop)
                                  - parseFloat(getComputedStyle(pre).paddingBottom)) / height)};
    })""")
    assert rows and [r for r in rows if not r["first"] or not r["last"]] == []
    assert [r for r in rows if r["rows"] != r["shown"]] == []  # no empty row drawn above or below the code
    # Every line of the source is still in the page, with its link
    numbers = page.evaluate("[...document.querySelectorAll('.code .line')].map(l => +l.id.slice(1))")
    assert numbers == sorted(set(numbers)) and {100, 109, 110} <= set(numbers)  # the blank lines around 101–108
    page.goto(page.url.split("#")[0] + "#L110")
    assert abs(page.locator("#L110").bounding_box()["y"]) < 900  # the link to a hidden blank line still lands by its row
    copied = page.evaluate("""() => [...document.getElementById('L101').closest('pre').querySelectorAll('.line:not(.edge)')].length""")
    assert copied == 8  # lines 101–108: what Copy takes


def test_copy_is_reached_from_the_row_permalink(view) -> None:
    page = view.open("optimizers/adam.html")
    row = page.locator("section.row:has(.code-tools)").nth(2)
    permalink = row.locator(f"a.permalink[href='#{row.get_attribute('id')}']")
    permalink.focus()
    page.keyboard.press("ArrowRight")
    copy = row.locator("button.copy")
    assert copy.evaluate("b => b === document.activeElement")
    page.wait_for_function("b => getComputedStyle(b.closest('.code-tools')).opacity === '1'", arg=copy.element_handle())
    page.keyboard.press("ArrowLeft")
    assert permalink.evaluate("a => a === document.activeElement")


def test_every_row_has_a_permalink(view) -> None:
    page = view.open("optimizers/adam.html")
    missing = page.evaluate("""() => [...document.querySelectorAll('section.row')]
        .filter(row => !row.querySelector(`a.permalink[href="#${CSS.escape(row.id)}"]`)).map(row => row.id)""")
    assert missing == []
    row = page.locator("section.row:has(.row-link)").first
    _hover(page, row)
    page.wait_for_function("r => getComputedStyle(r.querySelector('.row-link')).opacity === '1'", arg=row.element_handle())


def _tab_stops(page) -> list[str]:
    """Press Tab until the focus comes back round; the focused elements, described."""
    stops = []
    page.evaluate("document.activeElement?.blur()")
    for _ in range(300):
        page.keyboard.press("Tab")
        here = page.evaluate("""() => { const e = document.activeElement;
            if (!e || e === document.body) return null;
            e.dataset.stop ??= String(Math.random()); return e.dataset.stop + ' ' + e.tagName + ' ' + e.className; }""")
        if here is None or (stops and here == stops[0]):
            break
        stops.append(here)
    return stops


def test_skip_link_first_and_one_tab_stop_per_block_of_formulas(view) -> None:
    page = _laid_out(view.open("optimizers/adam.html"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    stops = _tab_stops(page)
    formula_stops = [s for s in stops if " SPAN math" in s]
    blocks = page.evaluate("new Set([...document.querySelectorAll('.math [data-sym]')].map(b => b.closest('.doc'))).size")
    assert len(formula_stops) == blocks
    assert len(stops) < 100  # was 129: every formula, Copy button and line range was a stop
    # At most one stop per row for its code tools (its permalink), and a code block only if it scrolls
    assert [s for s in stops if " BUTTON copy" in s or "lines-link" in s] == []
    scrolling = page.evaluate("[...document.querySelectorAll('pre')].filter(p => p.scrollWidth > p.clientWidth).length")
    assert len([s for s in stops if " PRE" in s]) <= scrolling

    # Arrows walk through every symbol of the block, from formula to formula
    doc = page.locator(".doc:has(.math-block)").first
    formulas = doc.locator(".math[tabindex]")
    first_count = formulas.first.locator("[data-sym]").count()
    formulas.first.focus()
    for _ in range(first_count + 1):
        page.keyboard.press("ArrowRight")
    assert formulas.count() >= 2
    assert page.evaluate("document.activeElement") == formulas.nth(1).evaluate("f => f")
    assert formulas.nth(1).get_attribute("tabindex") == "0" and formulas.first.get_attribute("tabindex") == "-1"


# ## 6. Search that reads well

def test_search_snippets_show_formulas_not_latex(view) -> None:
    page = view.open("optimizers/lion.html")
    for query in ("bias correction", "second moment", "sign"):
        _search(page, query)
        # Formulas of the optimizer pages (the generator's own pages may quote LaTeX syntax in code)
        snippets = page.locator("#search-results a").evaluate_all(
            "links => links.filter(a => a.href.includes('/optimizers/')).map(a => a.querySelector('span').textContent)")
        assert snippets and not [s for s in snippets if re.search(r"\\[a-zA-Z]+", s)], snippets


def test_symbol_queries_find_the_same_sections(view) -> None:
    page = view.open("optimizers/lion.html")
    found = []
    for query in ("ε", "epsilon", "\\epsilon", "ϵ"):
        _search(page, query)
        found.append(page.locator("#search-results a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert found[0] and all(f == found[0] for f in found)


def test_search_reports_the_real_count(view) -> None:
    page = view.open("optimizers/lion.html")
    _search(page, "the")
    count = int(re.search(r"\d+", page.locator("#search-status").text_content()).group())
    shown = page.locator("#search-results a").count()
    assert count > shown > 0  # a common word matches more sections than the list shows
    assert str(count) in page.locator("#search-results .more").text_content()


@pytest.mark.parametrize(("lang", "query"), [("", "learning rate"), ("ja/", "学習率"), ("zh/", "学习率")])
def test_search_ranks_headings_first(view, lang: str, query: str) -> None:
    page = view.open(f"{lang}optimizers/lion.html")
    _search(page, query)
    top = page.locator("#search-results a strong").all_text_contents()[:3]
    # The sections about the learning rate, not every section of a page whose title matches
    assert top and all("›" in title and query in title.split("›")[-1].lower() for title in top), top


# ## 7. Smaller things

def test_theme_button_names_the_theme_it_switches_to(view) -> None:
    page = view.open("optimizers/adam.html")
    button = page.locator(".theme-toggle")
    assert button.text_content().strip() == ("Light theme" if view.theme == "dark" else "Dark theme")
    button.click()
    assert button.text_content().strip() == ("Dark theme" if view.theme == "dark" else "Light theme")


def test_header_keeps_to_one_line_and_the_source_path_keeps_its_underscores(view) -> None:
    page = view.open("optimizers/radam.html")
    # Code in a link is an atomic inline, so the underline cannot swallow `_`
    assert page.evaluate("getComputedStyle(document.querySelector('.source-link code')).display") == "inline-block"
    if view.width >= 1000:
        for path in ("optimizers/radam.html", "optimizers/adam_warmup_cosine_decay.html", "ja/optimizers/radam.html",
                     "site_gen/readable_math.html", "index.html"):
            page = view.open(path)
            tops = page.evaluate("[...document.querySelector('.site-header').children].map(c => c.getBoundingClientRect().top)")
            assert max(tops) - min(tops) < 12, path


def test_no_title_is_shared_or_repeated_in_its_breadcrumbs(view) -> None:
    for lang in LANGUAGES:
        page = view.open(f"{lang}optimizers/readme.html")
        crumbs = page.locator(".breadcrumbs li").all_text_contents()
        assert crumbs[-1].strip() not in [c.strip() for c in crumbs[:-1]], crumbs
        titles = page.evaluate(f"""() => fetch('{view.base}_search/{lang.strip("/") or "en"}.js').then(r => r.text())""")
        names = re.findall(r'"t":"((?:[^"\\]|\\.)*)"', titles)
        assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


STRANDED = """() => {
  const found = [];
  for (const formula of document.querySelectorAll('.doc .math')) {
    if (formula.classList.contains('math-block')) continue;
    const next = formula.nextSibling;
    if (!next || next.nodeType !== 3) continue;
    const text = next.textContent;
    if (!/^[.,;:!?，。、；：！？)]/.test(text)) continue;
    const range = document.createRange();
    const at = next.textContent.indexOf(text[0]);
    range.setStart(next, at);
    range.setEnd(next, at + 1);
    const mark = range.getClientRects()[0];
    const last = formula.getBoundingClientRect();
    if (mark && mark.top > last.bottom - 2) found.push(formula.textContent.slice(0, 20) + text.slice(0, 5));
  }
  return found;
}"""


def test_punctuation_stays_with_its_formula(view) -> None:
    for path in ("optimizers/adam.html", "optimizers/radam.html", "zh/optimizers/adam.html", "ja/optimizers/radam.html",
                 "optimizers/index.html", "zh/optimizers/ada_belief.html", "optimizers/lion.html"):
        assert _laid_out(view.open(path)).evaluate(STRANDED) == [], path


def test_home_page_lists_pages_in_reading_order(view) -> None:
    # The order the optimizers' guide gives, read from its own table of pages
    page = view.open("optimizers/index.html")
    guide = page.locator(".doc table a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(guide) >= 5
    page = view.open("index.html")
    listed = [href.rsplit("/", 1)[-1] for href in
              page.locator(".listing a").evaluate_all("links => links.map(a => a.getAttribute('href'))")]
    assert [h for h in listed if h in guide] == [h.split("#")[0] for h in guide]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_page_intro_and_list_share_one_measure(view, lang: str) -> None:
    page = view.open(f"{lang}index.html")
    edges = page.evaluate("""() => [document.querySelector('main .doc p:not(.source-link)'),
        ...document.querySelectorAll('.listing > h2, .listing > ul')].map(e => {
            const box = e.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; })""")
    assert len(edges) > 2 and len({tuple(edge) for edge in edges}) == 1, edges


def test_figures_have_legible_labels(view) -> None:
    for path in ("optimizers/noam.html", "optimizers/radam.html"):
        page = _laid_out(view.open(path))
        sizes = page.evaluate("""async () => Promise.all([...document.querySelectorAll('.doc img[src$=".svg"]')].map(async img => {
            const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
            const box = svg.documentElement.getAttribute('viewBox').split(/\\s+/).map(Number);
            const fonts = [...svg.querySelectorAll('text')].map(t => parseFloat((t.getAttribute('style') || '').match(/font-size:\\s*([\\d.]+)/)?.[1]));
            const sizes = fonts.filter(Number.isFinite);
            return sizes.length ? Math.min(...sizes) * img.getBoundingClientRect().width / box[2] : 0;
        }))""")
        assert sizes and min(sizes) >= 9, (path, sizes)  # px on screen; the figures were drawn at about 7


# ## 8. Previous and next, the site's tree, a footer

def test_previous_and_next_walk_every_page_once(browser, server) -> None:  # noqa: F811
    reader = Page(browser, server)
    for lang in LANGUAGES:
        seen: list[str] = []
        url = f"{server}{lang}index.html"
        while url and len(seen) < 200:
            page = reader.open(url.removeprefix(server))
            previous, following = page.locator(".pager a[rel='prev']"), page.locator(".pager a[rel='next']")
            assert (previous.evaluate("a => a.href") if previous.count() else None) == (seen[-1] if seen else None)
            seen.append(page.url)
            url = following.evaluate("a => a.href") if following.count() else None
        folder = SITE / lang
        pages = [p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
                 if lang or p.relative_to(SITE).parts[0] not in ("ja", "zh")]
        assert sorted(seen) == sorted(f"{server}{lang}{p}" for p in pages), lang
    reader.close()


@pytest.mark.parametrize("path", ["ja/optimizers/adam.html", "zh/optimizers/adam.html", "ja/site_gen/index.html",
                                  "zh/site_gen/config.html"])
def test_english_titles_in_translated_pages_say_so(browser, server, path: str) -> None:  # noqa: F811
    """A screen reader reads an English title in a Japanese or Chinese page with English rules."""
    page = Page(browser, server)
    try:
        found = page.open(path).evaluate("""() => [...document.querySelectorAll(
                '.site-tree a, .site-tree summary, .pager-title, .breadcrumbs a')]
            .map(e => [e.textContent.trim(), e.closest('[lang]').lang])""")
    finally:
        page.close()
    english = [(text, lang) for text, lang in found
               if re.fullmatch(r"[A-Za-z][A-Za-z ,:'()-]*", text) and " " in text]  # words of English, no CJK
    assert english, "the English-only folder's titles should be in the drawer"
    assert [(text, lang) for text, lang in english if lang != "en"] == []
    assert [(t, lang) for t, lang in found if lang == "en" and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t)] == []


# Each element of a page that has a counterpart on the English page: an element with an id is
# its own key; any other is the n-th of its tag (and link target, language folder left out)
# under its nearest element with an id or landmark. Its text, and its own English text pieces:
# two or more Latin words and no CJK. Code in the prose and formulas are names, commands and
# symbols, the same in every language; the code column (comments and all) is English.
ELEMENTS = r"""async ([path, prefix]) => {
  const response = await fetch(prefix + path);
  const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
  const base = new URL(prefix + path, location.href);
  const squash = s => s.replace(/\s+/g, ' ').trim();
  const holder = e => e && e.closest('[id], header, footer, nav, .listing, .used-in, main');
  const name = h => !h ? 'body' : h.id ? '#' + h.id : h.tagName + '.' + [...h.classList].join('.');
  const target = e => { const href = e.getAttribute('href'); if (href === null) return '';
    const url = new URL(href, base); return url.pathname.replace(prefix.replace(/^\.?/, '/'), '/') + url.hash; };
  const seen = new Map(), found = {};
  for (const e of doc.body.querySelectorAll('*')) {
    const group = name(holder(e.parentElement)) + ' ' + e.tagName + ' ' + target(e);
    const n = seen.get(group) || 0; seen.set(group, n + 1);
    const english = [...e.childNodes].filter(t => t.nodeType === Node.TEXT_NODE
        && /[A-Za-z]+[^A-Za-z\u3040-\u30ff\u3400-\u9fff]+[A-Za-z]+/.test(t.data) && !/[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]/.test(t.data))
      .map(t => squash(t.data));
    const neutral = !!e.closest('code, .math, math, script, style');
    found[e.id ? '#' + e.id : group + ' ' + n] = {text: squash(e.textContent), english: neutral ? [] : english,
                                                  lang: e.closest('[lang]')?.lang};
  }
  return found;
}"""


def test_english_text_in_translated_pages_is_marked_english(browser, server) -> None:  # noqa: F811
    """Wherever a Japanese or Chinese page shows the English page's text for the same element
    (an untranslated title in a breadcrumb, the h1, "Used in:", the tree, previous/next, a paper's
    title in the prose, code), that text is in an element whose language is English."""
    reader = Page(browser, server)
    page = reader.open("index.html")
    english_pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                           if p.relative_to(SITE).parts[0] not in ("ja", "zh"))
    unmarked, compared = [], 0
    for path in english_pages:
        english = page.evaluate(ELEMENTS, [path, ""])
        for lang in ("ja", "zh"):
            if not (SITE / lang / path).exists():
                continue
            for key, element in page.evaluate(ELEMENTS, [path, f"{lang}/"]).items():
                same = key in english and english[key]["text"] == element["text"]
                compared += same
                if same and element["english"] and element["lang"] != "en":
                    unmarked.append((f"{lang}/{path}", key, element["english"][0][:60], element["lang"]))
    assert compared > 1000  # the keys do pair the pages' elements
    assert unmarked == []
    # Search results from the pages kept in English are English too
    for lang in ("ja", "zh"):
        page = reader.open(f"{lang}/optimizers/adam.html")
        _search(page, "cache")
        results = page.locator("#search-results a").evaluate_all(
            "links => links.map(a => [a.textContent, a.closest('[lang]').lang])")
        english = [(text, found) for text, found in results if not re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text)]
        assert english and all(found == "en" for _, found in english), results
    reader.close()


# Japanese or Chinese text (its own text, or an aria-label) whose element resolves to English
MARKED_ENGLISH = r"""async (path) => {
  const doc = new DOMParser().parseFromString(await (await fetch(path)).text(), 'text/html');
  const cjk = /[\u3040-\u30ff\u3400-\u9fff]/;
  return [...doc.body.querySelectorAll('*')].filter(e => e.closest('[lang]')?.lang === 'en' && !e.closest('pre, code')
      && ([...e.childNodes].some(t => t.nodeType === Node.TEXT_NODE && cjk.test(t.data))
          || cjk.test(e.getAttribute('aria-label') || '')))
    .map(e => e.outerHTML.slice(0, 80));
}"""


def test_interface_text_in_translated_pages_is_never_marked_english(browser, server) -> None:  # noqa: F811
    """The reverse: on a Japanese or Chinese page, the interface's own words (line ranges, Copy,
    "View source", "Used in", permalink labels) keep their language, even beside code and in a
    folder kept in English."""
    reader = Page(browser, server)
    page = reader.open("index.html")
    wrong = []
    for lang in ("ja", "zh"):
        for path in sorted((SITE / lang).rglob("*.html")):
            wrong += [(path.relative_to(SITE).as_posix(), e) for e in page.evaluate(MARKED_ENGLISH, path.relative_to(SITE).as_posix())]
    assert wrong == []
    # Copy, added by the script, too: in translated code and in a folder kept in English
    for path in ("ja/optimizers/adam.html", "ja/site_gen/cache.html"):
        page = reader.open(path)
        page.wait_for_selector("button.copy", state="attached")
        assert page.evaluate("[...document.querySelectorAll('button.copy')].every(b => b.closest('[lang]').lang === 'ja')")
    reader.close()


def test_site_tree_opens_on_screen_with_the_page_marked(view) -> None:
    page = view.open("ja/optimizers/radam.html")
    page.locator(".site-nav summary").first.click()
    tree = page.locator(".site-tree")
    box = tree.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= view.width
    current = tree.locator("[aria-current='page']")
    assert current.count() == 1 and current.is_visible()
    assert current.get_attribute("href") == "radam.html"
    # Folders that do not hold the page are closed, and open on a click
    closed = tree.locator("details:not([open])").first.element_handle()
    closed.query_selector("summary").click()
    assert closed.get_attribute("open") is not None
    assert page.locator("footer.site-footer a").count() >= 1


# ## Code that links to its definitions

def test_code_names_link_to_their_definitions(view) -> None:
    for lang in ("", "ja/"):
        page = view.open(f"{lang}optimizers/adam.html")
        link = page.locator(".code a.def-link", has_text="WeightDecay").first
        href = link.get_attribute("href")
        assert href.startswith("index.html#L")
        # Its one-line summary shows on hover, and on keyboard focus
        _hover(page, link)
        assert page.evaluate("a => getComputedStyle(a, '::after').content", link.element_handle()) != "none"
        page.mouse.move(0, 0)
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("a => getComputedStyle(a, '::after').content", link.element_handle()) != "none"
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/{lang}optimizers/{href}")
        line = page.locator(f"#{href.split('#')[1]}").inner_text()
        assert "class WeightDecay" in line


def test_definitions_list_the_pages_that_use_them(view) -> None:
    page = view.open("zh/optimizers/index.html")
    uses = page.locator(".used-in").evaluate_all("""ps => ps.map(p => ({
        name: p.querySelector('code').textContent,
        line: p.closest('.row').querySelector('.line').id,
        rows: [...p.closest('.row').querySelectorAll('.line')].map(l => l.id),
        pages: [...p.querySelectorAll('a')].map(a => a.getAttribute('href'))}))""")
    assert any(u["name"] == "WeightDecay" and "adam.html" in u["pages"] for u in uses)
    # Every page listed does link back to a line of the definition's row
    for use in uses:
        for href in use["pages"]:
            other = view.open(f"zh/optimizers/{href}")
            targets = other.locator(".def-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            assert any(t.startswith("index.html#") and t.split("#")[1] in use["rows"] for t in targets), (use["name"], href)

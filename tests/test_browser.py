"""The pages in a real headless Chromium (Debian's), driven by Playwright.

Every test fails on a console error or on any request that leaves the site.
Screenshots of the Adam page at both widths and in both themes are saved in
`test-artifacts/` for people to look at.
"""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
# The built site: html/ by default; SITE_GEN_HTML points the tests at another build
SITE = Path(os.environ.get("SITE_GEN_HTML") or ROOT / "html")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser tests")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A page that records console errors and every request it makes."""

    def __init__(self, browser, base: str, width: int = 1280, theme: str = "light") -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=theme)
        self.context.set_default_timeout(10_000)  # pages are local: a missing element fails fast
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", self._check_request)

    def _check_request(self, request) -> None:
        if not request.url.startswith(self.base):
            self.outside.append(request.url)

    def open(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        # site.js finishes its work (tab stops, definition links, Copy buttons) in idle time after load
        self.page.wait_for_function("'enhanced' in document.documentElement.dataset")
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


@pytest.fixture(params=["http", "file"])
def base(request, server) -> str:
    return server if request.param == "http" else SITE.as_uri() + "/"


@pytest.fixture
def adam(browser, base):
    page = Page(browser, base)
    yield page
    page.close()


def test_formulas_are_drawn_in_the_math_font_from_the_site(adam) -> None:
    """A first visit fetches the font after its first paint and never swaps it in; later pages use it from the start."""
    math_family = "getComputedStyle(document.querySelector('.doc math')).fontFamily"
    page = adam.open("optimizers/adam.html")
    page.wait_for_function("localStorage.getItem('math-font') === '1'")  # fetched once the page was on screen
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Latin Modern Math" in family for family in loaded)
    assert not page.evaluate("document.documentElement.classList.contains('math-font')")  # the page read is not redrawn
    assert not page.evaluate(math_family).startswith('"Latin Modern Math"')
    page = adam.open("ja/optimizers/adam.html")
    assert page.evaluate("document.documentElement.classList.contains('math-font')")
    assert page.evaluate(math_family).startswith('"Latin Modern Math"')
    # MathML is all there is: no drawn copy, no KaTeX stylesheet
    assert page.locator(".katex, .katex-html, link[href*=katex]").count() == 0
    assert page.evaluate("document.querySelector('.doc math').getBoundingClientRect().width") > 0


def test_prose_and_code_side_by_side_then_stacked(browser, base) -> None:
    wide = Page(browser, base, width=1280)
    page = wide.open("optimizers/adam.html")
    doc, code = page.locator(".row:has(.code) .doc").first.bounding_box(), page.locator(".row .code").first.bounding_box()
    assert doc["x"] + doc["width"] <= code["x"] + 1 and abs(doc["y"] - code["y"]) < 2
    wide.close()

    phone = Page(browser, base, width=375)
    for path in ("optimizers/adam.html", "ja/optimizers/radam.html", "index.html", "site_gen/prose.html"):
        page = phone.open(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    page = phone.open("optimizers/adam.html")
    doc, code = page.locator(".row:has(.code) .doc").first.bounding_box(), page.locator(".row .code").first.bounding_box()
    assert code["y"] >= doc["y"] + doc["height"] - 1 and abs(doc["x"] - code["x"]) < 2
    # Long code scrolls inside its own box
    assert page.evaluate("[...document.querySelectorAll('.code pre')].some(p => p.scrollWidth > p.clientWidth)")
    phone.close()


def test_clicking_a_symbol_lights_it_up_in_several_equations(adam) -> None:
    page = adam.open("optimizers/adam.html")
    symbol = page.locator(".math-block [data-sym]").first
    symbol_id = symbol.get_attribute("data-sym")
    symbol.click()
    active = page.locator(f".math .sym-active[data-sym='{symbol_id}']")
    equations = page.evaluate("""id => new Set([...document.querySelectorAll(`.sym-active[data-sym='${id}']`)]
                                      .map(box => box.closest('.math'))).size""", symbol_id)
    assert active.count() >= 2 and equations >= 2
    assert page.locator(".sym-active").count() == active.count()
    assert page.evaluate("document.body.classList.contains('sym-focus')")
    symbol.click()  # a second click clears
    assert page.locator(".sym-active").count() == 0
    symbol.click()
    page.keyboard.press("Escape")
    assert page.locator(".sym-active").count() == 0


_CONTRAST = """box => {
    const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const luminance = (value) => {
        const [r, g, b] = rgb(value).map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(box);
    const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_lit_symbol_is_readable_whatever_its_colour(browser, server, theme: str) -> None:
    """WCAG's 4.5:1 between a lit symbol and its background, for every hue a symbol can get (light failed at 2.7:1)."""
    viewer = Page(browser, server, theme=theme)
    page = viewer.open("optimizers/adam.html")
    symbol = page.locator(".math-block [data-sym]").first
    symbol.click()
    box = page.locator(".sym-active").first.element_handle()
    worst = min(page.evaluate(f"(box) => {{ document.body.style.setProperty('--sym-hue', {hue}); return ({_CONTRAST})(box); }}", box)
                for hue in range(0, 360, 6))
    viewer.close()
    assert worst >= 4.5


_COPY = """([start, startOffset, end, endOffset]) => {
    const range = document.createRange();
    range.setStart(start, startOffset);
    range.setEnd(end, endOffset);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    const event = new ClipboardEvent("copy", { clipboardData: new DataTransfer(), bubbles: true, cancelable: true });
    document.activeElement.dispatchEvent(event);
    return event.clipboardData.getData("text/plain");
}"""


def test_copying_prose_copies_its_formulas_as_latex(adam) -> None:
    page = adam.open("optimizers/adam.html")
    paragraph = page.locator(".doc p:has(.math)").first
    formulas = page.evaluate("p => [...p.querySelectorAll('annotation')].map(a => a.textContent)", paragraph.element_handle())
    copied = page.evaluate(f"p => ({_COPY})([p, 0, p, p.childNodes.length])", paragraph.element_handle())
    assert all(f"${tex}$" in copied for tex in formulas), copied
    assert "\n" not in copied  # one paragraph: no glyph on a line of its own
    # A selection that starts inside a formula and ends inside a display formula copies both whole
    block = page.locator(".doc:has(.math-block)").first
    copied = page.evaluate(f"""d => {{ const first = d.querySelector('.math mi').firstChild;
        const last = [...d.querySelector('.math-block').querySelectorAll('mi')].pop().firstChild;
        return ({_COPY})([first, 0, last, 1]); }}""", block.element_handle())
    first, last = page.evaluate("""d => [d.querySelector('.math annotation').textContent,
                                          d.querySelector('.math-block annotation').textContent]""", block.element_handle())
    assert copied.startswith(f"${first}$") and copied.endswith(f"$${last}$$"), copied


def test_a_symbol_has_the_same_identifier_on_every_page_and_language(browser, base) -> None:
    viewer = Page(browser, base)
    ids = []
    for path in ("optimizers/adam.html", "optimizers/amsgrad.html", "zh/optimizers/adam.html"):
        page = viewer.open(path)
        ids.append(page.evaluate("""() => [...document.querySelectorAll('.math annotation')]
            .filter(a => a.textContent.trim() === 'm_t')
            .map(a => a.closest('.math').querySelector('[data-sym]').dataset.sym)[0] || null"""))
    viewer.close()
    assert ids[0] and ids[0] == ids[2]


def test_keyboard_enter_highlights_a_symbol(adam) -> None:
    page = adam.open("optimizers/adam.html")
    formula = page.locator(".doc .math[tabindex='0']").first  # the tab stop of a block of formulas
    formula.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert page.locator(".sym-active").count() >= 1
    page.keyboard.press("Escape")
    assert page.locator(".sym-active").count() == 0


def test_clicking_a_code_identifier_highlights_its_uses(adam) -> None:
    page = adam.open("optimizers/adam.html")
    name = page.locator(".code pre span.n", has_text="bias_correction1").first
    name.click()
    in_code = page.locator(".code pre .ident-active")
    assert in_code.count() >= 2
    assert set(in_code.all_text_contents()) == {"bias_correction1"}
    page.locator(".code pre span.n", has_text="optimized_update").first.click()
    assert page.locator(".doc code.ident-active").count() >= 1  # `optimized_update=False` in the prose


def test_the_language_switcher_lands_on_the_same_page(adam) -> None:
    page = adam.open("optimizers/radam.html#the-update")
    page.locator(".languages a[hreflang='ja']").click()
    page.wait_for_load_state("load")
    assert page.url.split("#")[0].endswith("/ja/optimizers/radam.html")
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert page.locator("#the-update").count() == 1  # the same anchors in every language


@pytest.mark.parametrize(("lang", "query"), [("", "bias correction"), ("ja/", "バイアス補正"), ("zh/", "偏差校正")])
def test_search_finds_the_adam_page(adam, lang: str, query: str) -> None:
    page = adam.open(f"{lang}optimizers/lion.html")
    page.locator("#search-input").fill(query)
    first = page.locator("#search-results a").first
    first.wait_for()
    assert "optimizers/adam.html#" in first.get_attribute("href")
    first.click()
    page.wait_for_load_state("load")
    assert page.url.split("#")[0].endswith(f"{lang}optimizers/adam.html")


def test_search_joins_japanese_without_spaces(adam) -> None:
    page = adam.open("ja/index.html")
    page.locator("#search-input").fill("学習率スケジュール")
    page.locator("#search-results a").first.wait_for()
    assert page.locator("#search-results a").count() >= 1


def test_dark_mode_toggles_and_is_remembered(browser, server) -> None:
    viewer = Page(browser, server, theme="light")
    page = viewer.open("optimizers/adam.html")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.locator(".theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    viewer.close()


def test_the_system_theme_is_followed(browser, server) -> None:
    viewer = Page(browser, server, theme="dark")
    page = viewer.open("index.html")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    viewer.close()


def test_copy_button_copies_the_code_without_line_numbers(browser, server) -> None:
    viewer = Page(browser, server)
    viewer.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = viewer.open("optimizers/lion.html")
    column = page.locator(".row .code").nth(1)
    column.locator("button.copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    first_line = column.locator(".line").first.inner_text()
    assert copied.startswith(first_line.split(maxsplit=1)[-1].strip()[:10]) or copied.strip()
    assert not any(line.strip().isdigit() for line in copied.splitlines()[:3])
    viewer.close()


def test_figures_open_larger(adam) -> None:
    page = adam.open("optimizers/noam.html")
    page.locator(".doc img").first.click()
    assert page.locator("dialog.figure-dialog[open] img").count() == 1
    page.keyboard.press("Escape")
    assert page.locator("dialog.figure-dialog[open]").count() == 0


def test_headings_have_permalinks_and_line_numbers_link_to_the_repository(adam) -> None:
    page = adam.open("optimizers/adam.html")
    assert page.locator("h2 .permalink").first.get_attribute("href").startswith("#")
    href = page.locator(".line .ln").first.get_attribute("href")
    assert href.startswith("https://github.com/") and "#L" in href


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots(browser, server, width: int, theme: str) -> None:
    viewer = Page(browser, server, width=width, theme=theme)
    page = viewer.open("optimizers/adam.html")
    page.evaluate("document.fonts.ready")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"adam-{width}-{theme}.png"
    page.screenshot(path=str(path), full_page=False)
    viewer.close()
    assert path.stat().st_size > 10_000


def test_every_page_loads_cleanly(browser) -> None:
    """All pages in all languages: no console error, no request outside the site, no sideways scroll."""
    viewer = Page(browser, SITE.as_uri() + "/", width=375)
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    assert len(pages) > 90
    wide = []
    for path in pages:
        page = viewer.open(path)
        if page.evaluate("document.documentElement.scrollWidth") > 375:
            wide.append(path)
    viewer.close()
    assert wide == []


def test_an_inline_formula_wider_than_a_phone_scrolls_inside_its_line(browser, tmp_path: Path) -> None:
    from site_gen.build import build
    from site_gen.config import load

    (tmp_path / "src").mkdir()
    wide = " + ".join(f"a_{{{n}}}" for n in range(30))
    (tmp_path / "src" / "long.py").write_text(f'r"""\n# Long\n\nA sum ${wide}$ in a sentence, then $x$ and words.\n"""\n')
    out = tmp_path / "html"
    assert not build(load(tmp_path, source=tmp_path / "src", out=out)).problems
    page = Page(browser, out.as_uri() + "/", width=375)
    try:
        sizes = page.open("long.html").evaluate("""() => { const [long, short] = document.querySelectorAll('.doc p math');
            const p = long.closest('p');
            return {page: document.documentElement.scrollWidth, p: [p.clientWidth, p.scrollWidth],
                    long: [long.clientWidth, long.scrollWidth], short: [short.clientWidth, short.scrollWidth]}; }""")
    finally:
        page.close()
    assert sizes["page"] <= 375 and sizes["p"][1] <= sizes["p"][0]  # nothing cut off, nothing wider than the phone
    assert sizes["long"][1] > sizes["long"][0]  # the rest of the formula is there, a scroll away
    assert sizes["short"][0] == sizes["short"][1]  # a formula that fits is left alone


def test_boxes_and_strikes_are_drawn(browser, tmp_path: Path) -> None:
    """`\\boxed`, `\\cancel`… are MathML's menclose, which Chromium draws bare: the box or strike vanished silently."""
    from site_gen.build import build
    from site_gen.config import load

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "enc.py").write_text(
        'r"""\n# Enclosures\n\n$\\boxed{x = 1}$, $\\cancel{y}$, $\\bcancel{z}$, $\\xcancel{w}$, $\\sout{ab}$, '
        '$\\boxed{\\cancel{q}}$\n"""\n')
    out = tmp_path / "html"
    assert not build(load(tmp_path, source=tmp_path / "src", out=out)).problems
    page = Page(browser, out.as_uri() + "/", width=375)
    try:
        drawn = page.open("enc.html").evaluate("""() => [...document.querySelectorAll('.doc math')].map(m => {
            const marks = [...m.querySelectorAll('[data-enclose]')].map(e => { const s = getComputedStyle(e);
                return [e.dataset.enclose, parseFloat(s.borderTopWidth) > 0, s.backgroundImage.includes('gradient'),
                        e.getBoundingClientRect().width > 0]; });
            return [m.querySelectorAll('menclose').length, marks]; })""")
    finally:
        page.close()
    assert [len(marks) for _, marks in drawn] == [1, 1, 1, 1, 1, 2] and all(n == 0 for n, _ in drawn)
    for _, marks in drawn:
        for notation, bordered, striked, visible in marks:
            assert visible and bordered == ("box" in notation) and striked == ("strike" in notation), notation


@pytest.mark.parametrize("width", [360, 1280])
def test_an_equation_number_never_overlaps_its_formula(browser, tmp_path: Path, width: int) -> None:
    from site_gen.build import build
    from site_gen.config import load

    (tmp_path / "src").mkdir()
    wide = " + ".join(f"x_{{{n}}}^2" for n in range(40))
    (tmp_path / "src" / "eq.py").write_text(
        f'r"""\n# Equations\n\n$$a = b \\tag{{1}}$$\n\n\\begin{{align}}\ns &= {wide} \\label{{wide}}\n\\end{{align}}\n"""\n'
    )
    out = tmp_path / "html"
    assert not build(load(tmp_path, source=tmp_path / "src", out=out)).problems
    page = Page(browser, out.as_uri() + "/", width=width)
    try:
        # A numbered formula is a row of table cells: the number's last, the formula's those with content
        boxes = page.open("eq.html").evaluate("""() => [...document.querySelectorAll('.math-block')].map(d => {
            const cell = d.querySelector('mtd.eqn-tag') || d.querySelector('mtable[width="100%"] > mtr').lastElementChild;
            const tag = cell.getBoundingClientRect();
            const bases = [...cell.parentElement.children].filter(c => c !== cell && c.firstElementChild)
                .map(c => c.firstElementChild.getBoundingClientRect());
            return {tag: [tag.left, tag.right], bases: bases.map(b => [b.left, b.right]), text: cell.textContent};
        })""")
    finally:
        page.close()
    assert len(boxes) == 2
    for box in boxes:
        left, right = box["tag"]
        assert right > left
        assert box["bases"] and all(base_right <= left + 0.5 for _, base_right in box["bases"]), box
    assert all(box["text"].startswith("(") and box["text"].endswith(")") for box in boxes)  # the numbers show

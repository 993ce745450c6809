// The reading experience of the side-by-side pages. Everything here improves a
// page that already works without it: theme, symbol and identifier highlighting,
// copy buttons, larger figures and search. No network: all data is in the site.
(() => {
  "use strict";

  const html = document.documentElement;
  const body = document.body;
  const text = JSON.parse(body.dataset.text || "{}");
  const say = (key, values = {}) =>
    (text[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

  // Work that changes the page but is not needed for its first paint (tab stops of
  // formulas, definition links, Copy buttons, figure buttons) waits for idle time,
  // a piece per idle slot, so that loading the page holds no long task. The search
  // index is loaded only when the search box is first used. `data-enhanced` on
  // <html> says that everything is in place.
  const pending = [];
  const later = (work) => pending.push(work);
  // One piece per element (of a selector or a list), so that a long page overruns no idle slot
  const laterEach = (items, work) => later(() => {
    const list = typeof items === "string" ? [...document.querySelectorAll(items)] : items;
    pending.unshift(...list.map((item) => () => work(item)));
  });
  const whenIdle = window.requestIdleCallback || ((work) => setTimeout(() => work({ timeRemaining: () => 1 }), 1));
  function runPending(deadline) {
    while (pending.length && deadline.timeRemaining() > 0) pending.shift()();
    if (pending.length) whenIdle(runPending, { timeout: 500 });
    else html.dataset.enhanced = "";
  }

  // ## The math font: never swapped under a page being read. A first visit keeps the reader's own
  // math font, and fetches ours once the first contents are on screen (its download never delays
  // them); a flag then has later pages use it from their first paint (the script in <head>), out of
  // the browser's cache. Swapping fonts under painted formulas moved the text (a layout shift of
  // 0.14 on a phone, wherever the reader has no Latin Modern Math).

  const fetchMathFont = () => {
    if (html.classList.contains("math-font") || !document.querySelector("math")) return;
    document.fonts?.load('1em "Latin Modern Math"').then((fonts) => {
      try { if (fonts.length) localStorage.setItem("math-font", "1"); } catch { /* private mode */ }
    });
  };
  // Once the page has loaded and its first contents are on screen (a page served fast paints only
  // after its load event); where the browser cannot say when it painted, after the next frame
  const afterFirstPaint = (then) => {
    if (!window.PerformanceObserver?.supportedEntryTypes?.includes("paint")) {
      requestAnimationFrame(() => setTimeout(then, 0));
      return;
    }
    new PerformanceObserver((entries, observer) => {
      if (!entries.getEntriesByName("first-contentful-paint").length) return;
      observer.disconnect();
      setTimeout(then, 0);
    }).observe({ type: "paint", buffered: true });
  };
  const afterLoad = () => afterFirstPaint(fetchMathFont);
  if (document.readyState === "complete") afterLoad();
  else window.addEventListener("load", afterLoad, { once: true });

  // ## Theme: follows the system until the reader chooses, then remembers the choice

  const themeButton = document.querySelector(".theme-toggle");
  const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
  const storedTheme = () => {
    try { return localStorage.getItem("theme"); } catch { return null; }
  };
  // The button names the theme it switches to, so it reads true in either theme
  const applyTheme = (theme) => {
    // Unchanged values are not written again: a write restyles the whole page
    if (html.dataset.theme !== theme) html.dataset.theme = theme;
    const label = say(theme === "dark" ? "lightTheme" : "darkTheme");
    if (themeButton && themeButton.textContent !== label) themeButton.textContent = label;
  };
  applyTheme(storedTheme() || (darkQuery.matches ? "dark" : "light"));
  themeButton?.addEventListener("click", () => {
    const theme = html.dataset.theme === "dark" ? "light" : "dark";
    applyTheme(theme);
    try { localStorage.setItem("theme", theme); } catch { /* private mode: not remembered */ }
  });
  darkQuery.addEventListener("change", (event) => {
    if (!storedTheme()) applyTheme(event.matches ? "dark" : "light");
  });

  // ## Symbols: one click lights up a symbol in every equation of the page

  let activeSymbol = null;
  const symbolBoxes = (id) => document.querySelectorAll(`.math [data-sym="${CSS.escape(id)}"]`);
  const hueOf = (id) => parseInt(id.slice(0, 6), 16) % 360;

  function clearSymbol() {
    document.querySelectorAll(".sym-active").forEach((box) => box.classList.remove("sym-active"));
    body.classList.remove("sym-focus");
    activeSymbol = null;
  }

  function toggleSymbol(id) {
    const again = id === activeSymbol;
    clearSymbol();
    if (again) return;
    activeSymbol = id;
    body.classList.add("sym-focus");
    body.style.setProperty("--sym-hue", hueOf(id));
    symbolBoxes(id).forEach((box) => box.classList.add("sym-active"));
  }

  // Keyboard: the formulas of one block of prose are one tab stop (a roving
  // tabindex); arrows move through all their symbols, carrying the focus from
  // formula to formula, Enter highlights, Escape clears
  const formulaGroups = new Map();
  laterEach(".math", (formula) => {
    if (!formula.querySelector("[data-sym]")) return;
    const group = formula.closest(".doc, main") || body;
    if (!formulaGroups.has(group)) formulaGroups.set(group, []);
    formula.tabIndex = formulaGroups.get(group).length ? -1 : 0;
    formula.setAttribute("aria-describedby", "symbol-help");
    formulaGroups.get(group).push(formula);
  });

  function moveSymbolCursor(formula, step) {
    const group = formulaGroups.get(formula.closest(".doc, main") || body) || [formula];
    const boxes = group.flatMap((each) => [...each.querySelectorAll("[data-sym]")]);
    let index = boxes.findIndex((box) => box.classList.contains("sym-cursor"));
    boxes[index]?.classList.remove("sym-cursor");
    index = index < 0 ? (step > 0 ? boxes.findIndex((box) => formula.contains(box)) : boxes.length - 1)
      : (index + step + boxes.length) % boxes.length;
    const box = boxes[index];
    box.classList.add("sym-cursor");
    const next = box.closest(".math");
    if (next !== formula) {
      group.forEach((each) => { each.tabIndex = each === next ? 0 : -1; });
      moving = true;
      next.focus();
      moving = false;
    }
    return box;
  }
  let moving = false;

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      clearSymbol();
      clearIdentifier();
      return;
    }
    const formula = event.target.closest?.(".math");
    if (!formula || !formula.hasAttribute("tabindex")) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      moveSymbolCursor(formula, event.key === "ArrowRight" ? 1 : -1);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const box = formula.querySelector(".sym-cursor") || moveSymbolCursor(formula, 1);
      toggleSymbol(box.dataset.sym);
    }
  });
  document.addEventListener("focusout", (event) => {
    if (moving) return;
    event.target.querySelectorAll?.(".sym-cursor").forEach((box) => box.classList.remove("sym-cursor"));
  });

  // ## Code identifiers: one click shows every use, in the code and in the prose

  const NAME_CLASSES = ["n", "nf", "nc", "nb", "bp", "nd", "fm", "nn", "nv", "vm", "na", "py"];
  const isName = (span) => NAME_CLASSES.some((name) => span.classList.contains(name));
  let activeIdentifier = null;

  function clearIdentifier() {
    document.querySelectorAll(".ident-active").forEach((element) => element.classList.remove("ident-active"));
    activeIdentifier = null;
  }

  function toggleIdentifier(name) {
    const again = name === activeIdentifier;
    clearIdentifier();
    if (again) return;
    activeIdentifier = name;
    document.querySelectorAll(".code pre span").forEach((span) => {
      if (isName(span) && span.textContent === name) span.classList.add("ident-active");
    });
    const word = new RegExp(`(^|[^\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w])`);
    document.querySelectorAll(".doc code").forEach((code) => {
      if (!code.closest("pre") && word.test(code.textContent)) code.classList.add("ident-active");
    });
  }

  document.addEventListener("click", (event) => {
    const box = event.target.closest(".math [data-sym]");
    if (box) {
      toggleSymbol(box.dataset.sym);
      return;
    }
    const span = event.target.closest(".code pre span");
    if (span && isName(span)) toggleIdentifier(span.textContent);
  });

  // ## Names defined in the documented sources link to their definitions
  // (the build finds them with `ast`; see site_gen/definitions.py). Each name
  // links once per row, so the links do not crowd the tab order.

  later(() => {
    const definitions = JSON.parse(document.getElementById("definitions")?.textContent || "null");
    function definitionLink(target) {
      const [href, summary] = definitions.targets[target];
      const link = document.createElement("a");
      link.className = "def-link";
      link.href = href;
      if (summary) link.dataset.summary = summary;
      return link;
    }
    if (definitions) {
      const linked = new Set();
      laterEach(definitions.refs, ([line, column, name, target]) => {
        const row = document.getElementById(`L${line}`);
        const key = `${row?.closest(".row")?.id} ${target}`;
        if (!row || linked.has(key)) return;
        let offset = 0;
        for (const node of row.childNodes) {
          if (node.classList?.contains("ln")) continue;
          if (offset === column && node.nodeType === 1 && node.textContent === name) {
            const link = definitionLink(target);
            node.replaceWith(link);
            link.append(node);
            linked.add(key);
            break;
          }
          offset += node.textContent.length;
          if (offset > column) break;
        }
      });
      // Inline code in the prose that names one: `WeightDecay`, `Adam.step_param()`
      laterEach(".doc code", (code) => {
        if (code.closest("a, pre")) return;
        const name = code.textContent.trim().replace(/\(\)$/, "");
        if (!Object.hasOwn(definitions.names, name)) return;  // never `constructor` and friends
        const target = definitions.names[name];
        const link = definitionLink(target);
        code.replaceWith(link);
        link.append(code);
      });
    }
  });

  // ## Copying prose copies its formulas as the LaTeX they were written in
  // (MathML copies as one character per line); a formula cut by the selection is copied whole

  const latexOf = (formula) => {
    const tex = formula.querySelector('annotation[encoding="application/x-tex"]')?.textContent ?? formula.textContent;
    if (!formula.classList.contains("math-block")) return `$${tex}$`;
    const block = document.createElement("div");  // a line of its own, its own lines kept
    block.style.whiteSpace = "pre";
    block.textContent = `$$${tex}$$`;
    return block;
  };
  document.addEventListener("copy", (event) => {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !event.clipboardData) return;
    const range = selection.getRangeAt(0).cloneRange();
    const formulaAt = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest(".math");
    const first = formulaAt(range.startContainer), last = formulaAt(range.endContainer);
    if (first) range.setStartBefore(first);
    if (last) range.setEndAfter(last);
    const copy = document.createElement("div");
    copy.append(range.cloneContents());
    const formulas = copy.querySelectorAll(".math");
    if (!formulas.length) return;
    formulas.forEach((formula) => formula.replaceWith(latexOf(formula)));
    // innerText keeps paragraphs apart, and needs the copy laid out: off screen, for a moment
    copy.style.cssText = "position: fixed; left: -10000px; top: 0";
    body.append(copy);
    event.clipboardData.setData("text/plain", copy.innerText.trim());
    copy.remove();
    event.preventDefault();
  });

  // ## Copy buttons on code sections (without the line numbers)

  laterEach(".row .code", (column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.lang = document.documentElement.lang;  // interface text, even inside code kept in English
    button.textContent = say("copy");
    button.addEventListener("click", async () => {
      const lines = [...column.querySelectorAll(".line:not(.edge)")].map((line) =>
        [...line.childNodes].filter((node) => !node.classList?.contains("ln")).map((node) => node.textContent).join(""));
      try {
        await navigator.clipboard.writeText(lines.join("\n"));
        button.textContent = say("copied");
        setTimeout(() => { button.textContent = say("copy"); }, 1500);
      } catch { /* clipboard refused: the text can still be selected */ }
    });
    column.querySelector(".code-tools").prepend(button);  // floats over the code: never a row of its own
    // One tab stop per row: Copy is reached from the row's permalink with the right arrow, and back
    const row = column.closest(".row");
    const permalink = row?.querySelector(`a.permalink[href="#${CSS.escape(row.id)}"]`);
    if (!permalink) return;
    button.tabIndex = -1;
    permalink.setAttribute("aria-keyshortcuts", "ArrowRight");
    permalink.addEventListener("keydown", (event) => {
      if (event.key === "ArrowRight") { event.preventDefault(); button.focus(); }
    });
    button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "Escape") { event.preventDefault(); permalink.focus(); }
    });
  });

  // ## Language links keep the section the reader is on (ids are the same in every language)

  const languageLinks = [...document.querySelectorAll(".languages a[hreflang]")];
  const keepSection = () => languageLinks.forEach((link) => {
    link.href = link.href.split("#")[0] + location.hash;
  });
  keepSection();
  window.addEventListener("hashchange", keepSection);

  // ## Figures open larger

  let dialog = null;
  function showFigure(image) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "figure-dialog";
      const close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.textContent = "×";
      close.setAttribute("aria-label", say("close"));
      close.addEventListener("click", () => dialog.close());
      dialog.append(close, document.createElement("img"));
      dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
      body.append(dialog);
    }
    const large = dialog.querySelector("img");
    large.src = image.currentSrc || image.src;
    large.alt = image.alt;
    dialog.showModal();
  }
  laterEach(".doc img", (image) => {
    image.tabIndex = 0;
    image.setAttribute("role", "button");
    image.setAttribute("aria-label", `${say("enlarge")}: ${image.alt}`);
    image.addEventListener("click", () => showFigure(image));
    image.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showFigure(image); }
    });
  });

  // ## Search: the index is a script (so it loads from file:// too), fetched on first use

  const input = document.getElementById("search-input");
  const results = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  let index = null;
  let loading = null;

  function loadIndex() {
    if (index) return Promise.resolve(index);
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = body.dataset.search;
        script.onload = () => {
          const data = self.siteSearchIndex;
          let previous = -1;
          for (const section of data.sections) {
            section.hay = normalise(`${section.h}\n${section.x}`);
            section.heading = normalise(section.h);
            section.names = normalise(section.c);
            // Only a page's first section stands for the page: a title that matches
            // must not lift every section of that page
            section.title = section.p === previous ? "" : normalise(data.pages[section.p].t);
            previous = section.p;
          }
          index = data;
          resolve(index);
        };
        script.onerror = reject;
        document.head.append(script);
      });
    }
    return loading;
  }

  // Greek letters by name, so that ε, ϵ, epsilon and \epsilon are one search term
  const GREEK = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
    theta: "θ", vartheta: "θ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
  };
  const GREEK_NAME = new RegExp(`\\\\?\\b(${Object.keys(GREEK).join("|")})(?![a-z])`, "g");
  const normalise = (value) => value.normalize("NFKC").toLowerCase()
    .replace(/ϕ/g, "φ").replace(/ϑ/g, "θ").replace(GREEK_NAME, (_, name) => GREEK[name]);
  const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]/;

  // Words split on spaces; a run of Japanese or Chinese, which has no spaces, is cut
  // into words by the browser's segmenter (学習率スケジュール: 学習, 率, スケジュール),
  // each of which must appear; without one, each pair of its characters must appear
  const segmenter = Intl.Segmenter ? new Intl.Segmenter(html.lang, { granularity: "word" }) : null;
  function terms(query) {
    return normalise(query).split(/\s+/).filter(Boolean).flatMap((term) => {
      if (!CJK.test(term) || term.length < 3) return [[term]];
      const words = segmenter ? [...segmenter.segment(term)].filter((s) => s.isWordLike).map((s) => s.segment) : [];
      if (words.length > 1) return words.map((word) => [word]);
      const pairs = [];
      for (let i = 0; i < term.length - 1; i++) pairs.push(term.slice(i, i + 2));
      return [[term, ...pairs]];
    });
  }

  // Where a match is decides its weight: a section's heading, then its page's
  // title, then names in its code, then its text; the whole query as written counts most
  function score(section, query, phrase) {
    let total = (section.heading.includes(phrase) ? 16 : 0) + (section.title.includes(phrase) ? 12 : 0)
      + (section.hay.includes(phrase) ? 4 : 0);
    for (const [whole, ...pairs] of query) {
      let found = 0;
      if (section.heading.includes(whole)) found += 8;
      if (section.title.includes(whole)) found += 6;
      if (section.names.split(" ").includes(whole)) found += 4;
      else if (section.names.includes(whole)) found += 2;
      if (section.hay.includes(whole)) found += 2;
      if (!found && pairs.length && pairs.every((pair) => section.hay.includes(pair) || section.title.includes(pair))) found = 1;
      if (!found) return 0;
      total += found;
    }
    return total;
  }

  function snippet(section, query) {
    const source = section.x || section.h;
    const at = Math.max(0, normalise(source).indexOf(query[0][0]));
    const start = Math.max(0, at - 40);
    return (start ? "…" : "") + source.slice(start, start + 120) + (source.length > start + 120 ? "…" : "");
  }

  function search(value) {
    results.replaceChildren();
    const query = terms(value);
    if (!query.length) { status.textContent = ""; results.hidden = true; return; }
    const phrase = normalise(value).trim().replace(/\s+/g, " ");
    const found = index.sections
      .map((section) => [score(section, query, phrase), section])
      .filter(([points]) => points > 0)
      .sort((a, b) => b[0] - a[0]);
    status.textContent = found.length ? say("results", { count: found.length }) : say("noResults");
    results.hidden = !found.length;
    for (const [, section] of found.slice(0, SHOWN)) {
      const page = index.pages[section.p];
      const link = document.createElement("a");
      link.href = `${body.dataset.root}${page.u}#${section.a}`;
      if (section.l) link.lang = section.l;  // a page shown in English
      const title = document.createElement("strong");
      title.textContent = section.h && section.h !== page.t ? `${page.t} › ${section.h}` : page.t;
      const excerpt = document.createElement("span");
      excerpt.textContent = snippet(section, query);
      link.append(title, excerpt);
      const item = document.createElement("li");
      item.append(link);
      results.append(item);
    }
    // The real count, and how many of them the list shows
    const count = document.createElement("li");
    count.className = "more";
    count.textContent = say("results", { count: found.length })
      + (found.length > SHOWN ? ` · ${say("moreResults", { shown: SHOWN })}` : "");
    results.append(count);
  }
  const SHOWN = 12;

  if (input && results) {
    input.addEventListener("focus", () => { loadIndex().catch(() => {}); });
    input.addEventListener("input", () => { loadIndex().then(() => search(input.value)); });
    input.form?.addEventListener("submit", (event) => {
      event.preventDefault();
      loadIndex().then(() => {
        search(input.value);
        results.querySelector("a")?.click();
      });
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); results.querySelector("a")?.focus(); }
    });
    results.addEventListener("keydown", (event) => {
      const links = [...results.querySelectorAll("a")];
      const at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown") { event.preventDefault(); links[Math.min(at + 1, links.length - 1)]?.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    });
  }
  whenIdle(runPending, { timeout: 500 });
})();

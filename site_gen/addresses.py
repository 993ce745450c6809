"""
# Where pages are

The addresses the settings give the site's pages. In: the settings. Out, for a
language-neutral page URL: its canonical (absolute) URL in a language, its
`hreflang` alternates, the link to a source's lines in the repository, and the
sitemap's entries. The same for every page, so pages and the sitemap share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from .config import Config
from .model import Source


@dataclass(frozen=True)
class Addresses:
    config: Config

    def canonical(self, url: PurePosixPath, lang: str) -> str:
        """The page's absolute URL; none without a site URL (a relative one would be invalid)."""
        if not self.config.site_url:
            return ""
        path = str(self.config.language_folder(lang) / url)
        if url.name == "index.html":
            path = path.removesuffix("index.html")
        return self.config.site_url + quote(path)

    def alternates(self, url: PurePosixPath) -> list[dict]:
        """`hreflang` links to the page in every language, and the default for others."""
        if len(self.config.languages) < 2 or not self.config.site_url:
            return []
        links = [dict(hreflang=lang, href=self.canonical(url, lang)) for lang in self.config.languages]
        return links + [dict(hreflang="x-default", href=self.canonical(url, self.config.default_language))]

    def source_href(self, source: Source, lines: list[int]) -> str:
        """The source in the repository, at `lines` (none: the whole file)."""
        if not self.config.repo_url:
            return ""
        href = f"{self.config.repo_url}/blob/{self.config.branch}/{source.path}"
        if lines:
            first, last = min(lines), max(lines)
            href += f"#L{first}" if first == last else f"#L{first}-L{last}"
        return href

    def sitemap(self, pages: list[PurePosixPath]) -> list[dict]:
        """The sitemap's entries: every page in every language, with its alternates."""
        return [dict(loc=self.canonical(url, lang), alternates=self.alternates(url))
                for url in sorted(pages, key=str) for lang in self.config.languages]

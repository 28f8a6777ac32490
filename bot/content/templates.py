"""Reply templates: jinja2 with Telegram-HTML autoescape and StrictUndefined.

Layout: ``replies/buyer/<lang>/<name>.html.j2`` (buyer-facing, one folder per language) and
``replies/seller/<lang>/<name>.html.j2`` (the seller console). Buyer text inserted into a
template is escaped; a value a template needs but does not get raises :class:`RenderError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from bot.domain.errors import ContentError, RenderError

SUFFIX = ".html.j2"


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _shorten(value: str, limit: int = 600) -> str:
    value = str(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class TemplateRenderer:
    """Implements the ``Renderer`` port over a ``replies`` folder."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ContentError(f"{directory}: replies folder not found")
        self.directory = directory
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["day"] = _day
        self.env.filters["shorten"] = _shorten

    @staticmethod
    def path(audience: str, language: str, name: str) -> str:
        """Template path relative to the replies folder."""
        return f"{audience}/{language}/{name}{SUFFIX}"

    def exists(self, audience: str, language: str, name: str) -> bool:
        """Whether that template file exists."""
        return (self.directory / self.path(audience, language, name)).is_file()

    def render(self, audience: str, language: str, name: str, context: dict[str, Any]) -> str:
        """Render one template; :class:`RenderError` names the file and what was missing."""
        path = self.path(audience, language, name)
        try:
            return self.env.get_template(path).render(**context).strip()
        except jinja2.TemplateNotFound:
            raise RenderError(f"{path}: template missing") from None
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{path}: {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"{path}:{exc.lineno}: {exc.message}") from None

    def validate(
        self,
        required: Iterable[tuple[str, str, str]],
        sample: Callable[[str], dict[str, Any]],
    ) -> None:
        """Check every template file compiles, the ``required`` (audience, language, name)
        templates exist, and each renders with ``sample(name)`` under StrictUndefined."""
        for file in sorted(self.directory.rglob(f"*{SUFFIX}")):
            relative = file.relative_to(self.directory).as_posix()
            try:
                self.env.get_template(relative)
            except jinja2.TemplateSyntaxError as exc:
                raise ContentError(f"{file}:{exc.lineno}: {exc.message}") from None
        for audience, language, name in required:
            path = self.path(audience, language, name)
            if not self.exists(audience, language, name):
                raise ContentError(f"{self.directory / path}: template missing")
            try:
                self.render(audience, language, name, sample(name))
            except RenderError as exc:
                raise ContentError(f"{self.directory}/{exc}") from None

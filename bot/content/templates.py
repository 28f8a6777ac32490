"""Reply templates: jinja2 with Telegram-HTML autoescape and StrictUndefined.

Layout: ``replies/buyer/<lang>/<name>.html.j2`` (buyer-facing, one folder per language) and
``replies/seller/<lang>/<name>.html.j2`` (the seller console). Buyer text inserted into a
template is escaped; a value a template needs but does not get raises :class:`RenderError`.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from bot.domain.errors import ContentError, RenderError

SUFFIX = ".html.j2"

log = logging.getLogger(__name__)


class CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept on disk, so a start does not compile ~1,500 templates again.

    One file per template name (not per folder: a replies folder copied elsewhere reuses
    it); jinja2 stores the source's checksum with the code and recompiles when the source
    changed. A cache that cannot be read or written is no cache, never a failure.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory), "%s.jinja")

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """The template's name alone (relative to the replies folder)."""
        return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Load the compiled code if readable (a damaged file just means compiling)."""
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError) as exc:
            log.debug("compiled template %s unreadable (%s): compiling", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Store the compiled code if the folder can be written."""
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("compiled template %s not kept (%s)", bucket.key, exc)


def compiled_templates(cache_dir: Path | None) -> CompiledTemplates | None:
    """The on-disk cache under ``cache_dir/templates``; None without a usable folder."""
    if cache_dir is None:
        return None
    folder = cache_dir / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.info("template cache %s unusable (%s): templates are compiled at each start",
                 folder, exc)  # fmt: skip
        return None
    return CompiledTemplates(folder)


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _shorten(value: str, limit: int = 600) -> str:
    value = str(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class TemplateRenderer:
    """Implements the ``Renderer`` port over a ``replies`` folder."""

    def __init__(self, directory: Path, cache_dir: Path | None = None) -> None:
        """Templates under ``directory``; compiled ones are kept under ``cache_dir`` (see
        :class:`CompiledTemplates`) when it is given."""
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
            bytecode_cache=compiled_templates(cache_dir),
            # Every template stays loaded (771 files, more than jinja's default 400), and none
            # is checked against its file again: an edit takes effect on restart, as for intents.
            cache_size=-1,
            auto_reload=False,
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

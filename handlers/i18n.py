"""Texts in Fluent files under handlers/locales/<language>/, one file per feature; nothing shown to users lives in code.

In the handlers layer so that both the handlers and the scheduler's jobs, which sit above it, can speak to people.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource

from models.core.programme import LANGUAGES

LOCALES = Path(__file__).resolve().parent / "locales"
log = logging.getLogger(__name__)

Value = str | int | float | date | datetime | None
MAX_ARGUMENT = 200


class Translator:
    """Formats one language's messages; string arguments are HTML-escaped, since messages are sent as HTML."""

    def __init__(self, language: str, bundle: FluentBundle) -> None:
        self.language = language
        self._bundle = bundle

    def __call__(self, key: str, /, **args: Value) -> str:
        return self._format(key, args, escape=True)

    def date(self, value: date) -> str:
        return value.strftime("%d.%m.%Y") if self.language == "ru" else value.strftime("%-d %b %Y")

    def raw(self, key: str, /, **args: Value) -> str:
        """For texts that are not parsed as HTML (button labels, alerts, file names): nothing to escape."""
        return self._format(key, args, escape=False)

    def _argument(self, value: Value, *, escape: bool) -> Value:
        if isinstance(value, date):
            return self.date(value)
        if not isinstance(value, str):
            return value
        if len(value) > MAX_ARGUMENT:
            # Fluent refuses long arguments outright; what a user typed is echoed shortened instead.
            value = value[: MAX_ARGUMENT - 1] + "…"
        return html.escape(value) if escape else value

    def has(self, key: str) -> bool:
        return bool(self._bundle.has_message(key))

    def _format(self, key: str, args: dict[str, Value], *, escape: bool) -> str:
        pattern = self._bundle.get_message(key).value if self._bundle.has_message(key) else None
        if pattern is None:
            log.error("missing text %r for language %s", key, self.language)
            return key
        plain = {name: self._argument(value, escape=escape) for name, value in args.items()}
        text, errors = self._bundle.format_pattern(pattern, plain)
        for error in errors:
            log.error("text %r in %s: %s", key, self.language, error)
        return str(text)


class Texts:
    """Every language's translator, loaded once at start-up."""

    def __init__(self, root: Path = LOCALES) -> None:
        self._translators: dict[str, Translator] = {}
        for language in LANGUAGES:
            bundle = FluentBundle([language], use_isolating=False)
            for path in sorted((root / language).glob("*.ftl")):
                bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
            self._translators[language] = Translator(language, bundle)

    def __getitem__(self, language: str) -> Translator:
        return self._translators.get(language, self._translators["en"])

    def all(self) -> Mapping[str, Translator]:
        return self._translators

    def variants(self, key: str) -> frozenset[str]:
        """A message in every language: how a reply-keyboard press is recognised whatever the user's language."""
        return frozenset(translator.raw(key) for translator in self._translators.values())

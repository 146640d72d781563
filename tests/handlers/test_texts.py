"""Every text exists in both languages, and every key the code asks for is written."""

from __future__ import annotations

import re
from pathlib import Path

from fluent.syntax import FluentParser, ast

from handlers.commands import CUSTOMER_COMMANDS, STAFF_COMMANDS
from handlers.i18n import LOCALES, Texts
from models.core.errors import DomainError
from models.core.programme import LANGUAGES
from tests.support.paths import ROOT

# t("key"), t.raw("key"), variants("key") and keys named in tuples like MENU_ROWS: any literal that looks like a key.
KEY_CALL = re.compile(r"""(?:\bt|\.raw|variants|translator)\(\s*["']([a-z][a-z0-9_-]+)["']""")


def message_ids(language: str) -> set[str]:
    ids: set[str] = set()
    for path in (LOCALES / language).glob("*.ftl"):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
        assert not junk, f"{path}: syntax error near {(junk[0].content or '')[:60]!r}"
        ids |= {entry.id.name for entry in resource.body if isinstance(entry, ast.Message)}
    return ids


def subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    return [cls, *(deeper for sub in cls.__subclasses__() for deeper in subclasses(sub))]


class TestLocales:
    def test_both_languages_have_the_same_texts(self) -> None:
        english, russian = message_ids("en"), message_ids("ru")
        assert sorted(english - russian) == [], "missing in Russian"
        assert sorted(russian - english) == [], "missing in English"

    def test_every_key_used_in_code_exists(self) -> None:
        used = {
            key
            for folder in ("handlers", "bot", "scheduler")
            for path in (ROOT / folder).rglob("*.py")
            for key in KEY_CALL.findall(path.read_text(encoding="utf-8"))
        }
        assert used, "the scan found no keys at all"
        for language in LANGUAGES:
            assert sorted(used - message_ids(language)) == [], language

    def test_every_command_and_refusal_has_a_text(self) -> None:
        import models  # noqa: F401 - loads every DomainError subclass

        needed = {f"cmd-{name}" for name in (*CUSTOMER_COMMANDS, *STAFF_COMMANDS)}
        needed |= {f"error-{cls.code}" for cls in subclasses(DomainError)}
        for language in LANGUAGES:
            assert sorted(needed - message_ids(language)) == [], language

    def test_formatting_escapes_user_supplied_text(self) -> None:
        assert "&lt;b&gt;" in Texts()["en"]("start-returning", name="<b>", points=1)


def test_locale_folder_is_where_the_package_ships_it() -> None:
    assert Path(LOCALES).is_relative_to(ROOT / "handlers")

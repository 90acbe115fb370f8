"""The reader's language, decided in this one place.

Words of the pages and e-mails are Django translations (gettext, the English
catalogue in locale/en). Names kept as data in both languages (``name`` /
``name_en`` columns of offices, ministries, policy areas, prefectures) are
picked with ``localised``. Both follow the active language: the request's
(LocaleMiddleware) or one set with ``translation.override`` (e-mails, in the
recipient's language).
"""

from django.utils import translation


def english() -> bool:
    """Whether the active language is English (Japanese otherwise)."""
    return (translation.get_language() or "ja").split("-")[0] == "en"


def localised(ja: str, en: str | None) -> str:
    """A name kept in both languages: the English one for an English reader, when there is one."""
    return en if en and english() else ja

"""Every CSV the site writes goes through ``writer``: a text cell that a
spreadsheet would read as a formula (CSV/formula injection, OWASP) is written
with a leading apostrophe, which spreadsheets show as text and do not run.

Only text is neutralised. Figures (int, float, Decimal; booleans and empty
cells) are written as they are, so that ``-1.5`` stays a number to sum and
chart; a *text* value such as a title or office name that happens to read
"-1.5" is still prefixed, since it is text and the prefix is harmless there.
"""

from __future__ import annotations

import csv

# The characters that start a formula (=, +, -, @) or let one start after a
# cell separator (tab, carriage return), and their full-width forms, which
# Japanese input and some spreadsheet imports turn into the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value):
    """The value to write: text that starts like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every row passes through ``safe_cell``."""

    def __init__(self, out, **options):
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **options) -> SafeWriter:
    return SafeWriter(out, **options)

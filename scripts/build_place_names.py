"""Add Russian and Kazakh names to bot/reference/data/places.tsv.gz (the offline gazetteer).

The gazetteer names towns as GeoNames does, in Latin ("Doha"), which reads oddly inside a
Cyrillic sentence. Two published, offline sources give names by language:

- Russian: GeoNames' language-tagged alternate names (`ru`), as shipped by the `pycities`
  distribution on PyPI (GeoNames cities15000, CC BY 4.0): about 12,000 towns of 15,000+.
- Kazakh: Unicode CLDR's exemplar cities of the time zones (`kk`), as shipped with Babel
  (already a dependency): the ~400 cities that name a zone (Dubai, Istanbul -> Стамбұл).

No name is made up: a town without a Russian name keeps its Latin one, and a Kazakh reader
gets the Russian name where CLDR has no Kazakh one (bot.reference.geo does the fallback).
The rows themselves stay as scripts/build_places.py wrote them. One-off, on a developer
machine:

    .venv/bin/pip install pycities && .venv/bin/python scripts/build_place_names.py
"""

from __future__ import annotations

import gzip
import math
import sqlite3
from collections import defaultdict
from pathlib import Path

import pycities  # type: ignore[import-not-found]
from babel import Locale

PLACES = Path(__file__).resolve().parent.parent / "bot" / "reference" / "data" / "places.tsv.gz"
# A GeoNames row and a gazetteer row of the same name this close are the same town.
SAME_TOWN_KM = 15.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def _exemplars() -> dict[str, tuple[str, str]]:
    """Time zone -> (English exemplar city, Kazakh exemplar city), where CLDR has both."""
    en, kk = Locale.parse("en").time_zones, Locale.parse("kk").time_zones
    found = {}
    for zone, names in kk.items():
        kazakh = names.get("city")
        english = en.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        if kazakh:
            found[zone] = (english, kazakh)
    return found


def main() -> None:
    """Rewrite the gazetteer with two more columns: Russian name, Kazakh name (may be empty)."""
    db = Path(pycities.__file__).parent / "data" / "data.db"
    exemplars = _exemplars()
    towns: dict[tuple[str, str], list[tuple[float, float, str, str]]] = defaultdict(list)
    with sqlite3.connect(db) as conn:
        for name, ascii_name, ru, zone, lat, lon, code in conn.execute(
            "SELECT name, ascii_name, name_ru, timezone, latitude, longitude, country_code"
            " FROM city"
        ):
            kazakh = ""
            english, cldr_kk = exemplars.get(zone, ("", ""))
            if english in (name, ascii_name):
                kazakh = cldr_kk
            if ru or kazakh:
                for key in {name, ascii_name}:
                    towns[(code, key)].append((lat, lon, ru or "", kazakh))
    rows = gzip.decompress(PLACES.read_bytes()).decode("utf-8").splitlines()
    out, named = [], 0
    for row in rows:
        code, lat_s, lon_s, name = row.split("\t")[:4]
        lat, lon = float(lat_s), float(lon_s)
        near = [t for t in towns.get((code, name), ()) if _km(lat, lon, t[0], t[1]) < SAME_TOWN_KM]
        ru, kk = (near[0][2], near[0][3]) if near else ("", "")
        named += bool(ru or kk)
        out.append(f"{code}\t{lat_s}\t{lon_s}\t{name}\t{ru}\t{kk}")
    PLACES.write_bytes(gzip.compress(("\n".join(out) + "\n").encode(), mtime=0))
    print(f"{len(out)} places, {named} with a Russian or Kazakh name -> {PLACES}")


if __name__ == "__main__":
    main()

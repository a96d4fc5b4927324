"""Offline gazetteer: a shared GPS point -> nearest town and its country; a typed town -> where.

The gazetteer (data/places.tsv.gz, GeoNames, towns of 5,000+) is bucketed into a 1-degree grid
once, so a lookup reads only the few cells around the point instead of 60,000 rows. No
network, no numpy/scipy. Each row carries the town's Latin name and, where a published source
has them, its Russian and Kazakh names (scripts/build_place_names.py says which sources).
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.reference.countries import normalize

DATA = Path(__file__).resolve().parent / "data" / "places.tsv.gz"
EARTH_KM = 6371.0
# Beyond this distance from any town of 5,000 people we do not guess: the point is at sea,
# in an empty desert or simply wrong, and the citizen is asked to choose the country.
MAX_DISTANCE_KM = 60.0
# A town with a Russian or Kazakh name (one of 15,000+ people) this close wins over a nearer
# unnamed one: at Doha's airport the nearest row is a district ("Al Maţār al ‘Atīq", 5.8 km)
# and Doha itself is 7.9 km away; consuls and citizens both say "Doha".
NAMED_TOWN_KM = 10.0


@dataclass(frozen=True, slots=True)
class Place:
    """The nearest known town."""

    country: str
    city: str
    latitude: float
    longitude: float
    distance_km: float
    ru: str = ""
    kk: str = ""

    def name(self, lang: str) -> str:
        """The town's name for a reader of `lang`: Kazakh, else Russian, else the Latin one.

        A Kazakh reader gets the Russian form where no Kazakh one is published: foreign towns
        are written the same way in Kazakh Cyrillic far more often than not (Доха, Дубай).
        """
        if lang == "kk":
            return self.kk or self.ru or self.city
        if lang == "ru":
            return self.ru or self.city
        return self.city


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


# country, latitude, longitude, Latin name, Russian name, Kazakh name
_Row = tuple[str, float, float, str, str, str]


@cache
def _rows() -> list[_Row]:
    rows = []
    for line in gzip.decompress(DATA.read_bytes()).decode("utf-8").splitlines():
        # Files written before the names were added have four columns.
        code, lat_s, lon_s, name, ru, kk = [*line.split("\t"), "", ""][:6]
        rows.append((code, float(lat_s), float(lon_s), name, ru, kk))
    return rows


@cache
def _grid() -> dict[tuple[int, int], list[_Row]]:
    grid: dict[tuple[int, int], list[_Row]] = {}
    for row in _rows():
        grid.setdefault((math.floor(row[1]), math.floor(row[2])), []).append(row)
    return grid


def nearest(latitude: float, longitude: float) -> Place | None:
    """The nearest town within MAX_DISTANCE_KM, or None (sea, desert, invalid point)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    grid = _grid()
    cy, cx = math.floor(latitude), math.floor(longitude)
    best: tuple[float, _Row] | None = None
    named: tuple[float, _Row] | None = None
    # One degree of latitude is 111 km, so the 3x3 block around the point covers the radius
    # except near the poles, where there is nobody to register anyway.
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            lon_cell = (cx + dx + 180) % 360 - 180
            for row in grid.get((cy + dy, lon_cell), ()):
                dist = haversine_km(latitude, longitude, row[1], row[2])
                if best is None or dist < best[0]:
                    best = (dist, row)
                if (row[4] or row[5]) and (named is None or dist < named[0]):
                    named = (dist, row)
    if best is None or best[0] > MAX_DISTANCE_KM:
        return None
    if named is not None and named[0] <= NAMED_TOWN_KM:
        best = named
    dist, (code, lat, lon, name, ru, kk) = best
    return Place(code, name, lat, lon, round(dist, 1), ru, kk)


@cache
def _by_name() -> dict[str, dict[str, tuple[int, Place]]]:
    """Normalized town name -> country -> (rank, the town); rank 0 for towns with a
    Russian or Kazakh name (the larger ones), 1 for the rest."""
    index: dict[str, dict[str, tuple[int, Place]]] = {}
    for code, lat, lon, name, ru, kk in _rows():
        place = Place(code, name, lat, lon, 0.0, ru, kk)
        rank = 0 if ru or kk else 1
        for variant in {name, ru, kk}:
            key = normalize(variant) if variant else ""
            if len(key) < 3:
                continue
            known = index.setdefault(key, {})
            if code not in known or rank < known[code][0]:
                known[code] = (rank, place)
    return index


def towns_named(text: str) -> dict[str, Place]:
    """Country -> the town of that name there, for a typed city ("Доха", "Doha, airport").

    The whole text is tried, then its part before the first comma, so "Амман, аэропорт
    Королевы Алии" is Amman. Empty when the gazetteer knows no town of that name (a district,
    an airport's own name, a typo): then there is nothing to check against.
    """
    index = _by_name()
    for candidate in (text, text.split(",")[0]):
        found = index.get(normalize(candidate))
        if found:
            ordered = sorted(found.items(), key=lambda item: item[1][0])
            return {code: place for code, (_, place) in ordered}
    return {}


def city_elsewhere(text: str, country: str) -> Place | None:
    """The town a typed city names in another country, when it names none in `country`.

    "Доха" typed for Iran -> Doha, Qatar. None when the name is unknown, or known in
    `country` too (then the citizen's choice stands).
    """
    found = towns_named(text)
    if not found or country in found:
        return None
    # Larger towns (those with a published Russian or Kazakh name) first.
    return next(iter(found.values()))

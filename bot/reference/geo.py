"""Offline reverse geocoding: a shared GPS point -> nearest town and its country.

The gazetteer (bot/data/places.tsv.gz, GeoNames, towns of 5,000+) is bucketed into a
1-degree grid once, so a lookup reads only the few cells around the point instead of
60,000 rows. No network, no numpy/scipy.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "places.tsv.gz"
EARTH_KM = 6371.0
# Beyond this distance from any town of 5,000 people we do not guess: the point is at sea,
# in an empty desert or simply wrong, and the citizen is asked to choose the country.
MAX_DISTANCE_KM = 60.0


@dataclass(frozen=True, slots=True)
class Place:
    """The nearest known town."""

    country: str
    city: str
    latitude: float
    longitude: float
    distance_km: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


_Row = tuple[str, float, float, str]


@cache
def _grid() -> dict[tuple[int, int], list[_Row]]:
    grid: dict[tuple[int, int], list[_Row]] = {}
    for line in gzip.decompress(DATA.read_bytes()).decode("utf-8").splitlines():
        code, lat_s, lon_s, name = line.split("\t")
        lat, lon = float(lat_s), float(lon_s)
        grid.setdefault((math.floor(lat), math.floor(lon)), []).append((code, lat, lon, name))
    return grid


def nearest(latitude: float, longitude: float) -> Place | None:
    """The nearest town within MAX_DISTANCE_KM, or None (sea, desert, invalid point)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    grid = _grid()
    cy, cx = math.floor(latitude), math.floor(longitude)
    best: tuple[float, _Row] | None = None
    # One degree of latitude is 111 km, so the 3x3 block around the point covers the radius
    # except near the poles, where there is nobody to register anyway.
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            lon_cell = (cx + dx + 180) % 360 - 180
            for row in grid.get((cy + dy, lon_cell), ()):
                dist = haversine_km(latitude, longitude, row[1], row[2])
                if best is None or dist < best[0]:
                    best = (dist, row)
    if best is None or best[0] > MAX_DISTANCE_KM:
        return None
    dist, (code, lat, lon, name) = best
    return Place(code, name, lat, lon, round(dist, 1))

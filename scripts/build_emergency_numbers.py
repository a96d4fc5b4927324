"""Rebuild bot/reference/data/emergency.tsv: each country's local emergency numbers.

Source: libphonenumber's short-number metadata (ShortNumberMetadata.xml, the <emergency>
pattern of each region; Google, Apache-2.0), as shipped by the `phonenumbers` distribution
the bot already depends on. The pattern is expanded to the numbers of 2-4 digits it matches,
the source's example number first, then 112. The source does not say which service a number
reaches, so neither does the bot. Usage (one-off, after upgrading phonenumbers):

    .venv/bin/python scripts/build_emergency_numbers.py
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.shortdata import _AVAILABLE_REGION_CODES as SHORT_REGIONS

OUT = Path(__file__).resolve().parent.parent / "bot" / "reference" / "data" / "emergency.tsv"
CANDIDATES = ["".join(d) for n in (2, 3, 4) for d in itertools.product("0123456789", repeat=n)]


def numbers(region: str) -> list[str]:
    """The emergency numbers of a region, its example first."""
    metadata = PhoneMetadata.short_metadata_for_region(region)
    emergency = metadata.emergency if metadata else None
    if emergency is None or not emergency.national_number_pattern:
        return []
    pattern = re.compile(emergency.national_number_pattern)
    found = [c for c in CANDIDATES if pattern.fullmatch(c)]
    # The example first, then 112 (which GSM phones route even without a SIM), then the rest.
    for first in reversed([n for n in (emergency.example_number, "112") if n in found]):
        found.remove(first)
        found.insert(0, first)
    return found


def main() -> None:
    """Write the table."""
    lines = [
        "# Local emergency numbers by country (ISO 3166-1 alpha-2): the source's example,",
        "# then 112, then the rest.",
        "# Source: libphonenumber ShortNumberMetadata.xml, <emergency> of each region (Google,",
        f"# Apache-2.0), as shipped by phonenumbers {phonenumbers.__version__}.",
        "# Rebuilt by scripts/build_emergency_numbers.py; the source names no services.",
    ]
    for region in sorted(SHORT_REGIONS):
        found = numbers(region)
        if re.fullmatch(r"[A-Z]{2}", region) and found:
            lines.append(f"{region}\t{' '.join(found)}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 5} countries -> {OUT}")


if __name__ == "__main__":
    main()

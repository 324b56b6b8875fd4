"""Stop with one clear line when WeasyPrint's system libraries (Pango, HarfBuzz) are missing.

Runs with the system Python before the virtualenv exists, so it only asks the dynamic loader.
"""

import ctypes.util
import sys

NEEDED = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz": "libharfbuzz0b",
}
missing = [package for lib, package in NEEDED.items() if ctypes.util.find_library(lib) is None]
if missing:
    print(
        "Missing system libraries for PDF rendering (WeasyPrint). Install them with: "
        f"sudo apt-get install -y {' '.join(missing)} libharfbuzz-subset0",
        file=sys.stderr,
    )
    sys.exit(1)
if ctypes.util.find_library("harfbuzz-subset") is None:
    print(
        "Note: libharfbuzz-subset0 is not installed; PDFs will render about 4x slower "
        "(sudo apt-get install -y libharfbuzz-subset0).",
        file=sys.stderr,
    )

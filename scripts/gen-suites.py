#!/usr/bin/env python3
"""Write the category suites (json-bodies, path-params, query-params, forms) and the mixed suite
from suites/all.toml.

Each category suite holds the `all` workloads of that category, copied verbatim so
there is one definition to edit. Run from anywhere after changing all.toml:

    python3 scripts/gen-suites.py

The Rust unit tests fail if a category suite drifts from `all`.
"""

import os
import re

SUITES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "suites")

CATEGORIES = {
    "json-bodies": "JSON request bodies from ~86 B to ~150 KiB, echoed back by the app",
    "path-params": "Path parameter extraction: strings, several segments, integers, UUIDs, dates",
    "query-params": "Query string parsing with typed values: 3, 8 and 16 parameters",
    "forms": "application/x-www-form-urlencoded bodies: 4 and 18 fields with escapes",
}


def blocks(text):
    """The `[[workloads]]` blocks of a suite file, without section comments or trailing blanks."""
    body = text[text.index("[[workloads]]"):]
    lines = [line for line in body.splitlines() if not line.startswith("# ---")]
    out, current = [], []
    for line in lines:
        if line == "[[workloads]]" and current:
            out.append("\n".join(current).rstrip() + "\n")
            current = []
        current.append(line)
    out.append("\n".join(current).rstrip() + "\n")
    return out


# The mixed suite: a read-heavy API, its workloads sent interleaved by these weights.
MIXED = {"path-simple": 4, "query-few": 3, "json-small": 2, "urlencoded-simple": 1}


def main():
    with open(os.path.join(SUITES, "all.toml"), encoding="utf-8") as f:
        all_blocks = blocks(f.read())
    for category, description in CATEGORIES.items():
        chosen = [b for b in all_blocks if re.search(rf'^category = "{category}"$', b, re.M)]
        header = (
            f"# Generated from all.toml by scripts/gen-suites.py: edit all.toml, then rerun.\n"
            f'name = "{category}"\n'
            f'description = "{description}"\n'
        )
        with open(os.path.join(SUITES, f"{category}.toml"), "w", encoding="utf-8") as f:
            f.write(header + "\n" + "\n".join(chosen))
        print(f"{category}.toml: {len(chosen)} workloads")
    mixed = []
    for name, weight in MIXED.items():
        block = next(b for b in all_blocks if re.search(rf'^name = "{name}"$', b, re.M))
        mixed.append(block.replace(f'name = "{name}"\n', f'name = "{name}"\nweight = {weight}\n', 1))
    header = (
        "# Generated from all.toml by scripts/gen-suites.py: edit all.toml (weights: MIXED in the script), then rerun.\n"
        'name = "mixed"\n'
        'description = "A read-heavy API mix: path, query, JSON and form requests interleaved by weight '
        'on the same connections (4:3:2:1)"\n'
        'mode = "mixed"\n'
    )
    with open(os.path.join(SUITES, "mixed.toml"), "w", encoding="utf-8") as f:
        f.write(header + "\n" + "\n".join(mixed))
    print(f"mixed.toml: {len(mixed)} workloads")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the JSON body variants (suites/fixtures/json-*-variant.json) from the fixtures.

A variant has the same shape and about the same size as its fixture, with every value
changed: strings reversed, integers plus one, floats plus 0.25, booleans negated (null stays).
The `[[workloads.variants]]` of json-medium, json-large and json-very-large send them in turn
with the fixture, so that an app cannot pass, or be measured, with one constant answer.
Deterministic; run from anywhere after changing a fixture:

    python3 scripts/gen-variant-fixtures.py
"""

import json
import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "suites", "fixtures")
NAMES = ["json-medium", "json-large", "json-very-large"]


def vary(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.25
    if isinstance(value, str):
        return value[::-1]
    if isinstance(value, list):
        return [vary(v) for v in value]
    if isinstance(value, dict):
        return {k: vary(v) for k, v in value.items()}
    return value


def main():
    for name in NAMES:
        with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as f:
            text = f.read()
        original = json.loads(text)
        variant = vary(original)
        assert variant != original, name
        out = json.dumps(variant, ensure_ascii=False, separators=(",", ":"))
        if text.endswith("\n"):
            out += "\n"
        with open(os.path.join(FIXTURES, name + "-variant.json"), "w", encoding="utf-8") as f:
            f.write(out)
        print(f"{name}-variant.json: {len(out.encode())} bytes (fixture {len(text.encode())})")


if __name__ == "__main__":
    main()

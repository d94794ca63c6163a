#!/usr/bin/env python3
"""Validate files against a JSON Schema with Python's jsonschema: a validator independent of
the harness's Rust types, used by the e2e tests (tests/e2e/schema_validation.rs).

Usage: validate_schema.py SCHEMA.json FILE...
Each FILE is JSON, or TOML (read with tomllib) when it ends in .toml. The validator class
follows the schema's "$schema" (Draft 2020-12 for ours); the schema itself is checked first.
Prints "ok FILE" or "invalid FILE" with every error (path and message); exits 1 when any file
is invalid, 2 on bad usage or an unreadable file.
"""
import importlib.metadata
import json
import sys
import tomllib

import jsonschema


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f) if path.endswith(".toml") else json.load(f)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        schema = load(argv[1])
    except (OSError, ValueError) as e:
        print(f"error: cannot read schema {argv[1]}: {e}", file=sys.stderr)
        return 2
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    version = importlib.metadata.version("jsonschema")
    print(f"validator {cls.__name__} (jsonschema {version}) for {schema.get('$schema')}")
    bad = 0
    for path in argv[2:]:
        try:
            instance = load(path)
        except (OSError, ValueError) as e:
            print(f"error: cannot read {path}: {e}", file=sys.stderr)
            return 2
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            bad += 1
            print(f"invalid {path}")
            for e in errors:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"  at {where}: {e.message}")
        else:
            print(f"ok {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

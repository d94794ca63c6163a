#!/usr/bin/env python3
"""Generate the JSON request bodies of the `json-bodies` workloads.

Deterministic: no randomness, no clock. Run from the repository root:

    python3 scripts/gen-fixtures.py

and commit the files under suites/fixtures/. Sizes are checked against the
targets of docs WORKLOADS.md (within 10 %); the Rust unit tests check them again.

Floats are chosen to round-trip exactly through common JSON libraries: at most
two or three fraction digits, never integral (no `1.0`), and integers stay far
below 2^53.
"""

import json
import os
import sys

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "suites", "fixtures")

TARGETS = {
    "json-small.json": 86,
    "json-medium.json": 1536,
    "json-large.json": 15 * 1024,
    "json-very-large.json": 150 * 1024,
}

FIRST = ["Zoé", "Hiroshi", "Amélie", "Lars", "Priya", "Mateo", "Chloé", "Kwame", "Yuki", "Søren"]
LAST = ["Dubois", "Tanaka", "Müller", "O'Brien", "Okafor", "García", "Nguyễn", "Kowalski"]
CITIES = [
    ("Montréal", "CA"), ("東京", "JP"), ("Zürich", "CH"), ("São Paulo", "BR"),
    ("Kraków", "PL"), ("Lagos", "NG"), ("Reykjavík", "IS"), ("Berlin", "DE"),
]
ADJ = ["Compact", "Wireless", "Ergonomic", "Ultra-light", "Waterproof", "Smart", "Classic"]
NOUN = ["Headphones", "Keyboard", "Backpack", "Kettle", "Lamp", "Camera", "Notebook", "Speaker"]
TAGS = ["new", "sale", "eco", "日本製", "bestseller", "gift 🎁", "limited", "refurbished"]
NOTES = [
    'Leave at the "blue" door',
    "Ring twice\nthen wait",
    "Path: C:\\Users\\share",
    "Fragile ⚠️ handle with care",
    "Merci beaucoup! 😊",
    None,
]


def price(i, base):
    """A price in cents turned into a float with a non-zero fraction, e.g. 19.99."""
    cents = base + (i * 137) % 9000
    if cents % 100 == 0:
        cents += 49
    return cents / 100


def rating(i):
    return [4.5, 3.75, 4.25, 2.5, 4.125, 3.5][i % 6]


def address(i):
    city, country = CITIES[i % len(CITIES)]
    return {
        "street": f"{10 + i % 90} Rue de l'Église",
        "city": city,
        "postal_code": f"{10000 + (i * 7919) % 89999}",
        "country": country,
        "geo": {"lat": 45.0625 + (i % 40) / 8, "lng": -73.125 + (i % 16) / 4},
    }


def customer(i):
    first = FIRST[i % len(FIRST)]
    last = LAST[(i * 3) % len(LAST)]
    return {
        "id": 100000 + i * 31,
        "name": f"{first} {last}",
        "email": f"{first.lower().replace('é', 'e')}.{i}@example.com",
        "verified": i % 3 != 0,
        "phone": None if i % 4 == 0 else f"+1-555-{1000 + i % 9000:04d}",
        "address": address(i),
    }


def product(i):
    return {
        "sku": f"SKU-{i:05d}",
        "name": f"{ADJ[i % len(ADJ)]} {NOUN[(i * 5) % len(NOUN)]}",
        "price": price(i, 999),
        "currency": "EUR" if i % 2 else "USD",
        "in_stock": i % 5 != 0,
        "stock": (i * 13) % 250,
        "rating": rating(i),
        "tags": [TAGS[i % len(TAGS)], TAGS[(i + 3) % len(TAGS)]],
        "dimensions": {"width_cm": 12.5 + i % 7, "height_cm": 4.25 + i % 3, "weight_kg": 0.75},
        "description": f"Item #{i}: a \"{ADJ[(i + 2) % len(ADJ)].lower()}\" pick.\nNo. {i} — café edition",
        "discontinued_at": None,
    }


def order(i, n_items):
    items = []
    for k in range(n_items):
        p = product(i * 7 + k)
        items.append({
            "sku": p["sku"],
            "name": p["name"],
            "quantity": 1 + (i + k) % 4,
            "unit_price": p["price"],
            "options": {"gift_wrap": (i + k) % 2 == 0, "color": ["black", "white", "red"][k % 3]},
        })
    return {
        "order_id": f"ORD-2024-{i:06d}",
        "status": ["pending", "paid", "shipped", "delivered"][i % 4],
        "created_at": f"2024-0{1 + i % 9}-{10 + i % 18}T08:{10 + i % 50}:00Z",
        "customer": customer(i),
        "items": items,
        "totals": {"subtotal": price(i, 4999), "tax": price(i, 399), "shipping": 4.99, "discount": None},
        "note": NOTES[i % len(NOTES)],
    }


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def small():
    return {"id": 1042, "name": "Zoé \"Zed\" Ng", "active": True, "score": 4.5, "tags": ["日本", None]}


def medium(target):
    """One order whose item count is chosen to bring the document closest to `target` bytes."""
    def doc(n):
        o = order(3, n)
        o["gift_message"] = '"Joyeux anniversaire!" 🎂\nLove, Zoé \\o/'
        return {"order": o}

    n = 1
    while len(compact(doc(n))) < target:
        n += 1
    # Whole items are ~140 B: keep whichever count lands closer to the target.
    if n > 1 and target - len(compact(doc(n - 1))) < len(compact(doc(n))) - target:
        n -= 1
    return doc(n)


def catalogue(target, start):
    """A catalogue page that grows by whole products until it reaches `target` bytes."""
    doc = {
        "page": {"number": 1, "size": 0, "total_items": 0, "has_more": True},
        "store": {"id": 77, "name": "Boutique Élan 🛍️", "currency": "EUR", "open": True, "manager": None},
        "products": [],
        "recent_orders": [order(start + k, 2) for k in range(2)],
    }
    i = start
    while len(compact(doc)) < target:
        doc["products"].append(product(i))
        i += 1
        doc["page"]["size"] = len(doc["products"])
        doc["page"]["total_items"] = 10000 + len(doc["products"])
    return doc


def main():
    docs = {
        "json-small.json": small(),
        "json-medium.json": medium(TARGETS["json-medium.json"]),
        "json-large.json": catalogue(TARGETS["json-large.json"], 1),
        "json-very-large.json": catalogue(TARGETS["json-very-large.json"], 1000),
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    ok = True
    for name, doc in docs.items():
        data = compact(doc)
        target = TARGETS[name]
        within = abs(len(data) - target) <= target / 10
        ok &= within
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} B (target {target} B){'' if within else '  OUT OF RANGE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Ratios between two load generators measured in alternating rounds (scripts/bench-*.sh)."""
import math
import statistics

# Two-sided 95 % quantiles of Student's t by degrees of freedom (scipy.stats.t.ppf(0.975, df)).
T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 7: 2.3646, 8: 2.3060,
        9: 2.2622, 10: 2.2281, 11: 2.2010, 12: 2.1788, 13: 2.1604, 14: 2.1448, 15: 2.1314,
        16: 2.1199, 17: 2.1098, 18: 2.1009, 19: 2.0930, 20: 2.0860, 25: 2.0595, 30: 2.0423}

def ratio_interval(ratios):
    """The geometric mean of the per-round ratios (each round runs the tools back to back) with
    a 95 % t-interval on their logarithms, and what it says about the goal ratio >= 1.0."""
    if len(ratios) < 2 or min(ratios) <= 0:
        return ""
    logs = [math.log(r) for r in ratios]
    df = len(logs) - 1
    t = T975.get(df) or T975[max(k for k in T975 if k <= df)]
    half = t * statistics.stdev(logs) / math.sqrt(len(logs))
    mean = statistics.fmean(logs)
    lo, hi = math.exp(mean - half), math.exp(mean + half)
    word = "above 1" if lo > 1 else ("below 1" if hi < 1 else "contains 1")
    return f"; geometric mean {math.exp(mean):.3f}, 95 % CI {lo:.3f}–{hi:.3f}, {word}"


def alternate(rounds, ours, reference, name, unit):
    """Runs `ours` (returns its rate and its generator CPU %) and `reference` (returns its rate)
    for `rounds` rounds, alternating which goes first, and prints every run, the medians and
    the ratio ours/`name` per round with its median and interval (goal >= 1.0)."""
    res = {"ours": [], name: []}
    width = max(len(name), len("ours"))
    for r in range(rounds):
        for who in (["ours", name] if r % 2 == 0 else [name, "ours"]):
            if who == "ours":
                rate, cpu = ours()
                print(f"  round {r + 1}: {'ours':<{width}} {rate:10.0f} {unit} (generator CPU {cpu}%)")
            else:
                rate = reference()
                print(f"  round {r + 1}: {name:<{width}} {rate:10.0f} {unit}")
            res[who].append(rate)
    ratios = [o / h for o, h in zip(res["ours"], res[name])]
    for who in ("ours", name):
        print(f"{who:<{width + 2}} median {statistics.median(res[who]):10.0f} {unit}")
    print(f"ratio ours/{name} per round: {' '.join(f'{x:.3f}' for x in ratios)} "
          f"(median {statistics.median(ratios):.3f}{ratio_interval(ratios)}; goal ≥ 1.0)")

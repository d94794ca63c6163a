//! Execution segments and segment sequences (k6's model): a segment `a:b` is the share
//! `b − a` of the whole load, a sequence `0,1/4,1/2,3/4,1` lists every shard's segment, and
//! integers (connections, milli-requests per second) are split across the sequence by
//! striping so that the shards' shares always sum to exactly the whole. Pure arithmetic.

use std::fmt;

use super::ShardError;

/// The largest denominator (and least common denominator of a sequence) accepted: finer
/// splits than a millionth of the load mean nothing and would make striping slow.
const MAX_DENOMINATOR: u64 = 1_000_000;

/// A fraction `num/den` in 0..=1, always reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fraction {
    num: u64,
    den: u64,
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Denominators are at most 10^9, so the products fit in u128 (and u64 in practice).
        (u128::from(self.num) * u128::from(other.den)).cmp(&(u128::from(other.num) * u128::from(self.den)))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Fraction {
    fn new(num: u64, den: u64) -> Option<Fraction> {
        if den == 0 || num > den || den > MAX_DENOMINATOR * 1_000 {
            return None;
        }
        let g = gcd(num, den);
        let f = Fraction { num: num / g, den: den / g };
        (f.den <= MAX_DENOMINATOR).then_some(f)
    }

    pub const ZERO: Fraction = Fraction { num: 0, den: 1 };
    pub const ONE: Fraction = Fraction { num: 1, den: 1 };

    /// `1/4`, `0.25` or `25%` (k6 accepts the same three forms).
    pub fn parse(text: &str) -> Option<Fraction> {
        let t = text.trim();
        if let Some(p) = t.strip_suffix('%') {
            let f = decimal(p.trim())?;
            return Fraction::new(f.0, f.1.checked_mul(100)?);
        }
        if let Some((n, d)) = t.split_once('/') {
            return Fraction::new(n.trim().parse().ok()?, d.trim().parse().ok()?);
        }
        let (n, d) = decimal(t)?;
        Fraction::new(n, d)
    }

    /// The value as a float (for display and checks only).
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    fn sub(self, other: Fraction) -> (u64, u64) {
        // self ≥ other; both denominators ≤ 10^6, so the products fit in u64.
        (self.num * other.den - other.num * self.den, self.den * other.den)
    }
}

/// A plain decimal such as `0`, `1`, `0.25` as numerator and power-of-ten denominator.
fn decimal(t: &str) -> Option<(u64, u64)> {
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() || !(int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())) {
        return None;
    }
    if frac.len() > 9 {
        return None;
    }
    let den = 10u64.pow(frac.len() as u32);
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    Some((int.checked_mul(den)?.checked_add(frac)?, den))
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.num, self.den) {
            (n, 1) => write!(f, "{n}"),
            (n, d) => write!(f, "{n}/{d}"),
        }
    }
}

/// One shard's share of the load: `from:to`, with `0 ≤ from < to ≤ 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    pub from: Fraction,
    pub to: Fraction,
}

impl Segment {
    /// The whole load, `0:1`.
    pub const WHOLE: Segment = Segment { from: Fraction::ZERO, to: Fraction::ONE };

    /// `a:b`, or `b` alone for `0:b` (as k6).
    pub fn parse(text: &str) -> Result<Segment, ShardError> {
        let bad = || ShardError::BadSegment { value: text.to_string() };
        let (from, to) = match text.split_once(':') {
            Some((a, b)) => (Fraction::parse(a).ok_or_else(bad)?, Fraction::parse(b).ok_or_else(bad)?),
            None => (Fraction::ZERO, Fraction::parse(text).ok_or_else(bad)?),
        };
        if from >= to {
            return Err(bad());
        }
        Ok(Segment { from, to })
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.from, self.to)
    }
}

/// Every shard's segment, consecutive from 0 to 1, with the striping that splits integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    points: Vec<Fraction>,
    /// Least common denominator of the segments' lengths.
    lcd: u64,
    /// Each segment's length in units of `1/lcd`.
    units: Vec<u64>,
    /// Which segment owns each of the positions `0..lcd` (the striping pattern).
    owner: Vec<usize>,
}

impl Sequence {
    /// `0,1/4,1/2,3/4,1`; points must increase strictly. A sequence that does not start at 0
    /// or end at 1 is completed with the missing segments, as k6 does.
    pub fn parse(text: &str) -> Result<Sequence, ShardError> {
        let bad = |reason: &str| ShardError::BadSequence { value: text.to_string(), reason: reason.into() };
        let mut points = Vec::new();
        for part in text.split(',') {
            let f = Fraction::parse(part)
                .ok_or_else(|| bad(&format!("'{}' is not a fraction from 0 to 1", part.trim())))?;
            if points.last().is_some_and(|&last| f <= last) {
                return Err(bad("its points must increase"));
            }
            points.push(f);
        }
        if points.len() < 2 {
            return Err(bad("it needs at least 2 points"));
        }
        Sequence::from_points(points).ok_or_else(|| bad("its fractions are too fine (lcd over 1000000)"))
    }

    /// The sequence made of one segment and whatever completes it to 0..1.
    pub fn around(segment: Segment) -> Sequence {
        let points = [Fraction::ZERO, segment.from, segment.to, Fraction::ONE];
        let mut p: Vec<Fraction> = points.to_vec();
        p.dedup();
        Sequence::from_points(p).expect("a parsed segment's denominators are bounded")
    }

    fn from_points(mut points: Vec<Fraction>) -> Option<Sequence> {
        if points[0] != Fraction::ZERO {
            points.insert(0, Fraction::ZERO);
        }
        if *points.last()? != Fraction::ONE {
            points.push(Fraction::ONE);
        }
        let lengths: Vec<(u64, u64)> = points.windows(2).map(|w| w[1].sub(w[0])).collect();
        let lengths: Vec<(u64, u64)> = lengths.iter().map(|&(n, d)| (n / gcd(n, d), d / gcd(n, d))).collect();
        let mut lcd = 1u64;
        for &(_, d) in &lengths {
            lcd = lcd.checked_mul(d / gcd(lcd, d))?;
            if lcd > MAX_DENOMINATOR {
                return None;
            }
        }
        let units: Vec<u64> = lengths.iter().map(|&(n, d)| n * (lcd / d)).collect();
        let owner = stripe(&units, lcd);
        Some(Sequence { points, lcd, units, owner })
    }

    /// The segments, in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        self.points.windows(2).map(|w| Segment { from: w[0], to: w[1] })
    }

    /// The index of `segment` in the sequence, if it is one of its segments.
    pub fn position(&self, segment: Segment) -> Option<usize> {
        self.segments().position(|s| s == segment)
    }

    /// Segment `index`'s share of `value`: the shares of all segments sum to `value` exactly,
    /// and each is within 1 of `value × length`.
    pub fn scale(&self, index: usize, value: u64) -> u64 {
        let whole = (value / self.lcd) * self.units[index];
        let rest = (value % self.lcd) as usize;
        whole + self.owner[..rest].iter().filter(|&&o| o == index).count() as u64
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Always false: a sequence has at least one segment.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

impl fmt::Display for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.points.iter().map(|p| p.to_string()).collect();
        f.write_str(&parts.join(","))
    }
}

/// Give each position `0..lcd` to a segment so that segment `k` gets `units[k]` of them,
/// spread as evenly as possible: position `p` goes to the first segment (largest first) whose
/// `c`-th pick is due, i.e. `p ≥ c × lcd / units[k]` (k6's striping, in exact integers).
fn stripe(units: &[u64], lcd: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..units.len()).filter(|&k| units[k] > 0).collect();
    order.sort_by(|&a, &b| units[b].cmp(&units[a]));
    let mut chosen = vec![0u64; units.len()];
    let mut owner = Vec::with_capacity(lcd as usize);
    for p in 0..lcd {
        let due = order.iter().copied().find(|&k| chosen[k] < units[k] && p * units[k] >= chosen[k] * lcd);
        // Some segment is always due (the counts sum to lcd); the fallback only guards the proof.
        let k = due.or_else(|| order.iter().copied().find(|&k| chosen[k] < units[k])).unwrap_or(0);
        chosen[k] += 1;
        owner.push(k);
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_parse_in_three_forms_and_reduce() {
        assert_eq!(Fraction::parse("2/4").unwrap().to_string(), "1/2");
        assert_eq!(Fraction::parse("0.25").unwrap().to_string(), "1/4");
        assert_eq!(Fraction::parse("75%").unwrap().to_string(), "3/4");
        assert_eq!(Fraction::parse("1").unwrap().to_string(), "1");
        for bad in ["", "x", "5/4", "1/0", "-1/4", "1.5", "a/b", "1/4/2"] {
            assert!(Fraction::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn segments_parse_and_refuse_empty_ranges() {
        assert_eq!(Segment::parse("1/4:2/4").unwrap().to_string(), "1/4:1/2");
        assert_eq!(Segment::parse("1/3").unwrap().to_string(), "0:1/3");
        for bad in ["1/2:1/4", "1/2:1/2", "1/4-1/2", "", ":1"] {
            assert!(Segment::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sequences_are_completed_and_checked() {
        let s = Sequence::parse("0,1/4,2/4,3/4,1").unwrap();
        assert_eq!(s.to_string(), "0,1/4,1/2,3/4,1");
        assert_eq!(s.position(Segment::parse("1/4:2/4").unwrap()), Some(1));
        assert_eq!(s.position(Segment::parse("1/4:3/4").unwrap()), None);
        assert_eq!(Sequence::parse("1/3,2/3").unwrap().to_string(), "0,1/3,2/3,1");
        assert!(Sequence::parse("0,1/2,1/4,1").is_err());
        assert!(Sequence::parse("0").is_err());
        assert!(Sequence::parse("0,1/999983,1/999979,1").is_err());
        assert_eq!(Sequence::around(Segment::parse("0:1/2").unwrap()).to_string(), "0,1/2,1");
    }

    #[test]
    fn scaling_matches_k6s_documented_example() {
        // k6's lib/execution_segment.go documents 0:1/2, 1/2:3/4, 3/4:1 scaling 1..=12 as
        // 1 1 2 2 3 3 4 4 5 5 6 6 / 0 1 1 1 1 2 2 2 2 3 3 3 / 0 0 0 1 1 1 1 2 2 2 2 3.
        let s = Sequence::parse("0,1/2,3/4,1").unwrap();
        let got: Vec<Vec<u64>> = (0..3).map(|i| (1..=12).map(|v| s.scale(i, v)).collect()).collect();
        assert_eq!(got[0], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
        assert_eq!(got[1], [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
        assert_eq!(got[2], [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    }

    #[test]
    fn shares_always_sum_to_the_whole_and_stay_within_one_of_fair() {
        for text in ["0,1/4,1/2,3/4,1", "0,1/3,2/3,1", "0,0.1,0.35,0.6,1", "0,1/7,3/5,1", "0,1"] {
            let s = Sequence::parse(text).unwrap();
            let lengths: Vec<f64> = s.segments().map(|g| g.to.as_f64() - g.from.as_f64()).collect();
            for v in (0..200).chain([997, 50_000, 123_457]) {
                let shares: Vec<u64> = (0..s.len()).map(|i| s.scale(i, v)).collect();
                assert_eq!(shares.iter().sum::<u64>(), v, "{text} {v} {shares:?}");
                for (share, len) in shares.iter().zip(&lengths) {
                    assert!((*share as f64 - v as f64 * len).abs() < 1.0 + 1e-9, "{text} {v} {shares:?}");
                }
            }
        }
    }
}

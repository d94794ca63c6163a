//! Latency histograms inside result files: HDR histogram V2 + DEFLATE, base64 (standard
//! alphabet, padded), the format HdrHistogram's Java, Go, Python and Rust ports all read.
//!
//! Values are microseconds. Keeping the histogram itself (not only its percentiles) lets
//! rounds, shards and history merge latency exactly: percentiles of the summed counts,
//! never averages of percentiles. Talks only to `hdrhistogram` and `base64`.

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

/// Why a serialised histogram could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HdrError {
    #[error("latency histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("latency histogram is not an HDR V2 histogram: {0}")]
    Format(String),
}

/// The histogram as base64 of its V2 + DEFLATE serialisation; `None` if it cannot be
/// serialised (never for the generator's histograms).
pub fn encode(h: &Histogram<u64>) -> Option<String> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The histogram back from [`encode`]'s text (also plain V2 without DEFLATE).
pub fn decode(text: &str) -> Result<Histogram<u64>, HdrError> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim())?;
    Deserializer::new().deserialize(&mut bytes.as_slice()).map_err(|e| HdrError::Format(format!("{e:?}")))
}

/// The sum of several histograms (exact: counts are added bucket by bucket); `None` when
/// `parts` is empty. The result auto-resizes, so parts with other bounds merge too.
pub fn merge<'a>(parts: impl IntoIterator<Item = &'a Histogram<u64>>) -> Option<Histogram<u64>> {
    let mut out: Option<Histogram<u64>> = None;
    for h in parts {
        match &mut out {
            None => {
                let mut first = h.clone();
                first.auto(true);
                out = Some(first);
            }
            Some(all) => {
                let _ = all.add(h); // auto-resizing: cannot fail on range
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Histogram<u64> {
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        for v in [120u64, 450, 450, 1_000, 9_999, 250_000, 59_000_000] {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn round_trips_exactly() {
        let h = sample();
        let text = encode(&h).unwrap();
        let back = decode(&text).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.value_at_quantile(0.99), h.value_at_quantile(0.99));
        // A histogram of 7 values stays small in a result file.
        assert!(text.len() < 200, "{} bytes", text.len());
    }

    #[test]
    fn merge_adds_counts_so_percentiles_are_exact() {
        let (a, b) = (sample(), sample());
        let mut c = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
        c.record_n(5_000, 14).unwrap();
        let m = merge([&a, &b, &c]).unwrap();
        assert_eq!(m.len(), 28);
        // 14 of 28 values are 5 ms: the median is 5 ms, which averaging p50s would not give.
        assert_eq!(m.highest_equivalent(m.value_at_quantile(0.5)), m.highest_equivalent(5_000));
        assert!(merge(std::iter::empty()).is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(decode("not base64!"), Err(HdrError::Base64(_))));
        assert!(matches!(decode("aGVsbG8gd29ybGQ="), Err(HdrError::Format(_))));
    }
}

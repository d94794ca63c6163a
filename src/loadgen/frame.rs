//! The minimal RFC 6455 client side the WebSocket exchange needs: the handshake key and its
//! expected `Sec-WebSocket-Accept`, encoding masked frames and decoding (and unmasking) frames
//! in place; pure functions, no I/O.

use base64::Engine;
use sha1::{Digest, Sha1};

/// The GUID that RFC 6455 appends to the key before hashing.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Largest payload accepted from a server (a bound on memory, far above the echo sizes).
pub(crate) const MAX_PAYLOAD: u64 = 16 * 1024 * 1024;

pub(crate) const CONTINUATION: u8 = 0x0;
pub(crate) const TEXT: u8 = 0x1;
pub(crate) const BINARY: u8 = 0x2;
pub(crate) const CLOSE: u8 = 0x8;
pub(crate) const PING: u8 = 0x9;
pub(crate) const PONG: u8 = 0xA;

/// The `Sec-WebSocket-Accept` a server must answer to `key`: base64(SHA-1(key + GUID)).
pub(crate) fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// A cheap generator of masking keys and handshake nonces (xorshift64*): RFC 6455 asks for
/// unpredictable masks to protect proxies, which a benchmark on 127.0.0.1 does not need, but
/// they still change from frame to frame so that a server cannot rely on one mask.
#[derive(Debug, Clone)]
pub(crate) struct Masker(u64);

impl Masker {
    pub(crate) fn new(seed: u64) -> Self {
        Masker(seed | 1)
    }

    /// Seeded from the clock and a per-call counter.
    pub(crate) fn from_clock() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Masker::new(nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn mask(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_le_bytes()
    }

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64.
    pub(crate) fn key(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// Appends one final (FIN) client frame with `payload` masked by `mask` to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, opcode: u8, payload: &[u8], mask: [u8; 4]) {
    out.push(0x80 | (opcode & 0x0F));
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= u16::MAX as usize {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], mask);
}

/// XORs `data` with the repeating 4-byte `mask` (masking and unmasking are the same).
pub(crate) fn apply_mask(data: &mut [u8], mask: [u8; 4]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// One frame found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    /// Where the (unmasked) payload lies in the buffer.
    pub(crate) payload: std::ops::Range<usize>,
    /// Bytes of the whole frame.
    pub(crate) len: usize,
}

/// Decodes the frame at the start of `buf`, unmasking its payload in place if it is masked;
/// `Ok(None)` when more bytes are needed. Errors name the protocol violation.
pub(crate) fn decode(buf: &mut [u8]) -> Result<Option<Decoded>, String> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    if b0 & 0x70 != 0 {
        return Err(format!("frame with reserved bits set (first byte {b0:#04x}) and no extension agreed"));
    }
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0F;
    let masked = b1 & 0x80 != 0;
    let (len, mut pos) = match b1 & 0x7F {
        126 if buf.len() < 4 => return Ok(None),
        126 => (u16::from_be_bytes([buf[2], buf[3]]) as u64, 4),
        127 if buf.len() < 10 => return Ok(None),
        127 => (u64::from_be_bytes(buf[2..10].try_into().expect("8 bytes")), 10),
        n => (n as u64, 2),
    };
    if len > MAX_PAYLOAD {
        return Err(format!("frame payload of {len} bytes is larger than the {MAX_PAYLOAD} accepted"));
    }
    if opcode >= 0x8 && (len > 125 || !fin) {
        return Err(format!("control frame (opcode {opcode:#x}) fragmented or longer than 125 bytes"));
    }
    if !matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG) {
        return Err(format!("frame with unknown opcode {opcode:#x}"));
    }
    let mask = if masked {
        if buf.len() < pos + 4 {
            return Ok(None);
        }
        let m = [buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]];
        pos += 4;
        Some(m)
    } else {
        None
    };
    let end = pos + len as usize;
    if buf.len() < end {
        return Ok(None);
    }
    if let Some(mask) = mask {
        apply_mask(&mut buf[pos..end], mask);
    }
    Ok(Some(Decoded { fin, opcode, payload: pos..end, len: end }))
}

/// The payload of message number `seq` of `len` bytes: the number in 20 decimal digits, a
/// space, then a filler that also depends on `seq`, so that every message differs.
pub(crate) fn message(seq: u64, len: usize, out: &mut Vec<u8>) {
    out.clear();
    let digits = format!("{seq:020} ");
    out.extend_from_slice(&digits.as_bytes()[..digits.len().min(len)]);
    let mut i = 0u64;
    while out.len() < len {
        out.push(b'a' + ((seq.wrapping_add(i)) % 26) as u8);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6455_example_key_gives_its_accept_value() {
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn a_masked_frame_round_trips_and_is_masked_on_the_wire() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = Vec::new();
        encode(&mut out, TEXT, b"Hello", mask);
        // RFC 6455 section 5.7: a single-frame masked text message "Hello".
        assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        let d = decode(&mut out).unwrap().unwrap();
        assert_eq!((d.fin, d.opcode, d.len), (true, TEXT, 11));
        assert_eq!(&out[d.payload], b"Hello");
    }

    #[test]
    fn lengths_of_126_and_more_use_16_and_64_bit_fields() {
        for (len, header) in [(125usize, 2 + 4), (126, 4 + 4), (65_535, 4 + 4), (65_536, 10 + 4)] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut out = Vec::new();
            encode(&mut out, BINARY, &payload, [1, 2, 3, 4]);
            assert_eq!(out.len(), header + len, "{len}");
            // Every prefix is incomplete, the whole frame decodes.
            assert_eq!(decode(&mut out[..header - 1].to_vec()).unwrap(), None);
            assert_eq!(decode(&mut out[..header + len - 1].to_vec()).unwrap(), None);
            let d = decode(&mut out).unwrap().unwrap();
            assert_eq!(&out[d.payload], &payload[..], "{len}");
        }
        // An unmasked server frame with a 16-bit length: 0x7E then 256 big-endian.
        let mut frame = vec![0x82, 0x7E, 0x01, 0x00];
        frame.extend(std::iter::repeat(9u8).take(256));
        let d = decode(&mut frame).unwrap().unwrap();
        assert_eq!((d.opcode, d.payload.clone(), d.len), (BINARY, 4..260, 260));
    }

    #[test]
    fn protocol_violations_are_errors() {
        assert!(decode(&mut [0xC1, 0x00]).unwrap_err().contains("reserved bits"));
        assert!(decode(&mut [0x09, 0x00]).unwrap_err().contains("control frame"));
        assert!(decode(&mut [0x83, 0x00]).unwrap_err().contains("unknown opcode"));
        let mut huge = vec![0x82, 0x7F];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(decode(&mut huge).unwrap_err().contains("larger than"));
    }

    #[test]
    fn messages_carry_their_number_and_differ() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        message(7, 128, &mut a);
        message(8, 128, &mut b);
        assert_eq!(a.len(), 128);
        assert!(a.starts_with(b"00000000000000000007 "));
        assert_ne!(a, b);
        message(3, 16, &mut a);
        assert_eq!(a, b"0000000000000000");
    }

    #[test]
    fn keys_are_base64_of_16_bytes_and_change() {
        let mut m = Masker::new(42);
        let (k1, k2) = (m.key(), m.key());
        assert_eq!(k1.len(), 24);
        assert_ne!(k1, k2);
        assert_ne!(m.mask(), m.mask());
    }
}

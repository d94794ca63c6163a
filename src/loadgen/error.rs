//! Errors of the load generator; each variant carries the address or value at fault.

use std::net::SocketAddr;
use std::time::Duration;

/// Why a load run or a single request could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No connection could be opened at the start of a run (or for `send_once`).
    #[error("cannot connect to {addr}: {source}; check that the server is running and listening there")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The plan or request cannot be used as given.
    #[error("invalid load plan: {0}")]
    InvalidPlan(String),
    /// Reading or writing failed after the connection was open.
    #[error("i/o error with {addr} while {action}: {source}")]
    Io {
        addr: SocketAddr,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The server's answer is not valid HTTP/1.x.
    #[error("bad response: {0}")]
    BadResponse(String),
    /// `--http2`: the server did not complete an HTTP/2 exchange with prior knowledge.
    #[error(
        "{addr} did not answer over HTTP/2 with prior knowledge (h2c): {reason}; check that the server \
         accepts cleartext HTTP/2 without an upgrade, or run without --http2"
    )]
    Http2 { addr: SocketAddr, reason: String },
    /// No complete response within the timeout.
    #[error("no complete response from {addr} within {timeout:?}; raise the timeout or check the server")]
    Timeout { addr: SocketAddr, timeout: Duration },
    /// A generator thread or its runtime could not be started, or it panicked.
    #[error("load generator thread failed: {0}")]
    Worker(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_name_the_value() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let err =
            LoadError::Connect { addr, source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused) };
        let msg = err.to_string();
        assert!(msg.starts_with("cannot connect to 127.0.0.1:9"), "{msg}");
        let err = LoadError::Timeout { addr, timeout: Duration::from_millis(5) };
        assert!(err.to_string().contains("5ms"));
        assert!(LoadError::InvalidPlan("x".into()).to_string().starts_with("invalid"));
    }
}

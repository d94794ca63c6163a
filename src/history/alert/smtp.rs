//! Sending the mails over SMTP (`lettre`, blocking, rustls): one mail per new event.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::MultiPart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::{compose, new_events, AlertConfig, AlertError, AlertEvent, Mail, TlsMode};

/// How long one SMTP exchange may take before the send fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Sending stopped at an event; `sent` holds the ids mailed before it, which the store
/// must remember all the same.
#[derive(Debug)]
pub struct SendError {
    pub sent: Vec<String>,
    pub error: AlertError,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} alert mail(s) sent before it)", self.error, self.sent.len())
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Mails each event whose id is not in `sent_ids` (each id once, in order) and returns
/// the ids sent. Nothing is sent (and no connection made) when there is nothing new.
pub fn send(
    events: &[AlertEvent],
    config: &AlertConfig,
    sent_ids: &BTreeSet<String>,
) -> Result<Vec<String>, SendError> {
    let fresh = new_events(events, sent_ids);
    let mut sent = Vec::new();
    if fresh.is_empty() {
        return Ok(sent);
    }
    let transport = transport(config).map_err(|error| SendError { sent: Vec::new(), error })?;
    for (id, event) in fresh {
        let result = message(&compose(event), config).and_then(|m| {
            transport.send(&m).map(drop).map_err(|e| AlertError::Send {
                id: id.clone(),
                server: config.server.clone(),
                port: config.port,
                message: chain(&e),
            })
        });
        if let Err(error) = result {
            return Err(SendError { sent, error });
        }
        sent.push(id);
    }
    Ok(sent)
}

fn transport(config: &AlertConfig) -> Result<SmtpTransport, AlertError> {
    let tls_error = |e: lettre::transport::smtp::Error| AlertError::Send {
        id: "-".into(),
        server: config.server.clone(),
        port: config.port,
        message: format!("tls set-up: {}", chain(&e)),
    };
    let tls = match config.tls {
        TlsMode::None => Tls::None,
        TlsMode::StartTls => Tls::Required(TlsParameters::new(config.server.clone()).map_err(tls_error)?),
        TlsMode::Tls => Tls::Wrapper(TlsParameters::new(config.server.clone()).map_err(tls_error)?),
    };
    let mut builder = SmtpTransport::builder_dangerous(config.server.clone())
        .port(config.port)
        .tls(tls)
        .timeout(Some(TIMEOUT));
    if let (Some(user), Some(password)) = (&config.user, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The MIME message: multipart/alternative with the plain text first, then the HTML.
fn message(mail: &Mail, config: &AlertConfig) -> Result<Message, AlertError> {
    let mut builder = Message::builder()
        .from(config.from.clone())
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id()))
        .header(EventHeader(mail.id.clone()));
    for to in &config.to {
        builder = builder.to(to.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| AlertError::Compose { id: mail.id.clone(), message: e.to_string() })
}

/// `X-Benchmark-Harness-Event: <event id>`, for filters and de-duplication downstream.
#[derive(Debug, Clone)]
struct EventHeader(String);

impl Header for EventHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Benchmark-Harness-Event")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(EventHeader(s.trim().to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

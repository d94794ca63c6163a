//! Where alerts go: the `[alerts]` table of `benchmark-harness.toml`, flags over it, and
//! the SMTP password from the environment only.

use std::fmt;
use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;

use super::AlertError;
use crate::check::ConfigError;

/// The file `check` reads too (`check::config`), found the same way.
const CONFIG_FILE: &str = "benchmark-harness.toml";

/// The environment variable holding the SMTP password (never read from files or flags).
pub const PASSWORD_ENV: &str = "BENCHMARK_HARNESS_SMTP_PASSWORD";

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which must be offered (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption (a local relay; port 25).
    None,
}

impl TlsMode {
    /// `starttls`, `tls` or `none`.
    pub fn parse(s: &str) -> Result<Self, AlertError> {
        match s {
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Tls),
            "none" => Ok(TlsMode::None),
            other => Err(AlertError::BadTls(other.into())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
            TlsMode::None => "none",
        }
    }

    /// The usual port of the mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        }
    }
}

/// The `[alerts]` table as written (every key optional; flags win over it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsTable {
    pub server: Option<String>,
    pub port: Option<i64>,
    /// `starttls` (default), `tls` or `none`.
    pub tls: Option<String>,
    pub user: Option<String>,
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    /// Only to say that it is not read (an error naming the environment variable).
    #[serde(default)]
    password: Option<toml::Value>,
}

/// The same settings from command-line flags (`--smtp-server`, `--smtp-port`,
/// `--smtp-tls`, `--smtp-user`, `--smtp-from`, `--smtp-to`); a flag wins over the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFlags {
    pub server: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub user: Option<String>,
    pub from: Option<String>,
    /// Replaces the file's list when not empty.
    pub to: Vec<String>,
}

/// Validated SMTP settings. `Debug` never shows the password.
#[derive(Clone, PartialEq)]
pub struct AlertConfig {
    pub server: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
}

impl fmt::Debug for AlertConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertConfig")
            .field("server", &self.server)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(from the environment)"))
            .field("from", &self.from.to_string())
            .field("to", &self.to.iter().map(ToString::to_string).collect::<Vec<_>>())
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    alerts: Option<AlertsTable>,
}

/// The `[alerts]` table of the nearest `benchmark-harness.toml` from `dir` upwards
/// (`None` when there is no file or it has no such table).
pub fn find_alerts_table(dir: &Path) -> Result<Option<(PathBuf, AlertsTable)>, AlertError> {
    for d in dir.ancestors() {
        let path = d.join(CONFIG_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Ok(parse_alerts_table(&text, &path)?.map(|t| (path, t)));
        }
    }
    Ok(None)
}

/// The `[alerts]` table of a config file's text; other tables are ignored. A `password`
/// key is an error naming [`PASSWORD_ENV`].
pub fn parse_alerts_table(text: &str, path: &Path) -> Result<Option<AlertsTable>, AlertError> {
    let at = |offset: usize| crate::app::line_col(text, offset);
    let file: File = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| at(s.start)).unwrap_or((1, 1));
        ConfigError { path: path.into(), line, column, message: e.message().trim().to_string() }
    })?;
    if let Some(table) = &file.alerts {
        if table.password.is_some() {
            let (line, column) = find_key(text, "password").map(at).unwrap_or((1, 1));
            return Err(AlertError::PasswordInFile { path: path.into(), line, column });
        }
    }
    Ok(file.alerts)
}

/// Offset of the first line of `text` that sets `key` (for error positions).
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            return Some(offset + (line.len() - t.len()));
        }
        offset += line.len();
    }
    None
}

impl AlertConfig {
    /// Flags over the file's table; `password` is the value of [`PASSWORD_ENV`] (the
    /// caller reads the environment, so this stays pure). Defaults: STARTTLS, its port.
    pub fn resolve(
        table: Option<&AlertsTable>,
        flags: &AlertFlags,
        password: Option<String>,
    ) -> Result<AlertConfig, AlertError> {
        let t = table.cloned().unwrap_or_default();
        let server = flags.server.clone().or(t.server).filter(|s| !s.trim().is_empty());
        let server = server.ok_or(AlertError::MissingServer)?;
        let tls = match flags.tls.as_deref().or(t.tls.as_deref()) {
            Some(s) => TlsMode::parse(s)?,
            None => TlsMode::StartTls,
        };
        let port = match (flags.port, t.port) {
            (Some(p), _) => i64::from(p),
            (None, Some(p)) => p,
            (None, None) => i64::from(tls.default_port()),
        };
        let port = u16::try_from(port).ok().filter(|&p| p > 0).ok_or(AlertError::BadPort(port))?;
        let from = flags.from.clone().or(t.from).ok_or(AlertError::MissingFrom)?;
        let from = mailbox("from", &from)?;
        let to = if flags.to.is_empty() { t.to } else { flags.to.clone() };
        if to.is_empty() {
            return Err(AlertError::MissingTo);
        }
        let to = to.iter().map(|a| mailbox("to", a)).collect::<Result<Vec<_>, _>>()?;
        let user = flags.user.clone().or(t.user).filter(|u| !u.is_empty());
        let password = password.filter(|p| !p.is_empty());
        if let Some(user) = &user {
            if password.is_none() {
                return Err(AlertError::MissingPassword { user: user.clone() });
            }
            if tls == TlsMode::None && !is_loopback(&server) {
                return Err(AlertError::PlaintextPassword { server });
            }
        }
        // Without a user there is no login, so a password in the environment is unused.
        let password = user.as_ref().and(password);
        Ok(AlertConfig { server, port, tls, user, password, from, to })
    }
}

fn mailbox(field: &'static str, value: &str) -> Result<Mailbox, AlertError> {
    value.trim().parse::<Mailbox>().map_err(|e| AlertError::BadAddress {
        field,
        value: value.into(),
        reason: e.to_string(),
    })
}

/// `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback(server: &str) -> bool {
    let host = server.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

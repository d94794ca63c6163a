//! `history alert` and `check --alert`: mail each new change point and `check` regression
//! once (SMTP settings from flags over `[alerts]` in benchmark-harness.toml, the password
//! only from the environment), or print the mails with `--dry-run`.

use std::path::PathBuf;

use clap::Args;

use super::history::{ChangeArgs, FilterArgs};
use crate::history::alert::{
    find_alerts_table, AlertConfig, AlertError, AlertEvent, AlertFlags, PASSWORD_ENV,
};
use crate::history::{self, changes, check_filter, notify, trend, DbSpec, HistoryStore};

/// SMTP and alert flags (each wins over the same key of `[alerts]`).
#[derive(Debug, Clone, Default, Args)]
pub struct SmtpArgs {
    /// SMTP server host.
    #[arg(long, value_name = "HOST")]
    pub smtp_server: Option<String>,
    /// SMTP port (default 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// starttls (default), tls or none.
    #[arg(long, value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// SMTP login; the password comes from $BENCHMARK_HARNESS_SMTP_PASSWORD only.
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// Sender address.
    #[arg(long, value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// Recipients, comma-separated.
    #[arg(long, value_name = "ADDRESS[,…]", value_delimiter = ',')]
    pub smtp_to: Vec<String>,
    /// Link to the run (CI job, artifact, report) put in the mails.
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
}

/// `history alert` flags.
#[derive(Debug, Clone, Args)]
pub struct AlertArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub options: ChangeArgs,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    /// Print the mails that would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl SmtpArgs {
    /// The settings, flags over the nearest `[alerts]` table; with `lenient`, missing
    /// server/from/to give `None` (a dry run still shows the mails).
    fn config(&self, lenient: bool) -> Result<Option<AlertConfig>, AlertError> {
        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let table = find_alerts_table(&dir)?;
        let flags = AlertFlags {
            server: self.smtp_server.clone(),
            port: self.smtp_port,
            tls: self.smtp_tls.clone(),
            user: self.smtp_user.clone(),
            from: self.smtp_from.clone(),
            to: self.smtp_to.clone(),
        };
        let password = std::env::var(PASSWORD_ENV).ok();
        match AlertConfig::resolve(table.as_ref().map(|(_, t)| t), &flags, password) {
            Ok(c) => Ok(Some(c)),
            Err(AlertError::MissingServer | AlertError::MissingFrom | AlertError::MissingTo) if lenient => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Send (or with `dry_run` print) the new events; prints what was done; returns the exit code.
pub fn deliver(
    store: &mut dyn HistoryStore,
    events: &[AlertEvent],
    smtp: &SmtpArgs,
    dry_run: bool,
    quiet: bool,
) -> anyhow::Result<i32> {
    if dry_run {
        let config = smtp.config(true)?;
        print!("{}", notify::dry_run(store, events, config.as_ref())?);
        return Ok(0);
    }
    let config = smtp.config(false)?.expect("strict resolution always gives settings");
    let sent = notify::send_new(store, events, &config)?;
    if !quiet {
        eprintln!(
            "{} alert mail(s) sent to {} ({} event(s), the others already sent)",
            sent.len(),
            config.to.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            events.len()
        );
    }
    Ok(0)
}

/// `history alert`: change points over the store and the stored check regressions.
pub fn run(db: Option<&str>, args: AlertArgs, quiet: bool) -> anyhow::Result<i32> {
    let filter = args.filter.filter()?;
    let options = args.options.options()?;
    let mut store = history::open(&DbSpec::choose(db))?;
    check_filter(store.as_mut(), &filter)?;
    let mut series = trend::series(&store.measurements(&filter)?);
    let found = changes::detect(&mut series, &options).map_err(|e| super::Usage(e.to_string()))?;
    store.record_changes(&found)?;
    let link = args.smtp.link.as_deref();
    let mut events: Vec<AlertEvent> = found.iter().map(|c| notify::change_event(c, link)).collect();
    events.extend(notify::check_events(&store.verdicts(&filter)?, link));
    deliver(store.as_mut(), &events, &args.smtp, args.dry_run, quiet)
}

/// `check --alert`: the check's regressions, each mailed once (remembered in the store of
/// `--history`, `$BENCHMARK_HARNESS_DB` or the default one).
pub fn after_check(
    result: &crate::schema::CheckResult,
    db: Option<&str>,
    smtp: &SmtpArgs,
    dry_run: bool,
) -> anyhow::Result<i32> {
    let events = AlertEvent::from_check(result, smtp.link.as_deref());
    let mut store = history::open(&DbSpec::choose(db))?;
    deliver(store.as_mut(), &events, smtp, dry_run, false)
}

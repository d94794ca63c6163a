//! `benchmark-harness suites list|show|validate`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::report::Table;
use crate::workload::{builtin_names, load_suite, parse_suite_file, ExpectBody};

/// `suites` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum SuitesCommand {
    /// List the built-in suites.
    List,
    /// Show a suite's workloads (a built-in name or a TOML file).
    Show { name: String },
    /// Check a suite file; errors name the file, line and column.
    Validate { file: PathBuf },
}

fn expect_summary(e: &ExpectBody) -> String {
    match e {
        ExpectBody::Any => "any body".into(),
        ExpectBody::Echo => "echo of the body".into(),
        ExpectBody::Json(v) => {
            let s = v.to_string();
            if s.len() > 60 {
                format!("{}…", &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)])
            } else {
                s
            }
        }
        ExpectBody::Text(t) => format!("text {t:?}"),
    }
}

pub fn run(cmd: SuitesCommand) -> anyhow::Result<i32> {
    match cmd {
        SuitesCommand::List => {
            let mut t = Table::new(&["suite", "workloads", "description"], &[1]);
            for name in builtin_names() {
                let s = load_suite(name)?;
                t.row(vec![s.name.clone(), s.workloads.len().to_string(), s.description.clone()]);
            }
            print!("{}", t.render());
        }
        SuitesCommand::Show { name } => {
            let s = load_suite(&name)?;
            println!("{} ({}): {}", s.name, s.origin, s.description);
            let mut t = Table::new(&["workload", "category", "request", "bytes", "expect"], &[3]);
            for w in &s.workloads {
                t.row(vec![
                    w.name.clone(),
                    w.category.clone(),
                    format!("{} {}", w.method, w.path),
                    w.payload_size_bytes().to_string(),
                    match w.stream {
                        Some(crate::workload::Stream::Sse { events }) => {
                            format!("{} sse, {events} events in order", w.expect.status)
                        }
                        Some(crate::workload::Stream::WebSocket { message_bytes }) => {
                            format!("101 websocket, echo of {message_bytes}-byte text messages")
                        }
                        None => format!("{} {}", w.expect.status, expect_summary(&w.expect.body)),
                    },
                ]);
            }
            print!("{}", t.render());
        }
        SuitesCommand::Validate { file } => {
            let s = parse_suite_file(&file)?;
            println!("{}: ok, suite '{}' with {} workloads", file.display(), s.name, s.workloads.len());
        }
    }
    Ok(0)
}

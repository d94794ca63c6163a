//! `benchmark-harness schema NAME`: print a JSON Schema.

use clap::Args;

use super::Usage;

/// Every schema `schema NAME` prints (each committed as schema/NAME.schema.json).
pub const AVAILABLE: &[&str] = &["run", "profile", "compare", "check", "suite", "app"];

/// `schema` flags.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// run, profile, compare, check, suite (the suite TOML file, for editors) or app.
    pub name: String,
}

/// The schema text for `name`, if it exists.
pub fn schema_text(name: &str) -> Option<String> {
    match name {
        "run" | "profile" => Some(crate::schema::run_result_schema()),
        "compare" => Some(crate::schema::compare_result_schema()),
        "check" => Some(crate::schema::check_result_schema()),
        "suite" => Some(crate::workload::suite_schema()),
        "app" => Some(
            serde_json::to_string_pretty(&schemars::schema_for!(crate::app::Manifest))
                .expect("schema serialises")
                + "\n",
        ),
        _ => None,
    }
}

pub fn run(args: SchemaArgs) -> anyhow::Result<i32> {
    match schema_text(&args.name) {
        Some(text) => {
            print!("{text}");
            Ok(0)
        }
        None => {
            Err(Usage(format!("unknown schema '{}'; available: {}", args.name, AVAILABLE.join(", "))).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schemas_match_the_types() {
        for name in AVAILABLE {
            let path =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.schema.json"));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == schema_text(name).unwrap(),
                "{} is out of date with the Rust types; run scripts/update-schemas.sh and commit the result",
                path.display()
            );
        }
    }
}

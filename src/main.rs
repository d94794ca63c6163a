//! The `benchmark-harness` binary: everything lives in the library; this only exits with its code.

fn main() {
    std::process::exit(benchmark_harness::cli::main());
}

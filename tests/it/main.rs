//! The integration tests, one binary (`cargo test --release --test it`), one
//! module per concern; a test by name: `cargo test --release --test it NAME`
//! (for example `--test it semantics::` for a module's tests). One binary
//! links once instead of once per file.
//!
//! Expected outputs (the report gallery `reports/`, the `--help` appendix of
//! `docs/cli.md`) are rewritten with `KTOPO_BLESS=1` (README, "Reports").

mod async_designs;
mod broker_capacity;
mod broker_hardware;
mod browser;
mod calibration;
mod check;
mod cli;
mod copier_export;
mod fidelity;
mod hybrid;
mod import_export;
mod import_files;
mod interrupt;
mod invariants;
mod layers;
mod mirrors;
mod montecarlo;
mod observers;
mod placement;
mod plan;
mod plan_keeps;
mod plan_sizing;
mod progress;
mod reports;
mod retries;
mod scenario_errors;
mod segment_roll;
mod semantics;
mod shard;
mod sweep;

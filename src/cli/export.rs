//! `ktopo export`: deployable files from a scenario.

use std::path::PathBuf;
use std::process::ExitCode;

/// Write deployable files from a scenario: server.properties fragments, topics, runbook, netem script.
///
/// Socket receive buffers are sized to the bandwidth-delay product of the worst link
/// plus --headroom-pct, rounded up to a power of two (never below the scenario's value;
/// -1 stays). The runbook's RPO and RTO per fault come from simulating the scenario
/// with the exported settings.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ktopo export scenarios/stretched-3dc.toml --out deploy/
  ktopo export scenarios/stretched-2.5dc.toml --out deploy/ --headroom-pct 50
  ktopo export my.toml --out deploy/ --keep-buffers --json

Exit codes: 0 ok, 2 an invalid scenario, a failed run or unwritable files.")]
pub struct Args {
    /// Scenario TOML file.
    file: PathBuf,
    /// Directory to write into (created).
    #[arg(long)]
    out: PathBuf,
    /// Export this design: an async design's clusters, a hybrid design's
    /// stretched cluster and far clusters, and mm2.properties for a MirrorMaker 2 one.
    #[arg(long)]
    design: Option<String>,
    /// Room above the bandwidth-delay product when sizing buffers, in percent.
    #[arg(long, default_value_t = DEFAULT_HEADROOM_PCT)]
    headroom_pct: f64,
    /// Write the scenario's buffer sizes unchanged.
    #[arg(long)]
    keep_buffers: bool,
    /// Do not simulate: the runbook lists its steps without expected figures.
    #[arg(long)]
    no_simulate: bool,
    /// Simulate the runbook's figures with this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the list of files and the sizing as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, quiet: bool) -> ExitCode {
    let mut sc = match super::load(&a.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(s) = a.seed {
        sc.seed = s;
    }
    let opts = Options {
        out: a.out,
        headroom_pct: a.headroom_pct,
        keep_buffers: a.keep_buffers,
        no_simulate: a.no_simulate,
        json: a.json,
    };
    if let Err(code) = opts.validate() {
        return code;
    }
    export(&sc, &a.file.display().to_string(), a.design, &opts, quiet)
}

/// `--headroom-pct` when not given.
pub const DEFAULT_HEADROOM_PCT: f64 = 25.0;

/// What `export` writes and how (the flags of `ktopo export` other than the
/// file, the design and the seed); `ktopo plan --export` uses the defaults.
pub struct Options {
    pub out: PathBuf,
    pub headroom_pct: f64,
    pub keep_buffers: bool,
    pub no_simulate: bool,
    pub json: bool,
}

impl Options {
    /// The defaults of `ktopo export`, writing into `out`.
    pub fn defaults(out: PathBuf) -> Options {
        Options {
            out,
            headroom_pct: DEFAULT_HEADROOM_PCT,
            keep_buffers: false,
            no_simulate: false,
            json: false,
        }
    }

    /// Exit code 2 (with the reason on stderr) for options no export can use.
    pub fn validate(&self) -> Result<(), ExitCode> {
        if !(self.headroom_pct.is_finite() && (0.0..=1000.0).contains(&self.headroom_pct)) {
            eprintln!("error: --headroom-pct must be between 0 and 1000");
            return Err(ExitCode::from(2));
        }
        Ok(())
    }
}

/// Export `sc` (read from `source`, named in errors) into `opts.out`: with
/// `design`, that design of the file (an async MirrorMaker 2 design also gets
/// its mm2.properties).
pub fn export(
    sc: &ktopo::scenario::Scenario,
    source: &str,
    design: Option<String>,
    opts: &Options,
    quiet: bool,
) -> ExitCode {
    let Options {
        out,
        headroom_pct,
        keep_buffers,
        no_simulate,
        json,
    } = opts;
    let (headroom_pct, keep_buffers, no_simulate, json) =
        (*headroom_pct, *keep_buffers, *no_simulate, *json);
    // A file whose only designs are hybrid: without --design, export its
    // first (the whole file as one stretched cluster is not what it runs).
    let design = design.or_else(|| {
        sc.design
            .first()
            .filter(|_| {
                sc.design
                    .iter()
                    .all(|d| d.kind == ktopo::scenario::DesignKind::Hybrid)
            })
            .map(|d| d.name.clone())
    });
    let mm2 = match &design {
        None => None,
        Some(name) => {
            let Some(d) = sc.design.iter().find(|x| &x.name == name) else {
                let names: Vec<&str> = sc.design.iter().map(|x| x.name.as_str()).collect();
                eprintln!(
                    "error: --design {name}: {source} has no such design (designs: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                );
                return ExitCode::from(2);
            };
            // Only a MirrorMaker 2 design has an mm2.properties; other designs
            // export their clusters (async, hybrid) or the stretched cluster.
            ktopo::export::mm2::from_design(sc, d)
        }
    };
    let plan = ktopo::export::plan(
        sc,
        &ktopo::export::Options {
            headroom_pct,
            keep_buffers,
        },
    );
    // The design exported (an async one: its clusters, and its run for the runbook).
    let chosen = design
        .as_ref()
        .and_then(|n| plan.scenario.design.iter().position(|d| &d.name == n));
    let outcome = if plan.scenario.fault.is_empty() || no_simulate {
        None
    } else if let Some(i) = chosen {
        let mut progress = super::Progress::new(
            quiet,
            &format!("simulating {}", plan.scenario.design[i].name),
        );
        let r = ktopo::kafka::simulate_design(&plan.scenario, i);
        progress.finish();
        match r {
            Ok(o) => Some(o),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        match super::run_sim(&plan.scenario, quiet) {
            Ok((o, _)) => Some(o),
            Err(code) => return code,
        }
    };
    let mut files = ktopo::export::render(
        &plan,
        outcome.as_ref(),
        chosen.map(|i| &plan.scenario.design[i]),
    );
    // The other copiers' own files (Cluster Mirroring, Redpanda Shadowing, Flink).
    if let Some(i) = chosen {
        files.extend(ktopo::export::copiers::render(
            &plan.scenario,
            &plan.scenario.design[i],
        ));
        files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    if let Some(c) = &mm2 {
        files.push(ktopo::export::ExportFile {
            path: "mm2.properties".into(),
            text: ktopo::export::mm2::render(
                c,
                &format!(
                    "MirrorMaker 2 (dedicated mode) for design `{}` of scenario `{}`, written by ktopo export.\nBootstrap host names follow the exported server.properties; replace them with yours.",
                    design.as_deref().unwrap_or_default(),
                    sc.name
                ),
            ),
            executable: false,
        });
    }
    let cleanup = match ktopo::export::write_export(out, &files) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let v = serde_json::json!({
            "dir": out.display().to_string(),
            "files": files,
            "removed": cleanup.removed,
            "sizing": plan.sizing,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("export summary serializes")
        );
    } else if !quiet {
        for f in &files {
            println!("{}", out.join(&f.path).display());
        }
        for r in &cleanup.removed {
            eprintln!(
                "removed {} (written by the previous export there, not by this one)",
                out.join(r).display()
            );
        }
        eprintln!("buffers: {}", plan.sizing.note);
    }
    ExitCode::SUCCESS
}

//! The `ktopo` command line. Only this file prints or chooses exit codes:
//! 0 ok, 1 a requirement not met (a check error, `import --strict` with
//! something unmapped), 2 an error (bad input, failed run, unwritable output).

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 a requirement not met, 2 an error.
Docs: docs/cli.md (commands), docs/scenario.md (the scenario file).";

#[derive(Parser)]
#[command(
    name = "ktopo",
    version,
    about = "Simulate Kafka deployments across data centers",
    long_about = "Simulate Kafka deployments across data centers: a deterministic discrete-event \
simulation of brokers, racks, sites, links, ISR, the KRaft quorum, producers and consumers \
under the faults you schedule.",
    after_help = AFTER_HELP,
    after_long_help = "Examples:
  ktopo init my.toml                      a commented starter scenario
  ktopo check my.toml                     static findings, no simulation
  ktopo simulate my.toml --seed 7         run it; reports under reports/<name>/
  ktopo plan my.toml                      choose a design: candidates simulated and ranked
  ktopo import brokers/*.properties topics.txt -o imported.toml
  ktopo export my.toml --out deploy/      server.properties, topics, runbook, netem
  ktopo completions bash > ~/.local/share/bash-completion/completions/ktopo

Exit codes: 0 ok, 1 a requirement not met, 2 an error.
Docs: docs/cli.md (commands), docs/scenario.md (the scenario file)."
)]
struct Cli {
    /// Print nothing but errors and requested output: no progress, no summaries.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run scenarios and write reports/<scenario-name>/report.{json,md,html} for each
    /// (with [[design]]s: compare.{json,md,html} and a report folder per design).
    #[command(after_help = "Examples:
  ktopo simulate scenarios/stretched-3dc.toml
  ktopo simulate scenarios/stretched-3dc.toml --seed 7 --json > report.json
  ktopo simulate scenarios/reference.toml --stats --out /tmp/reports
  ktopo simulate scenarios/*.toml    # regenerate every bundled report

A file with [[design]] tables runs every design (as `ktopo compare`); a file with
[[sweep.parameter]] tables runs its sweep (as `ktopo sweep`) unless --no-sweep.
The terminal shows the table, then the verdict and what to change.

Exit codes: 0 ok, 1 an [objectives] bound missed (reports are written), 2 an
invalid scenario, an unwritable report folder (found before the run) or a failed run.")]
    Simulate {
        /// Scenario TOML files, run one after the other.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Replay with this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Print report.json to stdout instead of the table (one document per file).
        #[arg(long)]
        json: bool,
        /// Print kernel statistics (events, events/s, simulated s per wall s) to stderr.
        #[arg(long)]
        stats: bool,
        /// Directory the report folder is written under.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Run the file as written even when it declares a [sweep].
        #[arg(long)]
        no_sweep: bool,
    },
    /// Run a scenario over every combination of swept values; writes
    /// reports/<scenario-name>/sweep.{json,md,html}.
    ///
    /// Parameters come from the file's [[sweep.parameter]] tables and from --param
    /// (which replaces a file parameter of the same key, or adds one). Each variant is
    /// validated like a scenario file; every variant runs every [[design]] with the
    /// same seed (or --seeds N seeds each).
    #[command(after_help = "Keys (docs/scenario.md, [sweep]):
  link[dc1-dc2].rtt_ms   topic[orders].\"min.insync.replicas\"   broker.\"replica.lag.time.max.ms\"
  producer[0].rate_mb_s  design[mm2].\"tasks.max\"   site[dc3].brokers   duration_s

Examples:
  ktopo sweep scenarios/sweep-rtt.toml
  ktopo sweep my.toml --param 'link[dc1-dc2].rtt_ms=2,5,10,20,40'
  ktopo sweep my.toml --param 'link[dc1-dc2].rtt_ms=5..50:5' --param 'producer[0].acks=1,all'
  ktopo sweep my.toml --seeds 5 --jobs 2 --json > sweep.json
  ktopo sweep my.toml --dry-run      validate every variant, run nothing

Exit codes: 0 ok, 2 an invalid scenario or variant, an unwritable report folder (found
before the runs) or a failed run.")]
    Sweep {
        /// Scenario TOML file.
        file: PathBuf,
        /// A key and its values (repeatable): KEY=V1,V2,… or KEY=FROM..TO:STEP.
        #[arg(long = "param", value_name = "KEY=VALUES", value_parser = ktopo::scenario::parse_param_arg)]
        params: Vec<ktopo::scenario::ParamArg>,
        /// Runs per variant, with seeds SEED, SEED+1, …; the report gives means and ranges.
        #[arg(long)]
        seeds: Option<u32>,
        /// The first seed of every variant instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Runs at a time (threads); default: the machine's parallelism. Results do not depend on it.
        #[arg(short, long)]
        jobs: Option<usize>,
        /// Print sweep.json to stdout instead of the summary and table.
        #[arg(long)]
        json: bool,
        /// Directory the report folder is written under.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Validate every variant and list them; run nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run every `[[design]]` of a scenario with the same workload, faults and seed,
    /// and print them side by side; writes reports/<scenario-name>/compare.{json,md,html}
    /// and reports/<scenario-name>/<design>/report.{json,md,html}.
    #[command(after_help = "Examples:
  ktopo compare scenarios/stretched-vs-async.toml
  ktopo compare scenarios/stretched-vs-async.toml --json > compare.json

Exit codes: 0 ok, 1 no design meets every [objectives] bound (reports are written),
2 an invalid scenario, an unwritable report folder (found before the run) or a failed run.")]
    Compare {
        /// Scenario TOML file.
        file: PathBuf,
        /// Replay with this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Print compare.json to stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Directory the report folder is written under.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// Choose a design: generate candidates (stretched over 2, 2.5 and 3 sites; a
    /// cluster per site with MirrorMaker 2 or Cluster Linking), prune them with
    /// the static checks, simulate the rest under the same fault cases, rank them;
    /// writes reports/<scenario-name>/plan.{json,md,html}.
    #[command(
        after_help = "The [plan] table of the file narrows the search (docs/plan.md).

Examples:
  ktopo plan scenarios/plan/three-metro.toml
  ktopo plan my.toml --json > plan.json

Exit codes: 0 a candidate meets every [objectives] bound (it is recommended), 1 none
does (the report names the objectives missed and the nearest candidates), 2 an invalid
scenario or an unwritable report folder."
    )]
    Plan(PlanArgs),
    /// Size each WAN link: the smallest bandwidth that meets the lag and catch-up
    /// objectives, found by bisection over simulations, never below the peak wire rate.
    #[command(
        after_help = "Runs the file's first design (or its stretched cluster). Each link that
carries its traffic is sized on its own; the runs use socket buffers of at least the
bandwidth-delay product and enough tasks.max, and the answer names them.

Examples:
  ktopo size-link scenarios/mm2-active-passive.toml
  ktopo size-link my.toml --outage-s 900 --json

Exit codes: 0 every link sized, 1 a link misses even at the largest bandwidth tried,
2 an invalid scenario or a failed run."
    )]
    SizeLink(SizeLinkArgs),
    /// Check a scenario for static problems (quorum, minISR, buffers, RTT, copy flows) without simulating.
    #[command(after_help = "Examples:
  ktopo check scenarios/stretched-2dc.toml
  ktopo check scenarios/stretched-2dc.toml --json | jq '.[] | select(.level == \"error\")'

A file with [[design]]s is judged design by design: an async design on its own
clusters and copy flows, a stretched one as one cluster over every site. A file
with a [sweep] has every variant validated.

Exit codes: 0 no error-level finding, 1 an error-level finding (with -q, the count
on stderr), 2 an invalid scenario or sweep.")]
    Check {
        /// Scenario TOML file.
        file: PathBuf,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn Kafka files into a scenario: server.properties, topic assignments, placement JSON, mm2.properties, docker-compose, Strimzi.
    ///
    /// Each input is recognised by its content: a broker or controller server.properties;
    /// kafka-reassign-partitions JSON; kafka-topics --describe output; a script of
    /// kafka-topics --create commands; mm2.properties (MirrorMaker 2, dedicated mode);
    /// a docker-compose file (KAFKA_* environment variables); Strimzi resources (Kafka,
    /// KafkaNodePool, KafkaTopic, KafkaMirrorMaker2).
    /// A Confluent replica-placement JSON names no topic, so it is given with --placement.
    ///
    /// Sites come from racks: `broker.rack = "dc1-r1"` is in site `dc1` (the text before
    /// the first `-`), unless --site-of-rack or --rack-is-site says otherwise. Everything
    /// that could not be mapped is listed on stderr and as comments in the TOML.
    #[command(after_help = "Examples:
  ktopo import server-1.properties server-2.properties server-3.properties
  ktopo import brokers/*.properties describe.txt -o cluster.toml --link dc1,dc2,12 --link dc1,dc3,30
  ktopo import brokers/*.properties reassign.json --placement orders=orders.json --rack-is-site
  ktopo import brokers/*.properties --site-of-rack use1-az1=east --site-of-node 3001=west
  ktopo import east/ west/ mm2.properties --link east,west,80     one directory per cluster
  ktopo import brokers/*.properties mm2.properties --json
  ktopo import docker-compose.yml
  ktopo import kafka.yaml kafka-west.yaml mirror-maker-2.yaml --link east,west,70   Strimzi

Exit codes: 0 ok, 1 with --strict when something could not be mapped, 2 bad input.")]
    Import {
        /// Kafka files (server.properties, reassignment JSON, --describe output, --create script,
        /// mm2.properties, docker-compose, Strimzi YAML), or directories of them: one directory per cluster keeps node ids
        /// apart, and places nodes without broker.rack in the site named after the directory.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the scenario here instead of stdout.
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// The scenario's name (default: imported).
        #[arg(long)]
        name: Option<String>,
        /// Place a rack in a site (repeatable): RACK=SITE.
        #[arg(long, value_name = "RACK=SITE", value_parser = parse_pair)]
        site_of_rack: Vec<(String, String)>,
        /// Place a node (broker or controller) in a site (repeatable): NODE_ID=SITE.
        #[arg(long, value_name = "ID=SITE", value_parser = parse_node_pair)]
        site_of_node: Vec<(u32, String)>,
        /// Every broker.rack is a site of its own.
        #[arg(long)]
        rack_is_site: bool,
        /// Network figures Kafka files do not hold (repeatable).
        #[arg(long, value_name = "A,B,RTT_MS[,MBPS[,LOSS_PCT[,JITTER_MS]]]")]
        link: Vec<ktopo::import::LinkSpec>,
        /// A Confluent replica-placement JSON for a topic (repeatable): TOPIC=FILE.
        #[arg(long, value_name = "TOPIC=FILE", value_parser = parse_pair)]
        placement: Vec<(String, String)>,
        /// Print {toml, mapping, unmapped, mm2} as JSON instead of the TOML.
        #[arg(long)]
        json: bool,
        /// Exit 1 when anything could not be mapped.
        #[arg(long)]
        strict: bool,
    },
    /// Write deployable files from a scenario: server.properties fragments, topics, runbook, netem script.
    ///
    /// Socket receive buffers are sized to the bandwidth-delay product of the worst link
    /// plus --headroom-pct, rounded up to a power of two (never below the scenario's value;
    /// -1 stays). The runbook's RPO and RTO per fault come from simulating the scenario
    /// with the exported settings.
    #[command(after_help = "Examples:
  ktopo export scenarios/stretched-3dc.toml --out deploy/
  ktopo export scenarios/stretched-2.5dc.toml --out deploy/ --headroom-pct 50
  ktopo export my.toml --out deploy/ --keep-buffers --json

Exit codes: 0 ok, 2 an invalid scenario, a failed run or unwritable files.")]
    Export {
        /// Scenario TOML file.
        file: PathBuf,
        /// Directory to write into (created).
        #[arg(long)]
        out: PathBuf,
        /// Also write mm2.properties for this design (an async MirrorMaker 2 design).
        #[arg(long)]
        design: Option<String>,
        /// Room above the bandwidth-delay product when sizing buffers, in percent.
        #[arg(long, default_value_t = 25.0)]
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
    },
    /// Write a commented starter scenario that checks and simulates as it is.
    #[command(after_help = "Examples:
  ktopo init                 writes scenario.toml
  ktopo init dc.toml --force
  ktopo init - | less        to stdout

Exit codes: 0 ok, 2 the file exists (without --force) or cannot be written.")]
    Init {
        /// Where to write it; `-` for stdout.
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script.
    #[command(after_help = "Examples:
  ktopo completions bash > ~/.local/share/bash-completion/completions/ktopo
  ktopo completions zsh > ~/.zfunc/_ktopo
  ktopo completions fish > ~/.config/fish/completions/ktopo.fish")]
    Completions { shell: Shell },
}

/// `ktopo plan`'s arguments.
#[derive(clap::Args)]
struct PlanArgs {
    /// Scenario TOML file.
    file: PathBuf,
    /// Print plan.json to stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Directory the report folder is written under.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Runs at a time (threads); default: the machine's parallelism. Results do not depend on it.
    #[arg(short, long)]
    jobs: Option<usize>,
}

/// `ktopo size-link`'s arguments.
#[derive(clap::Args)]
struct SizeLinkArgs {
    /// Scenario TOML file.
    file: PathBuf,
    /// Cut each link for this many seconds, ending at the load's peak, instead of the file's faults.
    #[arg(long)]
    outage_s: Option<f64>,
    /// Print {"links": [...]} as JSON.
    #[arg(long)]
    json: bool,
    /// Links sized at a time (threads); default: the machine's parallelism.
    #[arg(short, long)]
    jobs: Option<usize>,
}

/// `ktopo size-link`: the library sizes, this prints and picks the exit code.
fn run_size_link(args: SizeLinkArgs, quiet: bool) -> ExitCode {
    let sc = match load(&args.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(n) = args.outage_s
        && !(n.is_finite() && (1.0..=86_400.0).contains(&n))
    {
        eprintln!("error: --outage-s must be between 1 and 86400 seconds");
        return ExitCode::from(2);
    }
    let jobs = args.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let mut progress = Progress::runs(quiet, &format!("sizing {}", sc.name), 1);
    let result =
        ktopo::plan::size_link::size_links(&sc, args.outage_s, jobs, &mut |done, total| {
            progress.len = total.max(1) as u64;
            progress.count(done)
        });
    progress.finish();
    let sizing = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        print!("{}", ktopo::plan::size_link::to_json(&sizing));
    } else if !quiet {
        print!("{}", ktopo::plan::size_link::text(&sizing));
    }
    if sizing.links.iter().any(|l| l.binding == "none") {
        eprintln!("a link misses its objectives even at the largest bandwidth tried");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// `ktopo plan`: the library plans, this prints and picks the exit code.
fn run_plan(args: PlanArgs, quiet: bool) -> ExitCode {
    let (text, sc) = match ktopo::scenario::load_for_plan(&args.file) {
        Ok(x) => x,
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            eprintln!("{} problem(s) in {}", diags.len(), args.file.display());
            return ExitCode::from(2);
        }
    };
    if let Err(e) = ktopo::report::check_writable(&args.out, &sc.name, &[]) {
        return write_failed(&args.out, e);
    }
    let jobs = args.jobs.unwrap_or_else(ktopo::sweep::default_jobs).max(1);
    let mut progress = Progress::runs(quiet, &format!("planning {}", sc.name), 1);
    let result = ktopo::plan::plan(&text, &sc, jobs, &mut |done, total| {
        progress.len = total.max(1) as u64;
        progress.count(done)
    });
    progress.finish();
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = match ktopo::plan::write(&plan, &args.out) {
        Ok(d) => d,
        Err(e) => return write_failed(&args.out, e),
    };
    if args.json {
        print!("{}", ktopo::plan::to_json(&plan));
    } else if !quiet {
        print!("{}", ktopo::plan::markdown(&plan));
        println!("\nreports: {}", dir.display());
    }
    if plan.recommended.is_none() {
        eprintln!("objectives: no candidate meets every objective of [objectives]");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

#[derive(Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
        _ => Err(format!("`{s}`: expected KEY=VALUE")),
    }
}

fn parse_node_pair(s: &str) -> Result<(u32, String), String> {
    let (a, b) = parse_pair(s)?;
    let id = a.parse().map_err(|_| format!("`{a}` is not a node id"))?;
    Ok((id, b))
}

fn load(file: &Path) -> Result<ktopo::scenario::Scenario, ExitCode> {
    ktopo::scenario::load(file).map_err(|diags| {
        for d in &diags {
            eprintln!("{d}");
        }
        eprintln!("{} problem(s) in {}", diags.len(), file.display());
        ExitCode::from(2)
    })
}

/// The sweep plan of `file`, or every problem of every variant on stderr.
fn load_sweep(
    file: &Path,
    args: &ktopo::scenario::SweepArgs,
) -> Result<ktopo::scenario::SweepPlan, ExitCode> {
    ktopo::scenario::load_sweep(file, args).map_err(|diags| {
        for d in &diags {
            eprintln!("{d}");
        }
        eprintln!(
            "{} problem(s) in the sweep of {}",
            diags.len(),
            file.display()
        );
        ExitCode::from(2)
    })
}

/// Before a run: the reports of `sc` can be written under `out` (exit code 2
/// otherwise), so that a run never ends by losing its results.
fn writable(out: &Path, sc: &ktopo::scenario::Scenario) -> Result<(), ExitCode> {
    let designs: Vec<&str> = sc.design.iter().map(|d| d.name.as_str()).collect();
    ktopo::report::check_writable(out, &sc.name, &designs).map_err(|e| write_failed(out, e))
}

/// Report a failure to write the reports under `out`: exit code 2.
fn write_failed(out: &Path, e: std::io::Error) -> ExitCode {
    eprintln!("error: cannot write reports under {}: {e}", out.display());
    ExitCode::from(2)
}

/// Before a run: say when `check` expects it to stop at `model.max_events`
/// (the run goes ahead; the estimate is rough).
fn warn_event_budget(sc: &ktopo::scenario::Scenario, quiet: bool) {
    if quiet {
        return;
    }
    let topo = ktopo::topology::Topology::build(sc);
    let designs: Vec<Option<&ktopo::scenario::Design>> = if sc.design.is_empty() {
        vec![None]
    } else {
        sc.design.iter().map(Some).collect()
    };
    for d in designs {
        let est = ktopo::check::estimated_events(sc, &topo, d);
        if est > sc.model.max_events as f64 {
            eprintln!(
                "warning: {}{}about {est:.2e} events estimated, over model.max_events = {}: the run will probably stop before its end; for long runs use model.fidelity = \"flow\" (docs/model.md §16), or shorten duration_s",
                sc.name,
                d.map_or(": ".to_string(), |d| format!(", design {}: ", d.name)),
                sc.model.max_events
            );
        }
    }
}

/// The `ktopo check` findings of `sc`, on the topology it builds.
fn check_findings(sc: &ktopo::scenario::Scenario) -> Vec<ktopo::check::Finding> {
    ktopo::check::check(sc, &ktopo::topology::Topology::build(sc))
}

/// A progress bar on stderr that appears only after a second, and never when
/// stderr is not a terminal or with --quiet.
struct Progress {
    bar: Option<ProgressBar>,
    enabled: bool,
    start: Instant,
    label: String,
    /// Positions of a full bar, and the bar's template.
    len: u64,
    template: &'static str,
}

impl Progress {
    /// Progress over simulated time (`set` takes a fraction).
    fn new(quiet: bool, label: &str) -> Progress {
        Progress {
            bar: None,
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            label: label.to_string(),
            len: 1000,
            template: "{prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% of simulated time, ETA {eta}",
        }
    }

    /// Progress over `total` runs (`count` takes the runs done).
    fn runs(quiet: bool, label: &str, total: usize) -> Progress {
        Progress {
            len: total.max(1) as u64,
            template: "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, ETA {eta}",
            ..Progress::new(quiet, label)
        }
    }

    fn count(&mut self, done: usize) {
        self.set(done as f64 / self.len as f64);
    }

    fn set(&mut self, fraction: f64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() >= Duration::from_secs(1) {
            let bar = ProgressBar::new(self.len).with_elapsed(self.start.elapsed());
            if let Ok(style) = ProgressStyle::with_template(self.template) {
                bar.set_style(style);
            }
            bar.set_prefix(self.label.clone());
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position((fraction.clamp(0.0, 1.0) * self.len as f64).round() as u64);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

fn run_sim(
    sc: &ktopo::scenario::Scenario,
    quiet: bool,
) -> Result<(ktopo::metrics::Outcome, f64), ExitCode> {
    let mut progress = Progress::new(quiet, &format!("simulating {}", sc.name));
    let t0 = Instant::now();
    let result = ktopo::kafka::simulate_with(sc, &mut |f| progress.set(f));
    progress.finish();
    match result {
        Ok(o) => Ok((o, t0.elapsed().as_secs_f64())),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

/// Plan, run and write the sweep of `file`; print its JSON, or its summary and table.
fn sweep(
    file: &Path,
    args: &ktopo::scenario::SweepArgs,
    jobs: usize,
    json: bool,
    quiet: bool,
    out: &Path,
    dry_run: bool,
) -> Result<(), ExitCode> {
    let plan = load_sweep(file, args)?;
    if dry_run {
        if !quiet {
            println!(
                "{} variant(s) × {} seed(s) × {} design(s) = {} runs, all valid:",
                plan.variants.len(),
                plan.seeds,
                plan.base.design.len().max(1),
                plan.runs()
            );
            for v in &plan.variants {
                println!("variant {}: {}", v.index, plan.describe(v));
            }
        }
        return Ok(());
    }
    ktopo::report::check_writable(out, &plan.base.name, &[]).map_err(|e| write_failed(out, e))?;
    let mut progress = Progress::runs(quiet, &format!("sweeping {}", plan.base.name), plan.runs());
    let result = ktopo::sweep::run(&plan, jobs, &mut |done, _| progress.count(done));
    progress.finish();
    let result = result.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let replay = ktopo::sweep::replay(&plan, file);
    let dir =
        ktopo::sweep::write(&result, &plan.base, &replay, out).map_err(|e| write_failed(out, e))?;
    if json {
        print!("{}", ktopo::sweep::to_json(&result));
    } else if !quiet {
        let md = ktopo::sweep::markdown(&result);
        if result.variants.len() * result.designs.len() <= 60 {
            print!("{md}");
        } else {
            println!("{}", result.summary.join(" "));
            println!(
                "\n{} rows: the table is in sweep.md and sweep.html",
                result.variants.len() * result.designs.len()
            );
        }
        println!("\nreports: {}", dir.display());
    }
    Ok(())
}

/// Simulate one scenario file and write its reports.
fn simulate(
    file: &Path,
    seed: Option<u64>,
    json: bool,
    stats: bool,
    quiet: bool,
    out: &Path,
    no_sweep: bool,
) -> Result<(), ExitCode> {
    let mut sc = load(file)?;
    if sc.sweep.as_ref().is_some_and(|s| !s.parameter.is_empty()) && !no_sweep {
        // A sweep: simulating the file means running every variant.
        let args = ktopo::scenario::SweepArgs {
            seed,
            ..Default::default()
        };
        let jobs = ktopo::sweep::default_jobs();
        return sweep(file, &args, jobs, json, quiet, out, false);
    }
    if let Some(s) = seed {
        sc.seed = s;
    }
    if !sc.design.is_empty() {
        // Several designs: simulating the file means simulating each of them.
        return compare(&sc, file, json, quiet, out);
    }
    writable(out, &sc)?;
    warn_event_budget(&sc, quiet);
    let (outcome, wall) = run_sim(&sc, quiet)?;
    if stats {
        let peak =
            ktopo::peak_memory_mib().map_or(String::new(), |m| format!("; peak memory {m:.1} MiB"));
        eprintln!(
            "stats: {} events in {:.3} s wall = {:.2} M events/s; {:.1} simulated s per wall s{peak}",
            outcome.events_processed,
            wall,
            outcome.events_processed as f64 / wall.max(1e-9) / 1e6,
            sc.duration_s / wall.max(1e-9)
        );
    }
    let findings = check_findings(&sc);
    let cx = ktopo::report::Context::new(&sc, &findings, file);
    let dir = ktopo::report::write_reports(&outcome, &cx, out).map_err(|e| write_failed(out, e))?;
    let verdict = ktopo::report::verdict(&outcome.design, &outcome, &cx);
    if json {
        print!("{}", ktopo::report::to_json(&outcome));
    } else if !quiet {
        print!("{}", ktopo::report::terminal_table(&outcome));
        print!("{}", ktopo::report::terminal_verdict(&verdict));
        println!("\nreports: {}", dir.display());
    }
    let missed: Vec<String> = verdict
        .objectives
        .iter()
        .filter(|o| o.met == Some(false))
        .map(|o| o.describe())
        .collect();
    if !missed.is_empty() {
        eprintln!("objectives missed: {}", missed.join("; "));
        return Err(ExitCode::from(1));
    }
    Ok(())
}

/// Run every design of `sc` with the same workload, faults and seed; write
/// `compare.{json,md,html}` and each design's reports; print the comparison.
fn compare(
    sc: &ktopo::scenario::Scenario,
    file: &Path,
    json: bool,
    quiet: bool,
    out: &Path,
) -> Result<(), ExitCode> {
    writable(out, sc)?;
    warn_event_budget(sc, quiet);
    let (mut cmp, outcomes) = ktopo::compare::run(sc).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let findings = check_findings(sc);
    let cx = ktopo::report::Context::new(sc, &findings, file);
    ktopo::compare::judge(&mut cmp, &outcomes, &cx);
    let dir = ktopo::compare::write(&cmp, &outcomes, &cx, out).map_err(|e| write_failed(out, e))?;
    if json {
        print!("{}", ktopo::compare::to_json(&cmp));
    } else if !quiet {
        print!("{}", ktopo::compare::markdown(&cmp));
        print!("{}", ktopo::compare::terminal_verdicts(&cmp));
        println!("\nreports: {}", dir.display());
    }
    if !ktopo::compare::objectives_met(&cmp) {
        eprintln!("objectives: no design meets every objective of [objectives]");
        return Err(ExitCode::from(1));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = cli.quiet;
    match cli.cmd {
        Cmd::Simulate {
            files,
            seed,
            json,
            stats,
            out,
            no_sweep,
        } => {
            for file in &files {
                if let Err(code) = simulate(file, seed, json, stats, quiet, &out, no_sweep) {
                    return code;
                }
            }
            ExitCode::SUCCESS
        }
        Cmd::Sweep {
            file,
            params,
            seeds,
            seed,
            jobs,
            json,
            out,
            dry_run,
        } => {
            if jobs == Some(0) || seeds == Some(0) {
                eprintln!("error: --jobs and --seeds must be at least 1");
                return ExitCode::from(2);
            }
            let args = ktopo::scenario::SweepArgs {
                params,
                seeds,
                seed,
            };
            let jobs = jobs.unwrap_or_else(ktopo::sweep::default_jobs);
            match sweep(&file, &args, jobs, json, quiet, &out, dry_run) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Cmd::Compare {
            file,
            seed,
            json,
            out,
        } => {
            let mut sc = match load(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if let Some(s) = seed {
                sc.seed = s;
            }
            match compare(&sc, &file, json, quiet, &out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Cmd::Plan(args) => run_plan(args, quiet),
        Cmd::SizeLink(args) => run_size_link(args, quiet),
        Cmd::Check { file, json } => {
            let sc = match load(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if sc.sweep.as_ref().is_some_and(|s| !s.parameter.is_empty()) {
                // `simulate` would run the sweep: every variant must be valid now.
                if let Err(code) = load_sweep(&file, &ktopo::scenario::SweepArgs::default()) {
                    return code;
                }
            }
            let findings = check_findings(&sc);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&findings).expect("findings serialize")
                );
            } else if !quiet {
                print!("{}", ktopo::check::render_by_design(&sc, &findings));
            }
            if findings
                .iter()
                .any(|f| matches!(f.level, ktopo::check::Level::Error))
            {
                if quiet && !json {
                    // Exit 1 never goes unexplained: the count, on stderr.
                    eprintln!(
                        "{}: {}",
                        file.display(),
                        ktopo::check::count_line(&findings)
                    );
                }
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Cmd::Import {
            files,
            out,
            name,
            site_of_rack,
            site_of_node,
            rack_is_site,
            link,
            placement,
            json,
            strict,
        } => {
            let mut inputs = Vec::new();
            let mut errors = Vec::new();
            for f in &files {
                // A directory: its files (and its subdirectories' files, as
                // `ktopo export` writes them), in path order, with node ids scoped to it.
                let (paths, scope) = if f.is_dir() {
                    let mut v: Vec<PathBuf> = Vec::new();
                    if let Err(e) = files_under(f, 4, &mut v) {
                        errors.push(ktopo::import::Item::new(
                            &f.display().to_string(),
                            0,
                            "",
                            format!("cannot read the directory: {e}"),
                        ));
                        continue;
                    }
                    v.sort();
                    let name = f
                        .canonicalize()
                        .ok()
                        .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .unwrap_or_else(|| f.display().to_string());
                    (v, Some(name))
                } else {
                    (vec![f.clone()], None)
                };
                for p in paths {
                    match ktopo::import::read_input(&p, None) {
                        Ok(mut i) => {
                            i.scope = scope.clone();
                            inputs.push(i)
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            for (topic, f) in &placement {
                match ktopo::import::read_input(Path::new(f), Some(topic.clone())) {
                    Ok(i) => inputs.push(i),
                    Err(e) => errors.push(e),
                }
            }
            if !errors.is_empty() {
                for e in &errors {
                    eprintln!("error: {e}");
                }
                return ExitCode::from(2);
            }
            let opts = ktopo::import::Options {
                name,
                site_of_rack: site_of_rack.into_iter().collect(),
                site_of_node: site_of_node.into_iter().collect(),
                rack_is_site,
                links: link,
            };
            let imported = match ktopo::import::import(&inputs, &opts) {
                Ok(i) => i,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("error: {e}");
                    }
                    eprintln!("{} problem(s): nothing imported", errors.len());
                    return ExitCode::from(2);
                }
            };
            if !quiet && !json {
                for m in &imported.mapping {
                    eprintln!("{m}");
                }
                for u in &imported.unmapped {
                    eprintln!("not mapped: {u}");
                }
                eprintln!(
                    "{} site(s), {} broker(s), {} controller(s), {} topic(s); {} item(s) not mapped",
                    imported.scenario.site.len(),
                    imported
                        .scenario
                        .site
                        .iter()
                        .map(|s| s.brokers)
                        .sum::<u32>(),
                    imported
                        .scenario
                        .site
                        .iter()
                        .map(|s| s.controllers)
                        .sum::<u32>(),
                    imported.scenario.topic.len(),
                    imported.unmapped.len()
                );
            }
            let text = if json {
                let mut s = serde_json::to_string_pretty(&imported).expect("imported serializes");
                s.push('\n');
                s
            } else {
                imported.toml.clone()
            };
            match &out {
                Some(path) => {
                    if let Err(e) = write_file(path, &text) {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                    if !quiet {
                        eprintln!("wrote {}", path.display());
                    }
                }
                None => print!("{text}"),
            }
            if strict && !imported.unmapped.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Cmd::Export {
            file,
            out,
            design,
            headroom_pct,
            keep_buffers,
            no_simulate,
            seed,
            json,
        } => {
            let mut sc = match load(&file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if let Some(s) = seed {
                sc.seed = s;
            }
            let mm2 = match &design {
                None => None,
                Some(name) => {
                    let Some(d) = sc.design.iter().find(|x| &x.name == name) else {
                        let names: Vec<&str> = sc.design.iter().map(|x| x.name.as_str()).collect();
                        eprintln!(
                            "error: --design {name}: {} has no such design (designs: {})",
                            file.display(),
                            if names.is_empty() {
                                "none".to_string()
                            } else {
                                names.join(", ")
                            }
                        );
                        return ExitCode::from(2);
                    };
                    // Only a MirrorMaker 2 design has an mm2.properties; other designs
                    // export their clusters (async) or the stretched cluster.
                    ktopo::export::mm2::from_design(&sc, d)
                }
            };
            if !(headroom_pct.is_finite() && (0.0..=1000.0).contains(&headroom_pct)) {
                eprintln!("error: --headroom-pct must be between 0 and 1000");
                return ExitCode::from(2);
            }
            let plan = ktopo::export::plan(
                &sc,
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
                let mut progress = Progress::new(
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
                match run_sim(&plan.scenario, quiet) {
                    Ok((o, _)) => Some(o),
                    Err(code) => return code,
                }
            };
            let mut files = ktopo::export::render(
                &plan,
                outcome.as_ref(),
                chosen.map(|i| &plan.scenario.design[i]),
            );
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
            let cleanup = match ktopo::export::write_export(&out, &files) {
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
        Cmd::Init { file, force } => {
            if file.as_os_str() == "-" {
                print!("{}", ktopo::export::STARTER_SCENARIO);
                return ExitCode::SUCCESS;
            }
            if file.exists() && !force {
                eprintln!(
                    "error: {} exists; use --force to overwrite it",
                    file.display()
                );
                return ExitCode::from(2);
            }
            if let Err(e) = write_file(&file, &starter(&file)) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return ExitCode::from(2);
            }
            if !quiet {
                eprintln!(
                    "wrote {}; next: ktopo check {0} && ktopo simulate {0}",
                    file.display()
                );
            }
            ExitCode::SUCCESS
        }
        Cmd::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut stdout = std::io::stdout();
            match shell {
                Shell::Bash => clap_complete::generate(
                    clap_complete::Shell::Bash,
                    &mut cmd,
                    "ktopo",
                    &mut stdout,
                ),
                Shell::Zsh => clap_complete::generate(
                    clap_complete::Shell::Zsh,
                    &mut cmd,
                    "ktopo",
                    &mut stdout,
                ),
                Shell::Fish => clap_complete::generate(
                    clap_complete::Shell::Fish,
                    &mut cmd,
                    "ktopo",
                    &mut stdout,
                ),
            }
            ExitCode::SUCCESS
        }
    }
}

/// The starter scenario, its header naming `file` (what the user will type)
/// rather than the default `scenario.toml`.
fn starter(file: &Path) -> String {
    let name = file.display().to_string();
    let text = ktopo::export::STARTER_SCENARIO;
    let check = "#   ktopo check scenario.toml      static findings, no simulation\n";
    let sim = "#   ktopo simulate scenario.toml   run it; reports go to reports/<name>/\n";
    if name == "scenario.toml" || !text.contains(check) || !text.contains(sim) {
        return text.to_string();
    }
    // Columns as in the file: the comments start 3 characters after the name.
    let w = name.chars().count() + 3;
    text.replacen(
        check,
        &format!(
            "#   ktopo check {name:<w1$}static findings, no simulation\n",
            w1 = w + 3
        ),
        1,
    )
    .replacen(
        sim,
        &format!("#   ktopo simulate {name:<w$}run it; reports go to reports/<name>/\n"),
        1,
    )
}

/// The files under `dir`, down to `depth` levels of subdirectories; hidden
/// entries (a name starting with `.`) are skipped.
fn files_under(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        if p.is_dir() {
            if depth > 0 {
                files_under(&p, depth - 1, out)?;
            }
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// Write a file atomically (temporary file in the same directory, then rename).
fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("ktopo");
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

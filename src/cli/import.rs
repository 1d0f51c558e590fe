//! `ktopo import`: Kafka files to a scenario.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
#[derive(clap::Args)]
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
pub struct Args {
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

pub fn run(a: Args, quiet: bool) -> ExitCode {
    let Args {
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
    } = a;
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
            if let Err(e) = super::write_file(path, &text) {
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

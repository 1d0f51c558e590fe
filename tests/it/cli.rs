//! The `ktopo` binary: exit codes, --quiet, --json, help with examples,
//! completions, init, and import/export end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ktopo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ktopo"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    ktopo()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ktopo runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_subcommand_has_help_with_examples() {
    let d = repo();
    let top = run(&["--help"], &d);
    assert_eq!(code(&top), 0);
    assert!(text(&top.stdout).contains("Examples:"));
    for sub in [
        "simulate",
        "check",
        "import",
        "export",
        "init",
        "completions",
    ] {
        let o = run(&[sub, "--help"], &d);
        assert_eq!(code(&o), 0, "{sub}");
        let out = text(&o.stdout);
        assert!(
            out.contains("Examples:"),
            "{sub} --help has no examples:\n{out}"
        );
        assert!(
            out.contains(&format!("ktopo {sub}")),
            "{sub} --help example does not run {sub}"
        );
    }
}

#[test]
fn completions_for_three_shells() {
    let d = repo();
    for sh in ["bash", "zsh", "fish"] {
        let o = run(&["completions", sh], &d);
        assert_eq!(code(&o), 0, "{sh}");
        let out = text(&o.stdout);
        assert!(
            out.contains("ktopo") && out.contains("simulate") && out.contains("import"),
            "{sh}"
        );
    }
    assert_eq!(code(&run(&["completions", "tcsh"], &d)), 2);
}

#[test]
fn init_writes_a_starter_that_checks_and_simulates() {
    let d = tmpdir("init");
    let o = run(&["init", "s.toml"], &d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let starter = std::fs::read_to_string(d.join("s.toml")).unwrap();
    assert!(
        starter
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            >= 10,
        "commented"
    );
    assert_eq!(code(&run(&["check", "s.toml"], &d)), 0);
    let o = run(&["simulate", "s.toml", "--json", "--out", "r"], &d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("--json prints JSON");
    assert_eq!(v["scenario"], "my-stretched-cluster");
    assert!(
        v["sites"][0]["produce"][0]["records_acked"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Refuses to overwrite; --force does; `-` prints.
    let o = run(&["init", "s.toml"], &d);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--force"));
    assert_eq!(code(&run(&["init", "s.toml", "--force", "-q"], &d)), 0);
    // `-` prints the starter with its default name in the header.
    let o = run(&["init", "-"], &d);
    assert_eq!(
        text(&o.stdout),
        starter.replace("s.toml ", "scenario.toml ")
    );
}

#[test]
fn exit_codes_quiet_and_no_progress_when_not_a_terminal() {
    let d = repo();
    // 1: a requirement not met (the two-site trap has check errors).
    let o = run(&["check", "scenarios/stretched-2dc.toml", "-q"], &d);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty(), "--quiet prints nothing on stdout");
    // ... but an exit 1 is never silent: the count, on stderr.
    assert!(
        text(&o.stderr).contains("stretched-2dc.toml: 2 errors, 0 warnings, 3 notes"),
        "{}",
        text(&o.stderr)
    );
    // 2: an error.
    let t = tmpdir("codes");
    std::fs::write(t.join("bad.toml"), "name = 1\n").unwrap();
    let o = run(&["check", "bad.toml"], &t);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("bad.toml:1:"));
    assert_eq!(code(&run(&["simulate", "missing.toml"], &t)), 2);
    assert_eq!(code(&run(&["no-such-command"], &t)), 2);
    // Simulate without --quiet, stderr not a terminal: no progress bar.
    let o = run(
        &[
            "simulate",
            &repo()
                .join("scenarios/single-site.toml")
                .display()
                .to_string(),
            "--out",
            "r",
        ],
        &t,
    );
    assert_eq!(code(&o), 0);
    let err = text(&o.stderr);
    assert!(
        !err.contains("simulating") && !err.contains('\u{1b}'),
        "stderr: {err}"
    );
    let o = run(
        &[
            "simulate",
            &repo()
                .join("scenarios/single-site.toml")
                .display()
                .to_string(),
            "--out",
            "r",
            "-q",
        ],
        &t,
    );
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    // 1: an objective of [objectives] missed (reports are still written).
    let base = std::fs::read_to_string(repo().join("scenarios/single-site.toml")).unwrap();
    std::fs::write(
        t.join("strict.toml"),
        format!("{base}\n[objectives]\nproduce_p99_ms = 0.001\n"),
    )
    .unwrap();
    let o = run(&["simulate", "strict.toml", "--out", "r2", "-q"], &t);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("produce_p99_ms"));
    assert!(t.join("r2").read_dir().unwrap().next().is_some());
}

#[test]
fn import_reports_problems_with_file_and_line_and_strict_exit() {
    let t = tmpdir("import");
    std::fs::write(
        t.join("a.properties"),
        "node.id=1\nbroker.rack=dc1-a\nnum.recovery.threads.per.data.dir=2\nnode.id=x\n",
    )
    .unwrap();
    std::fs::write(
        t.join("b.properties"),
        "node.id=2\nreplica.lag.time.max.ms=soon\n",
    )
    .unwrap();
    let o = run(&["import", "a.properties", "b.properties"], &t);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("a.properties:4: `node.id`"), "{err}");
    assert!(
        err.contains("b.properties:2: `replica.lag.time.max.ms`"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    std::fs::write(t.join("a.properties"), "node.id=1\nbroker.rack=dc1-a\nnum.recovery.threads.per.data.dir=2\nprocess.roles=broker,controller\ncontroller.quorum.voters=1@h:9093\n").unwrap();
    let o = run(&["import", "a.properties", "-o", "out.toml"], &t);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not mapped: a.properties:3: `num.recovery.threads.per.data.dir`")
    );
    let toml = std::fs::read_to_string(t.join("out.toml")).unwrap();
    ktopo::scenario::parse_str(&toml, "out.toml").expect("parses");
    assert_eq!(code(&run(&["check", "out.toml", "-q"], &t)), 0);
    // --strict: something was not mapped → 1. --json: the same facts as JSON.
    assert_eq!(
        code(&run(&["import", "a.properties", "--strict", "-q"], &t)),
        1
    );
    let o = run(&["import", "a.properties", "--json", "-q"], &t);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["toml"].as_str().unwrap().contains("[[site]]"));
    assert!(
        v["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["key"] == "num.recovery.threads.per.data.dir")
    );
}

#[test]
fn export_then_the_readme_import_command_round_trips() {
    let t = tmpdir("export");
    let scen = repo().join("scenarios/stretched-3dc.toml");
    let o = run(
        &[
            "export",
            &scen.display().to_string(),
            "--out",
            "deploy",
            "--json",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "runbook.md")
    );
    assert_eq!(v["sizing"]["worst_link"], "dc1↔dc3");
    let deploy = t.join("deploy");
    let runbook = std::fs::read_to_string(deploy.join("runbook.md")).unwrap();
    assert!(runbook.contains("## Step 1: site-down"), "{runbook}");
    // The README's command, run as written (with this binary as `ktopo`).
    let readme = std::fs::read_to_string(deploy.join("README.md")).unwrap();
    let start = readme.find("```sh\n").unwrap() + 6;
    let cmd = &readme[start..start + readme[start..].find("```").unwrap()];
    let cmd = cmd.replacen("ktopo", env!("CARGO_BIN_EXE_ktopo"), 1);
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("{} -q -o back.toml", cmd.trim_end()))
        .current_dir(&deploy)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}\n{}", cmd, text(&o.stderr));
    let back = std::fs::read_to_string(deploy.join("back.toml")).unwrap();
    let a = ktopo::scenario::parse_str(&std::fs::read_to_string(&scen).unwrap(), "a").unwrap();
    let b = ktopo::scenario::parse_str(&back, "back.toml").unwrap();
    let sites = |s: &ktopo::scenario::Scenario| -> Vec<(String, u32, u32)> {
        s.site
            .iter()
            .map(|x| (x.name.clone(), x.brokers, x.controllers))
            .collect()
    };
    assert_eq!(sites(&a), sites(&b));
    assert_eq!(a.broker.min_insync_replicas, b.broker.min_insync_replicas);
    assert_eq!(a.topic[0].partitions, b.topic[0].partitions);
    // Deterministic: a second export is byte-identical.
    let o = run(
        &[
            "export",
            &scen.display().to_string(),
            "--out",
            "again",
            "-q",
        ],
        &t,
    );
    assert_eq!(code(&o), 0);
    for f in [
        "runbook.md",
        "netem.sh",
        "README.md",
        "brokers/broker-1.properties",
        "topics/reassignment.json",
    ] {
        assert_eq!(
            std::fs::read(deploy.join(f)).unwrap(),
            std::fs::read(t.join("again").join(f)).unwrap(),
            "{f}"
        );
    }
    // --seed changes the simulated figures' seed, stated in the runbook.
    let o = run(
        &[
            "export",
            &scen.display().to_string(),
            "--out",
            "seeded",
            "-q",
            "--seed",
            "99",
        ],
        &t,
    );
    assert_eq!(code(&o), 0);
    assert!(
        std::fs::read_to_string(t.join("seeded/runbook.md"))
            .unwrap()
            .contains("seed 99")
    );
    // --design names a design the scenario does not have.
    assert_eq!(
        code(&run(
            &[
                "export",
                &scen.display().to_string(),
                "--out",
                "x",
                "--design",
                "mm2"
            ],
            &t
        )),
        2
    );
}

#[test]
fn import_reads_directories_one_per_cluster() {
    let t = tmpdir("dirs");
    for site in ["east", "west"] {
        std::fs::create_dir_all(t.join(site)).unwrap();
        for id in 1..=3 {
            std::fs::write(
                t.join(site).join(format!("server-{id}.properties")),
                format!("process.roles=broker,controller\nnode.id={id}\ncontroller.quorum.voters=1@{site}1:9093,2@{site}2:9093,3@{site}3:9093\n"),
            )
            .unwrap();
        }
        std::fs::write(t.join(site).join(".hidden"), "garbage").unwrap();
    }
    let o = run(
        &[
            "import",
            "east",
            "west",
            "--link",
            "east,west,80",
            "-q",
            "-o",
            "c.toml",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let sc = ktopo::scenario::parse_str(
        &std::fs::read_to_string(t.join("c.toml")).unwrap(),
        "c.toml",
    )
    .unwrap();
    assert_eq!(sc.site.len(), 2);
    assert_eq!(sc.link[0].rtt_ms, 80.0);
    assert!(sc.site.iter().all(|s| s.brokers == 3 && s.controllers == 3));
}

/// `export --design` of an asynchronous design: one directory per cluster, each
/// broker and controller naming only its own cluster's voters, clients
/// bootstrapping from their own site's cluster, a runbook with the design's
/// figures (records not yet copied, the failover RTO, re-reads), and the README's
/// import command reading the clusters and the MM2 flow back.
#[test]
fn export_of_an_async_design_has_one_quorum_per_cluster_and_reads_back() {
    let t = tmpdir("export-async");
    let scen = repo().join("scenarios/mm2-active-passive.toml");
    let o = run(
        &[
            "export",
            &scen.display().to_string(),
            "--design",
            "mm2-ap",
            "--out",
            "deploy",
            "-q",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let d = t.join("deploy");
    let read = |p: &str| std::fs::read_to_string(d.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let voters = |p: &str| {
        read(p)
            .lines()
            .find_map(|l| {
                l.strip_prefix("controller.quorum.voters=")
                    .map(str::to_string)
            })
            .unwrap()
    };
    let v1 = voters("clusters/dc1/brokers/broker-1.properties");
    let v2 = voters("clusters/dc2/brokers/broker-4.properties");
    assert_eq!(
        v1,
        voters("clusters/dc1/controllers/controller-3000.properties")
    );
    assert!(v1.contains("3000@") && !v1.contains("3003@"), "{v1}");
    assert!(v2.contains("3003@") && !v2.contains("3000@"), "{v2}");
    assert!(!d.join("brokers").exists(), "no stretched layout");
    assert!(read("clients/producer-0.properties").contains("bootstrap.servers=broker-1:9092"));
    assert!(read("mm2.properties").contains("dc1->dc2.enabled = true"));
    let rb = read("runbook.md");
    assert!(rb.contains("not yet copied") && rb.contains("RPO"), "{rb}");
    assert!(rb.contains("≈ 180 s") && rb.contains("re-reading"), "{rb}");
    // The README's command reads the export back.
    let readme = read("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap()
        .replace(" \\\n    ", " ");
    let args: Vec<&str> = block.split_whitespace().skip(1).collect();
    assert_eq!(args[0], "import", "{block}");
    let mut all = args.clone();
    all.extend(["-q", "-o", "back.toml"]);
    let o = run(&all, &d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let back = ktopo::scenario::parse_str(
        &std::fs::read_to_string(d.join("back.toml")).unwrap(),
        "back.toml",
    )
    .expect("valid");
    let orig = ktopo::scenario::load(&scen).unwrap();
    let shape = |s: &ktopo::scenario::Scenario| {
        s.site
            .iter()
            .map(|x| (x.name.clone(), x.brokers, x.controllers))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&back), shape(&orig));
    assert_eq!(back.design.len(), 1);
    let (a, b) = (&back.design[0], &orig.design[0]);
    assert_eq!((a.tool, a.topology), (b.tool, b.topology));
    let layout = |s, d| ktopo::topology::DesignLayout::of(s, d).clusters;
    assert_eq!(layout(&back, a), layout(&orig, b));
    assert_eq!(a.tasks_max, b.tasks_max);
}

/// Issue 11: a file of asynchronous designs was judged as one stretched
/// cluster (8 errors and exit 1 for the bundled mm2-active-passive, quorum lost
/// at each site loss) while its report said "check found 0 errors". Each
/// design is now judged on its own clusters and flows, per design, and the
/// report quotes the same findings.
#[test]
fn check_judges_each_design_and_the_report_quotes_it() {
    let d = repo();
    let o = run(&["check", "scenarios/mm2-active-passive.toml"], &d);
    let out = text(&o.stdout);
    assert_eq!(code(&o), 0, "{out}");
    assert!(
        out.starts_with("== design mm2-ap (async: 2 cluster(s), each judged on its own, and 1 copy flow(s)): 0 errors"),
        "{out}"
    );
    assert!(!out.contains("quorum-site-loss"), "{out}");
    // A stretched and an async design in one file: the stretched design keeps
    // the stretched cluster's findings, the async one its own.
    let o = run(
        &["check", "scenarios/stretched-vs-async.toml", "--json"],
        &d,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let designs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["design"]
                .as_str()
                .expect("every finding names its design")
        })
        .collect();
    assert!(designs.contains(&"stretched-2.5dc"), "{designs:?}");
    assert!(designs.contains(&"replicator"), "{designs:?}");
    // The report of a design quotes the counts check printed for it.
    let t = tmpdir("per-design");
    let o = run(
        &[
            "simulate",
            &d.join("scenarios/mm2-active-passive.toml")
                .display()
                .to_string(),
            "--out",
            "r",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let md = std::fs::read_to_string(t.join("r/mm2-active-passive/mm2-ap/report.md")).unwrap();
    assert!(
        md.contains("`ktopo check` found 0 error(s), 0 warning(s) and 0 note(s)"),
        "{md}"
    );
    // Issue 11: a produce latency that is a constant (every record in one
    // histogram bucket) drew an empty CDF frame; now it is said in words. Since
    // issue 13 the brokers' NICs serialise every batch, so this scenario's
    // latency is no longer one bucket: the note appears exactly when it is.
    let html = std::fs::read_to_string(t.join("r/mm2-active-passive/mm2-ap/report.html")).unwrap();
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.join("r/mm2-active-passive/mm2-ap/report.json")).unwrap(),
    )
    .unwrap();
    let lat = &json["sites"][0]["produce"][0]["latency"];
    let constant = lat["p50_ms"] == lat["max_ms"];
    let note = "<p class=\"note\" id=\"chart-latency-cdf\">No latency distribution to draw as a curve:</p>";
    assert_eq!(html.contains(note), constant, "{lat}");
    assert_eq!(
        html.contains("<figure class=\"chart\" id=\"chart-latency-cdf\">"),
        !constant
    );
}

/// Issue 11: what would make a run fail after it finished fails before it
/// starts. A 300-character design name passed `check`, ran, then lost its
/// results with "File name too long"; an invalid [sweep] passed `check`; an
/// output folder that cannot be written was found only after the run.
#[test]
fn what_would_fail_after_a_run_fails_before_it() {
    let t = tmpdir("prerun");
    let base = std::fs::read_to_string(repo().join("scenarios/mm2-active-passive.toml")).unwrap();
    let long = base.replace(
        "name = \"mm2-ap\"",
        &format!("name = \"{}\"", "d".repeat(300)),
    );
    std::fs::write(t.join("long.toml"), &long).unwrap();
    for args in [
        &["check", "long.toml"][..],
        &["simulate", "long.toml", "--out", "r"][..],
    ] {
        let o = run(args, &t);
        assert_eq!(code(&o), 2, "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains("long.toml:45:1: error: `design[0].name`: is 300 characters long"),
            "{args:?}: {err}"
        );
    }
    assert!(!t.join("r").exists(), "nothing ran");
    // An invalid sweep: `check` reads every variant as `simulate` would.
    let sweep = std::fs::read_to_string(repo().join("scenarios/sweep-rtt.toml"))
        .unwrap()
        .replace(
            "key = \"link[dc1-dc2].rtt_ms\"",
            "key = \"link[dc1-dc9].rtt_ms\"",
        );
    std::fs::write(t.join("sweep.toml"), sweep).unwrap();
    let o = run(&["check", "sweep.toml"], &t);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("sweep.toml:91:"),
        "{}",
        text(&o.stderr)
    );
    // An output folder that cannot be written: exit 2 before simulating.
    std::fs::write(t.join("file"), "").unwrap();
    let o = run(
        &[
            "simulate",
            &repo()
                .join("scenarios/reference-24h.toml")
                .display()
                .to_string(),
            "--out",
            "file/r",
        ],
        &t,
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).starts_with("error: cannot write reports under file/r"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "the run did not start");
}

/// Issue 11: `ktopo init other.toml` wrote a header naming scenario.toml.
#[test]
fn init_names_its_own_file() {
    let t = tmpdir("init-name");
    assert_eq!(code(&run(&["init", "-q", "other.toml"], &t)), 0);
    let s = std::fs::read_to_string(t.join("other.toml")).unwrap();
    assert!(
        s.contains("#   ktopo check other.toml      static findings"),
        "{s}"
    );
    assert!(s.contains("#   ktopo simulate other.toml   run it"), "{s}");
    assert!(!s.contains("scenario.toml"), "{s}");
}

/// Issue 11: the terminal ends with the verdict and what to change, not only
/// the table.
#[test]
fn terminal_prints_the_verdict_after_the_table() {
    let t = tmpdir("verdict");
    let o = run(
        &[
            "simulate",
            &repo()
                .join("scenarios/single-site.toml")
                .display()
                .to_string(),
            "--out",
            "r",
        ],
        &t,
    );
    let out = text(&o.stdout);
    let table = out.find("ISR shrinks").expect("the table");
    let verdict = out.find("\nverdict: caution — ").expect("the verdict");
    let rec = out.find("\nrecommendation: ").expect("a recommendation");
    assert!(table < verdict && verdict < rec, "{out}");
    let o = run(
        &[
            "simulate",
            &repo()
                .join("scenarios/mm2-active-passive.toml")
                .display()
                .to_string(),
            "--out",
            "r",
        ],
        &t,
    );
    let out = text(&o.stdout);
    assert!(out.contains("\nverdicts:\n  mm2-ap — caution: "), "{out}");
}

/// The commands whose `--help` docs/cli.md reproduces ("" is `ktopo --help`).
const HELP_COMMANDS: [&str; 12] = [
    "",
    "init",
    "check",
    "simulate",
    "compare",
    "sweep",
    "merge",
    "plan",
    "size-link",
    "import",
    "export",
    "completions",
];

/// `ktopo [CMD] --help` as docs/cli.md shows it (trailing spaces trimmed).
fn help_of(cmd: &str) -> String {
    let args: Vec<&str> = if cmd.is_empty() {
        vec!["--help"]
    } else {
        vec![cmd, "--help"]
    };
    let o = ktopo()
        .args(&args)
        .env_remove("COLUMNS")
        .output()
        .expect("ktopo runs");
    assert_eq!(code(&o), 0, "{cmd} --help");
    let mut s = String::new();
    for line in text(&o.stdout).lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// The appendix of docs/cli.md: every command's `--help`, verbatim.
fn help_appendix() -> String {
    let mut s = String::from(HELP_APPENDIX_HEAD);
    for cmd in HELP_COMMANDS {
        let title = if cmd.is_empty() {
            "ktopo --help".to_string()
        } else {
            format!("ktopo {cmd} --help")
        };
        s.push_str(&format!(
            "\n### `{title}`\n\n```text\n{}```\n",
            help_of(cmd)
        ));
    }
    s
}

const HELP_APPENDIX_HEAD: &str = "## Appendix: the `--help` of every command

Generated from the binary; `tests/it/cli.rs` (`docs_cli_md_matches_the_help`) fails
when it differs, and `KTOPO_BLESS=1 cargo test --test it docs_cli` rewrites it.
";

/// Issue 11: docs/cli.md drifted from the binary (the help omitted exit code 1
/// and compare.html). It now holds every command's `--help` verbatim, and each
/// command's section names every option the command takes.
#[test]
fn docs_cli_md_matches_the_help() {
    let path = repo().join("docs/cli.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let head = doc.find(HELP_APPENDIX_HEAD.lines().next().unwrap());
    let want = help_appendix();
    if std::env::var_os("KTOPO_BLESS").is_some_and(|v| v == "1") {
        let body = head.map_or(doc.as_str(), |i| &doc[..i]);
        std::fs::write(&path, format!("{}\n{want}", body.trim_end())).unwrap();
        return;
    }
    let got = head.map_or("", |i| &doc[i..]);
    assert!(
        got == want,
        "docs/cli.md's appendix differs from the binary's --help; rerun with KTOPO_BLESS=1.\n--- docs\n{got}\n--- binary\n{want}"
    );
    // Every long option of a command appears in its own section.
    for cmd in HELP_COMMANDS.iter().filter(|c| !c.is_empty()) {
        let start = doc
            .find(&format!("\n## `ktopo {cmd}`"))
            .unwrap_or_else(|| panic!("docs/cli.md has no section for {cmd}"));
        let end = doc[start + 1..]
            .find("\n## ")
            .map_or(doc.len(), |i| start + 1 + i);
        let section = &doc[start..end];
        for line in help_of(cmd).lines() {
            // Option lines start with the option: `-q, --quiet`, `--seed <SEED>`.
            let line = line.trim_start();
            if !line.starts_with('-') {
                continue;
            }
            let Some(flag) = line.split([' ', ',']).find(|w| w.starts_with("--")) else {
                continue;
            };
            if ["--help", "--quiet", "--version"].contains(&flag) {
                continue;
            }
            assert!(
                section.contains(flag),
                "docs/cli.md's `ktopo {cmd}` section does not mention {flag}"
            );
        }
    }
}

/// An async design copying 2 MB/s over a link of `mbps`, cut from 30 s to
/// 90 s, with the two objectives of issue 11.
fn lagging_design(mbps: f64) -> String {
    format!(
        r#"name = "lagging"
seed = 3
duration_s = 240
[[site]]
name = "dc1"
brokers = 3
controllers = 1
[[site]]
name = "dc2"
brokers = 3
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 30
bandwidth_mbps = {mbps}
[broker]
"default.replication.factor" = 1
[[topic]]
name = "orders"
partitions = 6
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 2
[[design]]
name = "mm2"
kind = "async"
topology = "active-passive"
"tasks.max" = 6
"consumer.receive.buffer.bytes" = -1
[[fault]]
kind = "link-partition"
between = ["dc1", "dc2"]
at_s = 30
duration_s = 60
[objectives]
replication_lag_s = 30
catch_up_s = 60
"#
    )
}

/// Issue 11: objectives for what asynchronous designs trade. `replication_lag_s`
/// is judged against the run's maximum lag, `catch_up_s` against the longest
/// catch-up; a copier that never catches up misses `catch_up_s` ("never")
/// instead of reading "caution".
#[test]
fn replication_lag_and_catch_up_objectives() {
    let t = tmpdir("objectives");
    let objectives = |mbps: f64| {
        std::fs::write(t.join("lag.toml"), lagging_design(mbps)).unwrap();
        let o = run(&["simulate", "lag.toml", "--json", "--out", "r"], &t);
        assert_eq!(code(&o), 1, "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let d = &v["designs"][0]["verdict"];
        assert_eq!(d["grade"], "fail");
        let get = |k: &str| {
            d["objectives"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["objective"] == k)
                .cloned()
                .unwrap()
        };
        (get("replication_lag_s"), get("catch_up_s"))
    };
    // 100 Mbit/s: 60 s cut, so the lag reaches the cut's 60 s (> 30: missed);
    // the 120 MB backlog drains at (12.5 − 2) MB/s ≈ 11 s (< 60: met).
    let (lag, catch) = objectives(100.0);
    let l = lag["actual"].as_f64().unwrap();
    assert!((58.0..=66.0).contains(&l), "lag {lag}");
    assert_eq!(lag["met"], false);
    let c = catch["actual"].as_f64().unwrap();
    assert!((5.0..=25.0).contains(&c), "catch-up {catch}");
    assert_eq!(catch["met"], true);
    // 10 Mbit/s (1.25 MB/s) under 2 MB/s of ingress: the copier never catches up.
    let (lag, catch) = objectives(10.0);
    assert!(lag["actual"].as_f64().unwrap() > 60.0, "{lag}");
    assert_eq!(catch["met"], false, "{catch}");
    assert!(catch["actual"].is_null());
    assert_eq!(
        catch["detail"],
        "never: still behind at the end of the run after fault 0"
    );
}

/// Issue 11: "p99 0 ms" never stands for "no samples". An acks=0 producer has
/// no acknowledged record: the terminal shows – and the page says so in words.
#[test]
fn an_empty_distribution_is_said_not_drawn_as_zero() {
    let t = tmpdir("empty-dist");
    let base = std::fs::read_to_string(repo().join("scenarios/single-site.toml")).unwrap();
    std::fs::write(
        t.join("acks0.toml"),
        format!("{base}\n[[producer]]\nsite = \"dc1\"\ntopic = \"orders\"\nrate_mb_s = 1\nacks = \"0\"\n"),
    )
    .unwrap();
    let o = run(&["simulate", "acks0.toml", "--out", "r"], &t);
    let out = text(&o.stdout);
    let row = out
        .lines()
        .find(|l| l.contains(" 0 ") && l.starts_with("dc1") && l.contains("–"))
        .unwrap_or_else(|| panic!("no acks=0 row with –:\n{out}"));
    assert_eq!(row.matches('–').count(), 4, "{row}");
    let html = std::fs::read_to_string(t.join("r/single-site/report.html")).unwrap();
    assert!(
        html.contains("<li>dc1 (orders, acks=0): no record acknowledged, so no latency to plot (not 0 ms).</li>"),
        "the note"
    );
    let md = std::fs::read_to_string(t.join("r/single-site/report.md")).unwrap();
    assert!(md.contains("| dc1 | orders | 0 | – | – | – | – |"), "{md}");
}

/// Issue 11: a run whose estimated events exceed model.max_events says so
/// before it starts (check: an error; simulate: a warning first) and suggests
/// flow fidelity.
#[test]
fn an_event_budget_too_small_is_said_before_the_run() {
    let t = tmpdir("budget");
    let base = std::fs::read_to_string(repo().join("scenarios/single-site.toml")).unwrap();
    // single-site processes about 1.5 M events; allow 100 000.
    std::fs::write(
        t.join("small.toml"),
        format!("{base}\n[model]\nmax_events = 100000\n"),
    )
    .unwrap();
    let o = run(&["check", "small.toml"], &t);
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(out.contains("error[event-limit] model.max_events"), "{out}");
    assert!(out.contains("model.fidelity = \"flow\""), "{out}");
    let o = run(&["simulate", "small.toml", "--out", "r"], &t);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    let warn = err
        .find("warning: single-site: about")
        .expect("the warning");
    let stop = err
        .find("error: stopped after 100000 events")
        .expect("the stop");
    assert!(warn < stop, "{err}");
}

/// `--stats` on a file with designs reports each design's events (the same
/// as compare.json's) and the comparison's total, rather than nothing.
#[test]
fn stats_cover_every_design_of_a_file() {
    let d = tmpdir("stats-designs");
    let text_in = std::fs::read_to_string(repo().join("scenarios/stretched-vs-async.toml"))
        .unwrap()
        .replace("duration_s = 540", "duration_s = 20");
    let file = d.join("designs.toml");
    std::fs::write(&file, text_in).unwrap();
    let out = d.join("out");
    let f = file.to_str().unwrap();
    let o = run(
        &[
            "simulate",
            f,
            "--stats",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ],
        &d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let cmp: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let designs = cmp["designs"].as_array().unwrap();
    assert!(designs.len() >= 2);
    let err = text(&o.stderr);
    let mut total = 0;
    for row in designs {
        let (name, events) = (
            row["design"].as_str().unwrap(),
            row["events_processed"].as_u64().unwrap(),
        );
        assert!(events > 0);
        assert!(
            err.contains(&format!("stats: design {name}: {events} events\n")),
            "{name}: {err}"
        );
        total += events;
    }
    assert!(
        err.contains(&format!(
            "stats: {total} events over {} designs in ",
            designs.len()
        )),
        "{err}"
    );
    // Many runs: a note, not a misleading figure.
    let o = run(
        &[
            "simulate",
            f,
            "--stats",
            "--runs",
            "2",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        &d,
    );
    assert!(text(&o.stderr).contains("note: --stats measures one simulation"));
}

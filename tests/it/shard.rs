//! Sweeps beyond one machine (issue 15): `ktopo sweep --shard K/N` in separate
//! processes, then `ktopo merge`, gives the very bytes of the unsharded
//! `sweep.{json,md,html}`; a missing shard is named with the command that
//! reruns it; a duplicated shard is harmless and a differing copy refused;
//! shards of different scenarios are refused; a killed shard leaves no shard
//! file; `--shard-from-env` reads each scheduler's variables. Everything runs
//! the binary, as a batch scheduler would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Two sites and a tie-breaker, a stretched design and MM2 dc1 → dc2 (as in
/// `sweep.rs`), short runs, and a fault so that the RPO and RTO outputs exist.
const SCENARIO: &str = r#"
name = "shard-sweep"
seed = 4
duration_s = 4

[[site]]
name = "dc1"
brokers = 2
controllers = 1

[[site]]
name = "dc2"
brokers = 2
controllers = 1

[[site]]
name = "tie"
controllers = 1

[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10.0

[[link]]
between = ["dc1", "tie"]
rtt_ms = 10.0

[[link]]
between = ["dc2", "tie"]
rtt_ms = 10.0

[broker]
"replica.socket.receive.buffer.bytes" = -1

[[topic]]
name = "orders"
partitions = 4
"replication.factor" = 2
placement.replicas = [{ count = 1, rack = "dc1" }, { count = 1, rack = "dc2" }]

[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 1

[[fault]]
kind = "site-down"
site = "dc1"
at_s = 2
duration_s = 1

[[design]]
name = "stretched"
kind = "stretched"

[[design]]
name = "mm2"
clusters = ["dc1", "dc2"]
primary = "dc1"
"consumer.receive.buffer.bytes" = -1

[[sweep.parameter]]
key = "link[dc1-dc2].rtt_ms"
values = [2, 10]
"#;

/// The sweep's arguments besides the file: a `--param` (which the scenario
/// hash and the replay command must carry) and two seeds per variant, so 3
/// variants × 2 seeds × 2 designs = 12 runs.
const ARGS: [&str; 5] = [
    "--param",
    "link[dc1-dc2].rtt_ms=2,10,40",
    "--seeds",
    "2",
    "--quiet",
];
const RUNS: usize = 12;

/// A fresh folder holding the scenario as `sweep.toml`.
fn setup(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    std::fs::write(d.join("sweep.toml"), SCENARIO).expect("write scenario");
    d
}

/// `ktopo ARGS…` in `dir`, without any scheduler variable of the test's
/// own environment.
fn ktopo(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ktopo"));
    c.current_dir(dir);
    for v in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_STEP",
        "SLURM_ARRAY_TASK_COUNT",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        c.env_remove(v);
    }
    c
}

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what} failed ({}): {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The sweep of `sweep.toml` with [`ARGS`] and `extra`, run to completion.
fn sweep(dir: &Path, extra: &[&str]) -> Output {
    let o = ktopo(dir)
        .arg("sweep")
        .arg("sweep.toml")
        .args(ARGS)
        .args(["--jobs", "1"])
        .args(extra)
        .output()
        .expect("run ktopo");
    ok(o, &format!("ktopo sweep {extra:?}"))
}

/// Shards 1..=n (those in `only`, if given) as n processes at once, into `out`.
fn shards(dir: &Path, n: usize, only: &[usize], out: &str) {
    let children: Vec<_> = (1..=n)
        .filter(|k| only.is_empty() || only.contains(k))
        .map(|k| {
            ktopo(dir)
                .arg("sweep")
                .arg("sweep.toml")
                .args(ARGS)
                .args(["--jobs", "1", "--shard", &format!("{k}/{n}"), "--out", out])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn ktopo")
        })
        .collect();
    for c in children {
        ok(c.wait_with_output().expect("wait"), "a shard");
    }
}

fn merge(dir: &Path, args: &[&str]) -> Output {
    ktopo(dir)
        .arg("merge")
        .args(args)
        .output()
        .expect("run ktopo merge")
}

const FILES: [&str; 3] = ["sweep.json", "sweep.md", "sweep.html"];

/// The report files under `out` are the bytes of those under `full`.
fn same_report(dir: &Path, full: &str, out: &str, what: &str) {
    for f in FILES {
        let a = std::fs::read(dir.join(full).join("shard-sweep").join(f)).expect("unsharded");
        let b = std::fs::read(dir.join(out).join("shard-sweep").join(f))
            .unwrap_or_else(|e| panic!("{what}: {f} not written: {e}"));
        assert!(a == b, "{what}: {f} differs from the unsharded run's");
    }
}

fn jsonl_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Words of a command line as a POSIX shell splits it (single quotes only,
/// which is all `report::shell_quote` writes).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

#[test]
fn n_shards_merge_to_the_bytes_of_the_unsharded_sweep() {
    let dir = setup("n");
    sweep(&dir, &["--out", "full"]);
    // The manifest: 12 runs, seeds 4 and 5 (the scenario's seed plus the seed
    // number), the same for every variant and design (common random numbers).
    let list = sweep(&dir, &["--list", "--json"]);
    let m: serde_json::Value = serde_json::from_slice(&list.stdout).expect("manifest json");
    let runs = m["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), RUNS);
    for (j, r) in runs.iter().enumerate() {
        assert_eq!(r["index"], j);
        // Index j = (variant × 2 + seed number) × 2 + design.
        assert_eq!(r["seed"], 4 + (j as u64 / 2) % 2, "run {j}");
    }
    assert_eq!(runs[5]["parameters"]["link[dc1-dc2].rtt_ms"], 10);
    assert_eq!(runs[5]["parameters"]["design"], "mm2");
    assert!(
        runs[5]["key"].as_str().unwrap().contains("rtt_ms = 10")
            && runs[5]["key"]
                .as_str()
                .unwrap()
                .ends_with("; design mm2; seed 4"),
        "{}",
        runs[5]["key"]
    );
    for n in [1, 2, 3, 7] {
        let sh = format!("shards-{n}");
        shards(&dir, n, &[], &sh);
        let names = jsonl_files(&dir.join(&sh));
        assert_eq!(names.len(), n, "{names:?}");
        assert!(
            names[n - 1].ends_with(&format!(".shard-{n:04}-of-{n:04}.jsonl")),
            "{names:?}"
        );
        let out = format!("merged-{n}");
        ok(merge(&dir, &[&sh, "--out", &out]), "ktopo merge");
        same_report(&dir, "full", &out, &format!("{n} shards"));
    }
    // Shard 3/7 holds runs 2 and 9 (index ≡ 2 mod 7), with their keys and seeds.
    let f = dir
        .join("shards-7")
        .join(&jsonl_files(&dir.join("shards-7"))[2]);
    let text = std::fs::read_to_string(f).expect("shard 3/7");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "header + 2 runs");
    assert_eq!(lines[0]["selection"]["shard"]["shard"], 3);
    assert_eq!(lines[0]["runs_total"], RUNS);
    assert_eq!(lines[0]["schema_version"], ktopo::metrics::SCHEMA_VERSION);
    assert_eq!(lines[0]["scenario_hash"], m["scenario_hash"]);
    assert_eq!(lines[1]["index"], 2);
    assert_eq!(lines[2]["index"], 9);
    assert_eq!(lines[2]["key"], runs[9]["key"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_shard_is_named_with_the_command_that_reruns_it() {
    let dir = setup("missing");
    sweep(&dir, &["--out", "full"]);
    shards(&dir, 3, &[1, 3], "sh");
    let o = merge(&dir, &["sh", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(1), "runs missing: exit 1");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    // Shard 2/3 holds runs 1, 4, 7 and 10.
    assert!(err.contains("4 run(s) missing"), "{err}");
    for j in [1, 4, 7, 10] {
        assert!(
            err.contains(&format!("  run {j}: ")),
            "run {j} named: {err}"
        );
    }
    assert!(!dir.join("merged/shard-sweep/sweep.json").exists());
    // A partial report on request, marked so in all three files.
    let o = merge(&dir, &["sh", "--out", "partial", "--allow-partial"]);
    ok(o, "merge --allow-partial");
    let json = std::fs::read_to_string(dir.join("partial/shard-sweep/sweep.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["partial"]["missing_runs"],
        serde_json::json!([1, 4, 7, 10])
    );
    assert_eq!(v["partial"]["runs_present"], 8);
    for f in ["sweep.md", "sweep.html"] {
        let t = std::fs::read_to_string(dir.join("partial/shard-sweep").join(f)).unwrap();
        assert!(
            t.contains("Partial sweep: 8 of 12 runs"),
            "{f} marked partial"
        );
    }
    // The complete report never says so.
    let full = std::fs::read_to_string(dir.join("full/shard-sweep/sweep.json")).unwrap();
    assert!(!full.contains("\"partial\""));
    // The printed command makes just the missing runs; then the merge is whole.
    let rerun = err
        .lines()
        .skip_while(|l| !l.starts_with("make them with:"))
        .nth(1)
        .expect("a rerun command")
        .trim()
        .to_string();
    assert!(
        rerun.starts_with("ktopo sweep sweep.toml --runs-only 1,4,7,10 --out sh"),
        "{rerun}"
    );
    assert!(
        rerun.contains("--seeds 2") && rerun.contains("--param 'link[dc1-dc2].rtt_ms=2,10,40'"),
        "the command keeps the arguments that change the runs: {rerun}"
    );
    let words = shell_words(&rerun);
    ok(
        ktopo(&dir)
            .args(&words[1..])
            .output()
            .expect("run the rerun command"),
        "the rerun command",
    );
    ok(
        merge(&dir, &["sh", "--out", "merged"]),
        "merge after the rerun",
    );
    same_report(&dir, "full", "merged", "after the rerun");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_duplicated_shard_is_harmless_and_a_differing_copy_is_refused() {
    let dir = setup("dup");
    sweep(&dir, &["--out", "full"]);
    shards(&dir, 2, &[], "sh");
    // A retried job wrote shard 2 again, into another folder.
    let names = jsonl_files(&dir.join("sh"));
    std::fs::create_dir_all(dir.join("retry")).unwrap();
    let copy = dir.join("retry").join(&names[1]);
    std::fs::copy(dir.join("sh").join(&names[1]), &copy).unwrap();
    let o = ok(merge(&dir, &["sh", "retry", "--out", "merged"]), "merge");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("6 duplicate run(s) dropped"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    same_report(&dir, "full", "merged", "with a duplicated shard");
    // The same runs with another result: not deterministic, refused (exit 2),
    // naming both files.
    let text = std::fs::read_to_string(&copy).unwrap();
    let changed = text.replacen("\"events\":", "\"events\":1", 1);
    assert_ne!(changed, text);
    std::fs::write(&copy, changed).unwrap();
    let o = merge(&dir, &["sh", "retry", "--out", "merged2"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not deterministic") && err.contains(&names[1]) && err.contains("retry"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_of_different_scenarios_are_refused() {
    let dir = setup("mixed");
    shards(&dir, 2, &[1], "sh");
    // `--seed 4` on a file with `seed = 4` is the same sweep: it merges.
    shards(&dir, 2, &[1], "same");
    ok(
        ktopo(&dir)
            .arg("sweep")
            .arg("sweep.toml")
            .args(ARGS)
            .args(["--shard", "2/2", "--seed", "4", "--out", "same"])
            .output()
            .unwrap(),
        "shard with the file's seed",
    );
    ok(
        merge(&dir, &["same", "--out", "same-merged"]),
        "merge of one sweep",
    );
    // Shard 2 of the same file with another seed: another sweep.
    ok(
        ktopo(&dir)
            .arg("sweep")
            .arg("sweep.toml")
            .args(ARGS)
            .args(["--shard", "2/2", "--seed", "9", "--out", "sh"])
            .output()
            .unwrap(),
        "shard with another seed",
    );
    // And one of an edited scenario file.
    std::fs::write(
        dir.join("other.toml"),
        SCENARIO.replace("rate_mb_s = 1", "rate_mb_s = 2"),
    )
    .unwrap();
    ok(
        ktopo(&dir)
            .arg("sweep")
            .arg("other.toml")
            .args(ARGS)
            .args(["--shard", "2/2", "--out", "sh"])
            .output()
            .unwrap(),
        "shard of an edited file",
    );
    let names = jsonl_files(&dir.join("sh"));
    assert_eq!(
        names.len(),
        3,
        "three names, no file overwritten: {names:?}"
    );
    let o = merge(&dir, &["sh", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not of one run"), "{err}");
    for n in &names {
        assert!(err.contains(n.as_str()), "{n} named: {err}");
    }
    assert!(!dir.join("merged").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_shard_leaves_no_shard_file() {
    // A shard writes its header to a hidden temporary file before its runs
    // and renames it to its name only after the last run, an fsync later
    // (shard::AtomicFile). Kill one in the middle (its runs made long: an hour
    // simulated) and only the temporary file is left, which merge ignores.
    // (shard.rs's unit test drops an uncommitted file: no file at all.)
    let dir = setup("killed");
    let mut child = ktopo(&dir)
        .arg("sweep")
        .arg("sweep.toml")
        .args(ARGS)
        .args([
            "--param",
            "duration_s=3600",
            "--shard",
            "1/2",
            "--out",
            "sh",
        ])
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let sh = dir.join("sh");
    let started = std::time::Instant::now();
    while !jsonl_files(&sh).iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            started.elapsed().as_secs() < 60,
            "the shard never began its file"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the shard must still be running when killed"
    );
    child.kill().expect("kill");
    let _ = child.wait();
    let left = jsonl_files(&sh);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with('.') && left[0].ends_with(".tmp"),
        "only the hidden temporary file: {left:?}"
    );
    let o = merge(&dir, &["sh", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no shard file"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Environment variables to set: (name, value).
type Vars = &'static [(&'static str, &'static str)];

#[test]
fn shard_from_env_reads_each_scheduler() {
    let dir = setup("env");
    shards(&dir, 3, &[2], "direct");
    let expected_name = jsonl_files(&dir.join("direct")).remove(0);
    let expected = std::fs::read(dir.join("direct").join(&expected_name)).unwrap();
    assert!(expected_name.ends_with(".shard-0002-of-0003.jsonl"));
    // Each scheduler's way of saying "the second of three".
    let cases: [(&str, Vars, &[&str]); 4] = [
        (
            "kubernetes",
            &[("JOB_COMPLETION_INDEX", "1")],
            &["--shard-count", "3"],
        ),
        (
            "slurm-1-3",
            &[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            &[],
        ),
        (
            "slurm-0-2",
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            &[],
        ),
        (
            "aws",
            &[("AWS_BATCH_JOB_ARRAY_INDEX", "1")],
            &["--shard-count", "3"],
        ),
    ];
    for (name, vars, extra) in cases {
        let mut c = ktopo(&dir);
        c.arg("sweep")
            .arg("sweep.toml")
            .args(ARGS)
            .args(["--shard-from-env", "--out", name])
            .args(extra);
        for (k, v) in vars {
            c.env(k, v);
        }
        ok(c.output().unwrap(), name);
        let got = jsonl_files(&dir.join(name));
        assert_eq!(got, std::slice::from_ref(&expected_name), "{name}");
        let bytes = std::fs::read(dir.join(name).join(&got[0])).unwrap();
        assert!(bytes == expected, "{name}: not the bytes of --shard 2/3");
    }
    // What is missing is named.
    let fails: [(Vars, &[&str], &str); 3] = [
        (&[], &["--shard-count", "3"], "JOB_COMPLETION_INDEX"),
        (&[("JOB_COMPLETION_INDEX", "1")], &[], "--shard-count"),
        (
            &[("SLURM_ARRAY_TASK_ID", "1")],
            &[],
            "SLURM_ARRAY_TASK_COUNT",
        ),
    ];
    for (vars, extra, needle) in fails {
        let mut c = ktopo(&dir);
        c.arg("sweep")
            .arg("sweep.toml")
            .args(["--shard-from-env", "--out", "none"])
            .args(extra);
        for (k, v) in vars {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{needle}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!dir.join("none").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn odd_shard_files_are_errors_with_file_and_line_never_panics() {
    let dir = setup("odd");
    shards(&dir, 2, &[], "sh");
    let names = jsonl_files(&dir.join("sh"));
    let good = std::fs::read_to_string(dir.join("sh").join(&names[0])).unwrap();
    let header = good.lines().next().unwrap().to_string();
    let cut_at = format!(":{}: not a run line", good.lines().count());
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), ":1: empty"),
        (
            "garbage",
            "not json at all\n".into(),
            ":1: not a ktopo shard header",
        ),
        (
            "future",
            format!(
                "{}\n",
                header.replacen("\"ktopo_shard\":1", "\"ktopo_shard\":2", 1)
            ),
            ":1: shard file format 2",
        ),
        // A hand-cut file: its last line broken off.
        ("cut", good[..good.len() - 20].to_string(), &cut_at),
        (
            "foreign",
            good.replacen("\"index\":0,", "\"index\":1,", 1),
            ":2: run 1 is",
        ),
        (
            "past",
            good.replacen("\"index\":0,", "\"index\":99,", 1),
            "past the manifest's last run (11)",
        ),
        (
            "kind",
            format!(
                "{}\n",
                header.replacen("\"kind\":\"sweep\"", "\"kind\":\"size-link\"", 1)
            ),
            "shards of `size-link`",
        ),
        (
            "relabelled",
            format!(
                "{}\n",
                header.replacen("\"kind\":\"sweep\"", "\"kind\":\"plan\"", 1)
            ),
            "the header's source is not a plan's",
        ),
    ];
    for (name, text, needle) in cases {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("x.jsonl"), &text).unwrap();
        let o = merge(&dir, &[name, "--out", "merged"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(needle), "{name}: `{needle}` not in: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    assert!(!dir.join("merged").exists());
    // Nonsense arguments are refused before anything runs.
    for bad in [
        &["--shard", "0/3"][..],
        &["--shard", "4/3"],
        &["--shard", "1/0"],
        &["--runs-only", "1,x"],
        &["--runs-only", "12"],
        &["--shard", "1/2", "--runs-only", "1"],
    ] {
        let o = ktopo(&dir)
            .args(["sweep", "sweep.toml", "--out", "never"])
            .args(ARGS)
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    assert!(!dir.join("never").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The ```yaml blocks of a Markdown text, each parsed into its documents.
fn yaml_blocks(md: &str) -> Vec<Vec<serde_norway::Value>> {
    use serde::Deserialize;
    md.split("```yaml\n")
        .skip(1)
        .map(|b| {
            let body = &b[..b.find("```").expect("closed block")];
            serde_norway::Deserializer::from_str(body)
                .map(|d| serde_norway::Value::deserialize(d).expect("valid YAML"))
                .collect()
        })
        .collect()
}

#[test]
fn the_kubernetes_recipe_of_scale_out_md_makes_the_unsharded_report() {
    // docs/scale-out.md's Indexed Job, run as Kubernetes would run it: its
    // container's command once per JOB_COMPLETION_INDEX 0..completions, with
    // the ConfigMap's file and the volume mapped to folders here; then the
    // merge Job's command. The report is the bytes of the unsharded
    // `ktopo sweep scenarios/sweep-rtt.toml` (as in the gallery; its replay
    // line names the file, so /scenarios/sweep-rtt.toml maps to that path).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(root.join("docs/scale-out.md")).unwrap();
    let blocks = yaml_blocks(&md);
    assert_eq!(blocks.len(), 2, "the Job and the merge Job");
    let job = blocks[0]
        .iter()
        .find(|d| d["kind"] == "Job")
        .expect("an Indexed Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let n = job["spec"]["completions"].as_u64().expect("completions") as usize;
    assert_eq!(n, 4);
    assert_eq!(job["spec"]["parallelism"].as_u64(), Some(4));
    let words = |cmd: &serde_norway::Value| -> Vec<String> {
        cmd.as_sequence()
            .expect("a command list")
            .iter()
            .map(|w| {
                w.as_str()
                    .expect("a word")
                    .replace("/scenarios/", "scenarios/")
                    .replace("/shards/", &format!("{}/", out_dir().display()))
            })
            .collect()
    };
    fn out_dir() -> PathBuf {
        std::env::temp_dir().join(format!("ktopo-shard-k8s-{}", std::process::id()))
    }
    let _ = std::fs::remove_dir_all(out_dir());
    let shard_cmd = words(&job["spec"]["template"]["spec"]["containers"][0]["command"]);
    assert_eq!(shard_cmd[0], "ktopo");
    let children: Vec<_> = (0..n)
        .map(|i| {
            ktopo(&root)
                .args(&shard_cmd[1..])
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        ok(c.wait_with_output().unwrap(), "a pod of the Indexed Job");
    }
    let merge_job = &blocks[1][0];
    let merge_cmd = words(&merge_job["spec"]["template"]["spec"]["containers"][0]["command"]);
    assert_eq!(merge_cmd[..2], ["ktopo", "merge"]);
    ok(
        ktopo(&root).args(&merge_cmd[1..]).output().unwrap(),
        "the merge Job",
    );
    ok(
        ktopo(&root)
            .args(["sweep", "scenarios/sweep-rtt.toml", "-q", "--out"])
            .arg(out_dir().join("full"))
            .output()
            .unwrap(),
        "the unsharded sweep",
    );
    for f in FILES {
        let want = std::fs::read(out_dir().join("full/sweep-rtt").join(f)).unwrap();
        let got = std::fs::read(out_dir().join("reports/sweep-rtt").join(f))
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(want == got, "{f} differs from the unsharded sweep's");
    }
    let _ = std::fs::remove_dir_all(out_dir());
}

// ---------------------------------------------------------------------------
// `plan` and `--runs N` shard the same way (issue 15): a plan's runs are its
// (simulated candidate, case[, draw]) simulations, a Monte Carlo's its
// (draw, design) simulations.

/// Two sites, no third location: the stretched candidate is pruned (static),
/// two asynchronous ones (MirrorMaker 2 and Cluster Linking, active-passive)
/// run the peak, each site loss and the link cut: 8 runs, 16 with `--runs 2`.
/// The round trip is a range, so draws differ; a short fault keeps each run
/// brief. RTO and RPO objectives the async designs meet: one is recommended
/// and its link is sized (in `ktopo merge` for a sharded plan).
const PLAN: &str = r#"
name = "shard-plan"
seed = 3

[[site]]
name = "east"
brokers = 3

[[site]]
name = "west"
brokers = 3

[[link]]
between = ["east", "west"]
rtt_ms = { low = 8, mid = 10, high = 15 }
bandwidth_mbps = 2000

[[topic]]
name = "orders"
partitions = 3

[[producer]]
site = "east"
topic = "orders"
rate_mb_s = 1

[[consumer]]
site = "west"
topic = "orders"

[objectives]
rto_s = 600
rpo_s = 30

[plan]
tools = ["mirrormaker2", "cluster-linking"]
topologies = ["active-passive"]
fault_at_s = 2
outage_s = 2
recovery_s = 4
"#;

const PLAN_FILES: [&str; 3] = ["plan.json", "plan.md", "plan.html"];

/// A fresh folder holding [`PLAN`] as `plan.toml` and, for `simulate --runs`,
/// [`SCENARIO`] without its sweep and with the dc1–dc2 round trip a range as
/// `draws.toml`.
fn setup_plan(name: &str) -> PathBuf {
    let d = setup(name);
    std::fs::write(d.join("plan.toml"), PLAN).expect("write plan");
    let draws = SCENARIO
        .split("[[sweep.parameter]]")
        .next()
        .unwrap_or(SCENARIO)
        .replace(
            "between = [\"dc1\", \"dc2\"]\nrtt_ms = 10.0",
            "between = [\"dc1\", \"dc2\"]\nrtt_ms = { low = 2, mid = 5, high = 15 }",
        );
    assert!(draws.contains("low = 2"), "the range replaced the rtt");
    std::fs::write(d.join("draws.toml"), draws).expect("write draws");
    d
}

/// `ktopo CMD FILE ARGS… --jobs 1 -q`, run to completion (exit 0).
fn run_ok(dir: &Path, cmd: &[&str], args: &[&str]) -> Output {
    let o = ktopo(dir)
        .args(cmd)
        .args(args)
        .args(["--jobs", "1", "--quiet"])
        .output()
        .expect("run ktopo");
    ok(o, &format!("ktopo {cmd:?} {args:?}"))
}

/// Shards 1..=n of `cmd` (those in `only`, if given) as n processes at
/// once, into `out`.
fn cmd_shards(dir: &Path, cmd: &[&str], n: usize, only: &[usize], out: &str) {
    let children: Vec<_> = (1..=n)
        .filter(|k| only.is_empty() || only.contains(k))
        .map(|k| {
            ktopo(dir)
                .args(cmd)
                .args(["--jobs", "1", "--quiet", "--shard", &format!("{k}/{n}")])
                .args(["--out", out])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn ktopo")
        })
        .collect();
    for c in children {
        ok(c.wait_with_output().expect("wait"), "a shard");
    }
}

/// The files `names` of report folder `folder` under `out` are the bytes of
/// those under `full`.
fn same_files(dir: &Path, folder: &str, names: &[&str], full: &str, out: &str, what: &str) {
    for f in names {
        let a = std::fs::read(dir.join(full).join(folder).join(f)).expect("unsharded");
        let b = std::fs::read(dir.join(out).join(folder).join(f))
            .unwrap_or_else(|e| panic!("{what}: {f} not written: {e}"));
        assert!(a == b, "{what}: {f} differs from the unsharded run's");
    }
}

/// The manifest `ktopo … --list --json` prints.
fn manifest_of(dir: &Path, cmd: &[&str]) -> Vec<serde_json::Value> {
    let o = run_ok(dir, cmd, &["--list", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("manifest JSON");
    doc["runs"].as_array().expect("runs").clone()
}

#[test]
fn plan_shards_merge_to_the_bytes_of_the_unsharded_plan() {
    let dir = setup_plan("plan-n");
    let plan = ["plan", "plan.toml"];
    let drawn = ["plan", "plan.toml", "--runs", "2"];
    // The manifest: 2 simulated candidates × 4 cases; with --runs 2, × 2
    // draws. Without draws every run has the file's seed; with them, a draw's
    // seed is the same for every candidate and case (common random numbers)
    // and does not depend on N: draw 1 of --runs 2 is draw 1 of --runs 3.
    let m = manifest_of(&dir, &plan);
    assert_eq!(m.len(), 8);
    assert!(m.iter().all(|r| r["seed"] == 3), "{m:?}");
    assert_eq!(
        m[0]["key"],
        "candidate async mirrormaker2 active-passive; case peak"
    );
    let m2 = manifest_of(&dir, &drawn);
    assert_eq!(m2.len(), 16);
    let m3 = manifest_of(&dir, &["plan", "plan.toml", "--runs", "3"]);
    assert_eq!(m3.len(), 24);
    let seed_of = |m: &[serde_json::Value], key: &str| {
        m.iter()
            .find(|r| r["key"] == key)
            .map(|r| r["seed"].clone())
            .unwrap_or_else(|| panic!("no run {key}"))
    };
    let k1 = "candidate async cluster-linking active-passive; case cut east–west; draw 1";
    assert_eq!(seed_of(&m2, k1), seed_of(&m3, k1));
    assert_eq!(
        seed_of(&m2, k1),
        seed_of(
            &m2,
            "candidate async mirrormaker2 active-passive; case peak; draw 1"
        )
    );
    assert_ne!(
        seed_of(&m2, k1),
        seed_of(
            &m2,
            "candidate async mirrormaker2 active-passive; case peak; draw 0"
        )
    );
    for (what, cmd) in [("plan", &plan[..]), ("plan --runs 2", &drawn[..])] {
        run_ok(&dir, cmd, &["--out", "full"]);
        let json = std::fs::read_to_string(dir.join("full/shard-plan/plan.json")).expect("plan");
        assert!(json.contains("\"recommended\": \"async"), "{what}: {json}");
        assert!(
            json.contains("\"link_sizing\""),
            "{what}: sized in the plan"
        );
        for n in [1, 2, 3] {
            let out = format!("shards-{n}");
            cmd_shards(&dir, cmd, n, &[], &out);
            assert_eq!(
                jsonl_files(&dir.join(&out)).len(),
                n,
                "{what}: one file per shard"
            );
            let o = merge(&dir, &[&out, "--out", &format!("merged-{n}")]);
            ok(o, &format!("{what}: merge of {n} shards"));
            same_files(
                &dir,
                "shard-plan",
                &PLAN_FILES,
                "full",
                &format!("merged-{n}"),
                &format!("{what}, {n} shard(s)"),
            );
            let _ = std::fs::remove_dir_all(dir.join(&out));
            let _ = std::fs::remove_dir_all(dir.join(format!("merged-{n}")));
        }
        let _ = std::fs::remove_dir_all(dir.join("full"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_plan_shard_is_named_with_the_command_that_reruns_it() {
    let dir = setup_plan("plan-missing");
    let plan = ["plan", "plan.toml"];
    run_ok(&dir, &plan, &["--out", "full"]);
    // Shard 2 of 3 never ran: runs 1, 4 and 7.
    cmd_shards(&dir, &plan, 3, &[1, 3], "shards");
    let o = merge(&dir, &["shards", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("3 run(s) missing"), "{err}");
    for key in [
        "run 1: candidate async mirrormaker2 active-passive; case lose east",
        "run 4: candidate async cluster-linking active-passive; case peak",
        "run 7: candidate async cluster-linking active-passive; case cut east–west",
    ] {
        assert!(err.contains(key), "{key}: {err}");
    }
    assert!(!dir.join("merged/shard-plan/plan.json").exists());
    let line = err
        .lines()
        .find(|l| l.trim_start().starts_with("ktopo plan"))
        .unwrap_or_else(|| panic!("no rerun command: {err}"));
    let words = shell_words(line.trim());
    assert_eq!(
        words,
        [
            "ktopo",
            "plan",
            "plan.toml",
            "--runs-only",
            "1,4,7",
            "--out",
            "shards"
        ]
    );
    // --allow-partial: written, marked partial, the two candidates unranked.
    let o = merge(&dir, &["shards", "--out", "partial", "--allow-partial"]);
    ok(o, "merge --allow-partial");
    let md = std::fs::read_to_string(dir.join("partial/shard-plan/plan.md")).expect("md");
    assert!(
        md.contains(
            "Partial plan (runs missing from the shards merged): 5 of 8 runs present; runs 1, 4, 7 are missing"
        ),
        "{md}"
    );
    let json = std::fs::read_to_string(dir.join("partial/shard-plan/plan.json")).expect("json");
    assert!(json.contains("\"missing_runs\""), "{json}");
    // The rerun command, then merge: the unsharded plan's bytes.
    let o = ktopo(&dir)
        .args(&words[1..])
        .args(["--quiet", "--jobs", "1"])
        .output()
        .expect("rerun");
    ok(o, "the rerun command");
    ok(merge(&dir, &["shards", "--out", "merged"]), "merge again");
    same_files(
        &dir,
        "shard-plan",
        &PLAN_FILES,
        "full",
        "merged",
        "after the rerun",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plan_and_sweep_shards_are_not_merged_together() {
    let dir = setup_plan("plan-mix");
    cmd_shards(&dir, &["plan", "plan.toml"], 2, &[1], "mixed");
    shards(&dir, 6, &[1], "mixed");
    let files = jsonl_files(&dir.join("mixed"));
    assert_eq!(files.len(), 2, "{files:?}");
    let o = merge(&dir, &["mixed"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("differ in command"), "{err}");
    assert!(err.contains("plan of scenario `shard-plan`"), "{err}");
    assert!(err.contains("sweep of scenario `shard-sweep`"), "{err}");
    for f in &files {
        assert!(err.contains(f.as_str()), "{f}: {err}");
    }
    // Two plans of one file with different --runs are two runs too.
    cmd_shards(&dir, &["plan", "plan.toml", "--runs", "2"], 2, &[1], "runs");
    cmd_shards(&dir, &["plan", "plan.toml"], 2, &[2], "runs");
    let o = merge(&dir, &["runs"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not of one run"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn simulate_runs_shards_merge_to_the_bytes_of_the_unsharded_monte_carlo() {
    let dir = setup_plan("draws");
    let mc = ["simulate", "draws.toml", "--runs", "3"];
    // 3 draws × 2 designs; draw d's seed is the same for both designs and
    // for any N (montecarlo::run_seed(seed, d)).
    let m = manifest_of(&dir, &mc);
    assert_eq!(m.len(), 6);
    assert_eq!(m[0]["key"], "draw 0; design stretched");
    assert_eq!(m[1]["key"], "draw 0; design mm2");
    assert_eq!(m[0]["seed"], m[1]["seed"]);
    assert_ne!(m[0]["seed"], m[2]["seed"]);
    let m5 = manifest_of(&dir, &["simulate", "draws.toml", "--runs", "5"]);
    assert_eq!(m5[2]["seed"], m[2]["seed"]);
    run_ok(&dir, &mc, &["--out", "full"]);
    let files = ["montecarlo.json", "montecarlo.md", "montecarlo.html"];
    for n in [1, 2, 3] {
        let out = format!("shards-{n}");
        cmd_shards(&dir, &mc, n, &[], &out);
        ok(
            merge(&dir, &[&out, "--out", &format!("merged-{n}")]),
            &format!("merge of {n} Monte Carlo shards"),
        );
        same_files(
            &dir,
            "shard-sweep",
            &files,
            "full",
            &format!("merged-{n}"),
            &format!("simulate --runs 3, {n} shard(s)"),
        );
    }
    // A missing run is named with the command that makes it.
    let _ = std::fs::remove_dir_all(dir.join("shards-3"));
    cmd_shards(&dir, &mc, 3, &[1, 2], "shards-3");
    let o = merge(&dir, &["shards-3", "--out", "m"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ktopo simulate draws.toml --runs 3 --runs-only 2,5 --out shards-3"),
        "{err}"
    );
    // One run has nothing to shard; size-link's bisection is sequential.
    let o = ktopo(&dir)
        .args(["simulate", "draws.toml", "--shard", "1/2"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--runs N"));
    let o = ktopo(&dir)
        .args(["size-link", "draws.toml", "--shard", "1/2"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sequential"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// [`SCENARIO`] with the dc1–dc2 round trip a range and the producer's rate
/// swept (the round trip itself is drawn), as `mc.toml`: `sweep --runs 3`
/// is 2 variants × 3 draws × 2 designs = 12 runs.
fn setup_mc(name: &str) -> PathBuf {
    let d = setup(name);
    let text = SCENARIO
        .replace(
            "between = [\"dc1\", \"dc2\"]\nrtt_ms = 10.0",
            "between = [\"dc1\", \"dc2\"]\nrtt_ms = { low = 2, mid = 5, high = 15 }",
        )
        .replace(
            "key = \"link[dc1-dc2].rtt_ms\"\nvalues = [2, 10]",
            "key = \"producer[0].rate_mb_s\"\nvalues = [1, 2]",
        );
    assert!(text.contains("low = 2") && text.contains("values = [1, 2]"));
    std::fs::write(d.join("mc.toml"), text).expect("write mc.toml");
    d
}

const MC: [&str; 4] = ["sweep", "mc.toml", "--runs", "3"];

/// `sweep --runs N` sharded (issues 14 and 15): the manifest has one run per
/// (variant, draw, design), draw k seeded as `simulate --runs` draw k and the
/// same for every variant and design and for any N; 1, 2, 3 and 7 shards as
/// separate processes merge to the bytes of the unsharded `sweep --runs`, as
/// does `simulate --runs` of the file; `--jobs 1` and `--jobs 2` write the
/// same bytes.
#[test]
fn sweep_runs_shards_merge_to_the_bytes_of_the_unsharded_sweep() {
    let dir = setup_mc("mc-n");
    let m = manifest_of(&dir, &MC);
    assert_eq!(m.len(), 12);
    for (j, r) in m.iter().enumerate() {
        // Index j = (variant × 3 + draw) × 2 + design.
        let (k, design) = ((j / 2) % 3, ["stretched", "mm2"][j % 2]);
        assert_eq!(r["index"], j);
        assert_eq!(r["seed"], ktopo::montecarlo::run_seed(4, k), "run {j}");
        assert_eq!(r["parameters"]["draw"], k);
        let key = r["key"].as_str().unwrap();
        assert!(
            key.ends_with(&format!("; design {design}; draw {k}")),
            "{key}"
        );
    }
    assert_eq!(m[6]["parameters"]["producer[0].rate_mb_s"], 2);
    // Draw 2's seed does not depend on N.
    let m5 = manifest_of(&dir, &["sweep", "mc.toml", "--runs", "5"]);
    assert_eq!(m5[4]["seed"], m[4]["seed"]);
    run_ok(&dir, &MC, &["--out", "full"]);
    let o = ktopo(&dir)
        .args(MC)
        .args(["--jobs", "2", "--quiet", "--out", "jobs2"])
        .output()
        .expect("run ktopo");
    ok(o, "sweep --runs 3 --jobs 2");
    same_report(&dir, "full", "jobs2", "--jobs 2");
    let json = std::fs::read_to_string(dir.join("full/shard-sweep/sweep.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["monte_carlo"]["draws"], 3);
    let f = &v["variants"][0]["designs"][0]["outputs"]["produce_p99_ms[dc1,acks=all]"];
    for k in ["mean", "p50", "p95", "p99", "ci95"] {
        assert!(!f[k].is_null(), "{k} in {f}");
    }
    for n in [1, 2, 3, 7] {
        let sh = format!("shards-{n}");
        cmd_shards(&dir, &MC, n, &[], &sh);
        assert_eq!(jsonl_files(&dir.join(&sh)).len(), n);
        let out = format!("merged-{n}");
        ok(merge(&dir, &[&sh, "--out", &out]), "ktopo merge");
        same_report(&dir, "full", &out, &format!("sweep --runs 3, {n} shards"));
    }
    // `simulate --runs 3` of a file with a sweep is its `sweep --runs 3`.
    run_ok(
        &dir,
        &["simulate", "mc.toml", "--runs", "3"],
        &["--out", "sim"],
    );
    same_report(&dir, "full", "sim", "simulate --runs 3");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A missing shard of `sweep --runs` is named with the command that makes
/// just its runs (keeping `--runs`); a duplicated shard is harmless; shards
/// of `--runs 4` and `--runs 5` are refused together, naming the files.
#[test]
fn sweep_runs_shards_missing_duplicated_and_mixed() {
    let dir = setup_mc("mc-missing");
    run_ok(&dir, &MC, &["--out", "full"]);
    cmd_shards(&dir, &MC, 3, &[1, 3], "sh");
    let o = merge(&dir, &["sh", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(1), "runs missing: exit 1");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    // Shard 2/3 holds runs 1, 4, 7 and 10.
    assert!(err.contains("4 run(s) missing"), "{err}");
    for j in [1, 4, 7, 10] {
        assert!(err.contains(&format!("  run {j}: ")), "run {j}: {err}");
    }
    assert!(err.contains("; design mm2; draw 0"), "keys named: {err}");
    let rerun = err
        .lines()
        .skip_while(|l| !l.starts_with("make them with:"))
        .nth(1)
        .expect("a rerun command")
        .trim()
        .to_string();
    assert_eq!(
        rerun, "ktopo sweep mc.toml --runs-only 1,4,7,10 --out sh --runs 3",
        "{err}"
    );
    // Partial on request, marked so.
    ok(
        merge(&dir, &["sh", "--out", "partial", "--allow-partial"]),
        "merge --allow-partial",
    );
    let md = std::fs::read_to_string(dir.join("partial/shard-sweep/sweep.md")).unwrap();
    assert!(md.contains("Partial sweep: 8 of 12 runs"), "{md}");
    // The rerun command, then a retried copy of shard 1: the same bytes.
    let words = shell_words(&rerun);
    ok(
        ktopo(&dir).args(&words[1..]).output().expect("rerun"),
        "the rerun command",
    );
    let first = jsonl_files(&dir.join("sh"))[0].clone();
    std::fs::create_dir_all(dir.join("retry")).unwrap();
    std::fs::copy(dir.join("sh").join(&first), dir.join("retry").join(&first)).unwrap();
    let o = ok(merge(&dir, &["sh", "retry", "--out", "merged"]), "merge");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("duplicate run(s) dropped"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    same_report(&dir, "full", "merged", "after the rerun, with a duplicate");
    // A shard of --runs 4 and one of --runs 5: two runs, refused (exit 2).
    cmd_shards(&dir, &["sweep", "mc.toml", "--runs", "4"], 2, &[1], "mixed");
    cmd_shards(&dir, &["sweep", "mc.toml", "--runs", "5"], 2, &[2], "mixed");
    let names = jsonl_files(&dir.join("mixed"));
    assert_eq!(names.len(), 2, "{names:?}");
    let o = merge(&dir, &["mixed", "--out", "mixed-merged"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not of one run") && err.contains("--runs"),
        "{err}"
    );
    for n in &names {
        assert!(err.contains(n.as_str()), "{n} named: {err}");
    }
    assert!(!dir.join("mixed-merged").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

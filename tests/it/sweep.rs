//! Parameter sweeps (`ktopo sweep`, `[sweep]`), pinned at scenario level:
//! what a sweep over the round trip shows for a stretched cluster and for an
//! asynchronous copy, that the output does not depend on the number of threads,
//! the diagnostics of bad keys and of values that make a variant invalid, and
//! that names from the scenario are escaped in `sweep.html`.

use ktopo::scenario::{
    Diagnostic, SweepArgs, SweepPlan, SweepValue, parse_param_arg, parse_str, sweep_str,
};
use ktopo::sweep::Sweep;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

fn show(d: &[Diagnostic]) -> String {
    d.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn plan(text: &str, params: &[&str]) -> SweepPlan {
    let args = SweepArgs {
        params: params
            .iter()
            .map(|p| parse_param_arg(p).expect("--param parses"))
            .collect(),
        ..SweepArgs::default()
    };
    match sweep_str(text, "sweep.toml", &args) {
        Ok(p) => p,
        Err(d) => panic!("invalid sweep:\n{}", show(&d)),
    }
}

fn problems(text: &str, params: &[&str]) -> Vec<Diagnostic> {
    let args = SweepArgs {
        params: params
            .iter()
            .map(|p| parse_param_arg(p).expect("--param parses"))
            .collect(),
        ..SweepArgs::default()
    };
    match sweep_str(text, "sweep.toml", &args) {
        Ok(p) => panic!("expected problems, got {} variants", p.variants.len()),
        Err(d) => d,
    }
}

fn run(p: &SweepPlan, jobs: usize) -> Sweep {
    ktopo::sweep::run(p, jobs, &mut |_, _| {}).expect("sweep runs")
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"))
}

/// Two sites with two brokers each and a tie-breaker controller; a stretched
/// design (RF 2, one replica per site) and MM2 active-passive dc1 → dc2. No
/// fault, so the p99 is the steady state's.
const TWO_DESIGNS: &str = r#"
name = "rtt-sweep"
seed = 4
duration_s = 8

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
values = [2, 10, 40]
"#;

#[test]
fn rtt_sweep_raises_stretched_p99_but_not_the_local_async_p99() {
    let p = plan(TWO_DESIGNS, &[]);
    assert_eq!(p.variants.len(), 3);
    assert_eq!(p.runs(), 6);
    let s = run(&p, 2);
    assert_eq!(s.designs[0].design, "stretched");
    assert_eq!(s.designs[1].design, "mm2");
    let id = "produce_p99_ms[dc1,acks=all]";
    let series = |d: usize| -> Vec<f64> {
        (0..3)
            .map(|v| s.value(v, d, id).expect("a p99 at every point"))
            .collect()
    };
    let stretched = series(0);
    let local = series(1);
    // acks=all waits for the follower across the link: the p99 grows with the
    // RTT, by at least most of the RTT added.
    assert!(
        stretched.windows(2).all(|w| w[1] > w[0]),
        "stretched p99 {stretched:?} does not grow with the RTT"
    );
    assert!(
        stretched[2] - stretched[0] >= 0.8 * (40.0 - 2.0),
        "stretched p99 {stretched:?} grew by less than the RTT added"
    );
    // The async design's producer waits only for its local cluster.
    let spread = local.iter().copied().fold(f64::MIN, f64::max)
        - local.iter().copied().fold(f64::MAX, f64::min);
    assert!(
        spread < 1.0 && local.iter().all(|&x| x < 5.0),
        "async local p99 {local:?} moves with the RTT"
    );
    // The copy lag does grow with the RTT; the stretched design has none.
    let lag: Vec<f64> = (0..3)
        .map(|v| s.value(v, 1, "replication_lag_p99_ms").expect("async lag"))
        .collect();
    assert!(lag[2] > lag[0], "replication lag {lag:?}");
    assert_eq!(s.value(0, 0, "replication_lag_p99_ms"), None);
    // The assumptions name the model's simplifications that matter here.
    assert!(!s.simplifications.is_empty(), "no simplification listed");
    // The summary says so, from the data.
    let text = s.summary.join(" ");
    assert!(
        text.contains("stretched: produce p99 at dc1 (acks=all) goes from"),
        "{text}"
    );
    assert!(
        text.contains("mm2: produce p99 at dc1 (acks=all) stays"),
        "{text}"
    );
}

/// `[objectives]` are judged in every variant: a p99 bound the stretched design
/// meets at 2 ms of RTT and misses at 40 ms, while the async design meets it
/// throughout; without objectives there is no such output.
#[test]
fn objectives_are_judged_in_every_variant() {
    assert!(
        run(&plan(TWO_DESIGNS, &[]), 2)
            .value(0, 0, "objectives_missed")
            .is_none()
    );
    let text = format!("{TWO_DESIGNS}\n[objectives]\nproduce_p99_ms = 30\n");
    let s = run(&plan(&text, &[]), 2);
    let missed = |d: usize| -> Vec<f64> {
        (0..3)
            .map(|v| s.value(v, d, "objectives_missed").expect("judged"))
            .collect()
    };
    assert_eq!(missed(0), [0.0, 0.0, 1.0], "stretched");
    assert_eq!(missed(1), [0.0, 0.0, 0.0], "mm2");
}

#[test]
fn output_is_the_same_bytes_whatever_the_number_of_threads() {
    // The bundled sweep through the binary, one thread against two.
    let out1 = tmp("jobs1");
    let out2 = tmp("jobs2");
    let go = |jobs: &str, out: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_ktopo"))
            .current_dir(root())
            .args([
                "sweep",
                "scenarios/sweep-rtt.toml",
                "--json",
                "--jobs",
                jobs,
            ])
            .arg("--out")
            .arg(out)
            .output()
            .expect("run ktopo");
        assert!(
            o.status.success(),
            "ktopo sweep --jobs {jobs} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    let a = go("1", &out1);
    let b = go("2", &out2);
    assert!(!a.is_empty());
    assert!(a == b, "sweep.json differs between --jobs 1 and --jobs 2");
    for f in ["sweep.json", "sweep.md", "sweep.html"] {
        let x = std::fs::read(out1.join("sweep-rtt").join(f)).expect("written");
        let y = std::fs::read(out2.join("sweep-rtt").join(f)).expect("written");
        assert!(x == y, "{f} differs between --jobs 1 and --jobs 2");
    }
    let json = std::fs::read(out1.join("sweep-rtt/sweep.json")).expect("sweep.json");
    assert_eq!(json, a, "--json prints the file's bytes");
    // Several seeds per point, more threads than runs.
    let mut p = plan(TWO_DESIGNS, &["duration_s=4"]);
    p.seeds = 2;
    let one = ktopo::sweep::to_json(&run(&p, 1));
    let many = ktopo::sweep::to_json(&run(&p, 16));
    assert_eq!(one, many, "--seeds 2: jobs 1 and 16 differ");
    assert!(one.contains("\"spread\""), "several seeds give ranges");
    let v: serde_json::Value = serde_json::from_str(&one).expect("json");
    assert_eq!(v["variants"][0]["seeds"], serde_json::json!([4, 5]));
    assert_eq!(v["seeds_per_variant"], 2);
    let _ = std::fs::remove_dir_all(&out1);
    let _ = std::fs::remove_dir_all(&out2);
}

#[test]
fn a_bad_key_is_located_and_gets_a_suggestion() {
    let text = TWO_DESIGNS.replace(
        "key = \"link[dc1-dc2].rtt_ms\"",
        "key = \"link[dc1-dc2].rtt_msec\"",
    );
    let d = problems(&text, &[]);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert_eq!(d[0].line, line_of(&text, "rtt_msec"), "{}", show(&d));
    assert_eq!(d[0].key, "sweep.parameter[0].key");
    assert!(d[0].message.contains("unknown key `rtt_msec` in [[link]]"));
    assert_eq!(
        d[0].help.as_deref(),
        Some("did you mean `link[0].rtt_ms`?"),
        "{}",
        show(&d)
    );
    // Every bad key at once: a misspelt element name, a Kafka name, a list
    // without an element, and a key that stops at a table.
    let d = problems(
        TWO_DESIGNS,
        &[
            "topic[ordrs].partitions=1,2",
            "broker.min.insync.replica=1,2",
            "site.brokers=1",
            "link[dc1-dc2]=5",
        ],
    );
    let all = show(&d);
    assert_eq!(d.len(), 4, "{all}");
    assert!(all.contains("did you mean `topic[orders]`?"), "{all}");
    assert!(
        all.contains("did you mean `broker.\"min.insync.replicas\"`?"),
        "{all}"
    );
    assert!(
        all.contains("`site[dc1].brokers` or `site[0].brokers`"),
        "{all}"
    );
    assert!(all.contains("`link[0]` is [[link]], not a value"), "{all}");
    assert!(d.iter().all(|x| x.message.starts_with("--param `")));
}

#[test]
fn an_invalid_value_names_the_variants_and_why() {
    let text = TWO_DESIGNS.replace(
        "values = [2, 10, 40]",
        "values = [2, 10, 40]\n\n[[sweep.parameter]]\nkey = 'topic[orders].\"min.insync.replicas\"'\nvalues = [0, 1]",
    );
    let d = problems(&text, &[]);
    assert_eq!(d.len(), 1, "{}", show(&d));
    let x = &d[0];
    // At the value that caused it, in [sweep].
    assert_eq!(x.line, line_of(&text, "values = [0, 1]"), "{x}");
    assert_eq!(x.key, "topic[0].\"min.insync.replicas\"");
    assert_eq!(
        x.message,
        "variants 0, 2, 4 of 6, where topic[orders].\"min.insync.replicas\" = 0: must be ≥ 1",
        "{x}"
    );
    // A value of the wrong type from the command line, and a negative RTT: both
    // reported, each with its variants.
    let d = problems(
        TWO_DESIGNS,
        &["link[dc2<->dc1].rtt_ms=-1,5", "producer[0].acks=1,all,2"],
    );
    let all = show(&d);
    assert_eq!(d.len(), 2, "{all}");
    assert!(
        all.contains("variants 0, 1, 2 of 6, where link[dc2<->dc1].rtt_ms = -1: must be between 0 and 1000 ms"),
        "{all}"
    );
    assert!(
        all.contains(
            "variants 2, 5 of 6, where producer[0].acks = \"2\": unknown value \"2\": expected one of \"0\", \"1\", \"all\""
        ),
        "{all}"
    );
    // --param replaced the file's parameter of the same key (3 values → 2).
    assert!(!all.contains("of 9"), "{all}");
}

#[test]
fn keys_reach_any_scalar_and_variants_read_like_edited_files() {
    let p = plan(
        TWO_DESIGNS,
        &[
            "broker.min.insync.replicas=1,2",
            "topic[\"orders\"].\"retention.ms\"=3600000",
            "design[mm2].tasks.max=3",
            "link[1].jitter_ms=0.5",
            "topic[orders].placement.replicas[0].count=1",
            "model.fidelity=flow",
            "producer[0].acks=\"1\"",
        ],
    );
    let paths: Vec<&str> = p.parameters.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "link[0].rtt_ms",
            "broker.\"min.insync.replicas\"",
            "topic[0].\"retention.ms\"",
            "design[1].\"tasks.max\"",
            "link[1].jitter_ms",
            "topic[0].placement.replicas[0].count",
            "model.fidelity",
            "producer[0].acks",
        ]
    );
    assert_eq!(p.variants.len(), 6);
    // Variant 3: rtt 10 (second value), min.insync.replicas 2 (second value).
    let v = &p.variants[3];
    assert_eq!(v.choice[..2], [1, 1]);
    let edited = TWO_DESIGNS
        .replace(
            "rtt_ms = 10.0\n\n[[link]]\nbetween = [\"dc1\", \"tie\"]",
            "rtt_ms = 10.0\n\n[[link]]\nbetween = [\"dc1\", \"tie\"]\njitter_ms = 0.5",
        )
        .replace("[broker]\n", "[broker]\n\"min.insync.replicas\" = 2\n")
        .replace(
            "\"replication.factor\" = 2\n",
            "\"replication.factor\" = 2\n\"retention.ms\" = 3600000\n",
        )
        .replace(
            "primary = \"dc1\"\n",
            "primary = \"dc1\"\n\"tasks.max\" = 3\n",
        )
        .replace("rate_mb_s = 1\n", "rate_mb_s = 1\nacks = \"1\"\n")
        .replace(
            "[[design]]\nname = \"stretched\"",
            "[model]\nfidelity = \"flow\"\n\n[[design]]\nname = \"stretched\"",
        );
    let expected = parse_str(&edited, "edited.toml").expect("edited file parses");
    let a = serde_json::to_value(&v.scenario).expect("serializes");
    let b = serde_json::to_value(&expected).expect("serializes");
    assert_eq!(a, b, "variant 3 differs from the file edited by hand");
    assert_eq!(
        p.describe(v),
        "link[dc1-dc2].rtt_ms = 10, broker.min.insync.replicas = 2, topic[\"orders\"].\"retention.ms\" = 3600000, design[mm2].tasks.max = 3, link[1].jitter_ms = 0.5, topic[orders].placement.replicas[0].count = 1, model.fidelity = \"flow\", producer[0].acks = \"1\""
    );
    assert_eq!(p.parameters[4].values, [SweepValue::Float(0.5)]);
    // A range.
    let p = plan(TWO_DESIGNS, &["link[dc1-dc2].rtt_ms=5..20:5"]);
    assert_eq!(
        p.parameters[0].values,
        [5, 10, 15, 20].map(SweepValue::Int).to_vec()
    );
}

#[test]
fn the_sweep_table_is_accepted_by_plain_commands_and_capped() {
    // `[sweep]` is part of the schema: the file parses as written.
    let sc = parse_str(TWO_DESIGNS, "sweep.toml").expect("parses");
    assert_eq!(sc.link[0].rtt_ms, 10.0, "the file's own value");
    assert_eq!(
        sc.sweep.as_ref().map(|s| s.parameter.len()),
        Some(1),
        "[sweep] read"
    );
    // ...and misspelt keys inside it are found by every command.
    let bad = TWO_DESIGNS.replace("values = [2, 10, 40]", "valeus = [2, 10, 40]");
    let d = parse_str(&bad, "sweep.toml").expect_err("unknown key");
    assert!(show(&d).contains("did you mean `values`?"), "{}", show(&d));
    // ktopo check on the bundled sweep, and simulate --no-sweep.
    let status = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .current_dir(root())
        .args(["check", "scenarios/sweep-rtt.toml", "-q"])
        .status()
        .expect("run ktopo");
    assert!(status.success(), "check accepts [sweep]");
    // The cap.
    let d = problems(TWO_DESIGNS, &["duration_s=1..5000:1"]);
    assert!(
        d[0].message
            .contains("3 × 5000) × 1 seed(s) × 2 design(s) = 30000 runs; at most 10000"),
        "{}",
        show(&d)
    );
    // Nothing to sweep.
    let none = TWO_DESIGNS
        .split("[[sweep.parameter]]")
        .next()
        .unwrap_or("");
    let d = problems(none, &[]);
    assert!(d[0].message.starts_with("nothing to sweep"), "{}", show(&d));
}

#[test]
fn the_docs_sweep_example_plans_against_the_docs_scenario() {
    let doc = include_str!("../../docs/scenario.md");
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .collect();
    let (full, sweep) = (blocks[1], blocks[2]);
    assert!(sweep.contains("[[sweep.parameter]]"), "{sweep}");
    let p = plan(&format!("{full}\n{sweep}"), &[]);
    assert_eq!(p.variants.len(), 5 * 3);
    assert_eq!(p.parameters[1].path, "topic[0].\"min.insync.replicas\"");
}

#[test]
fn extreme_values_are_tabled_not_drawn_and_nothing_hangs() {
    // Figures near f64's limits (here a cost) and values a float step apart
    // once made plotters' tick search loop for ever.
    let text = r#"
name = "extreme"
duration_s = 2
[[site]]
name = "a"
brokers = 1
controllers = 1
[[topic]]
name = "t"
partitions = 1
[[producer]]
site = "a"
topic = "t"
rate_mb_s = 0.1
[[design]]
name = "only"
kind = "stretched"
[[sweep.parameter]]
key = "cost.broker_usd_per_hour"
values = [0.1, 1e300, 1.7e308]
[[sweep.parameter]]
key = "cost.storage_usd_per_gb_month"
values = [1e14, 100000000000000.02]
"#;
    let p = plan(text, &[]);
    let s = run(&p, 2);
    assert_eq!(
        s.value(0, 0, "cost_usd_month").map(|c| c < 1e20),
        Some(true)
    );
    let html = ktopo::sweep::sweep_html(&s, &p.base, "ktopo sweep extreme.toml");
    assert!(html.contains("</html>"));
    let json = ktopo::sweep::to_json(&s);
    let _: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
}

/// Names that are markup, in the scenario, a design and a swept key.
const HOSTILE: &str = r#"
name = "../<script>alert('name')</script>"
description = "<img src=x onerror=alert('d')> & \"q\""
seed = 2
duration_s = 3

[[site]]
name = "<b>east</b>"
brokers = 1
controllers = 1

[[site]]
name = "we]st<svg onload=alert(1)>"
brokers = 1
controllers = 1

[[site]]
name = "tie"
controllers = 1

[[link]]
between = ["<b>east</b>", "we]st<svg onload=alert(1)>"]
rtt_ms = 2.0

[[link]]
between = ["<b>east</b>", "tie"]
rtt_ms = 2.0

[[link]]
between = ["we]st<svg onload=alert(1)>", "tie"]
rtt_ms = 2.0

[[topic]]
name = "</td><script>alert('topic')</script>"
partitions = 2
"replication.factor" = 2

[[producer]]
site = "<b>east</b>"
topic = "</td><script>alert('topic')</script>"
rate_mb_s = 0.5

[[design]]
name = "<script>alert('design')</script>"
kind = "stretched"

[[sweep.parameter]]
key = 'link["<b>east</b>-we]st<svg onload=alert(1)>"].rtt_ms'
values = [1, 4]

[[sweep.parameter]]
key = 'producer[0].acks'
values = ["1", "<i>all</i>"]
"#;

#[test]
fn sweep_html_escapes_names_and_stays_in_its_directory() {
    let dir = tmp("hostile");
    // The second parameter is invalid in half the variants: the message says so.
    let d = problems(HOSTILE, &[]);
    assert!(
        show(&d).contains("variants 1, 3 of 4, where producer[0].acks = \"<i>all</i>\""),
        "{}",
        show(&d)
    );
    let text = HOSTILE.replace("\"<i>all</i>\"", "\"all\"");
    let file = dir.join("hostile.toml");
    std::fs::write(&file, &text).expect("write scenario");
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(["sweep", "-q"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run ktopo");
    assert!(
        o.status.success(),
        "sweep failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rep = out.join(ktopo::report::safe_name(
        "../<script>alert('name')</script>",
    ));
    let entries: Vec<_> = std::fs::read_dir(&out)
        .expect("out dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        entries,
        std::slice::from_ref(&rep),
        "one directory, inside --out"
    );
    let html = std::fs::read_to_string(rep.join("sweep.html")).expect("sweep.html");
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "<img", "<svg onload", "<b>east", "<i>"] {
        assert!(!lower.contains(bad), "`{bad}` reached the page");
    }
    for shown in [
        "&lt;script&gt;alert(&#39;design&#39;)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(&#39;d&#39;)&gt; &amp; &quot;q&quot;",
        "link[&quot;&lt;b&gt;east&lt;/b&gt;-we]st&lt;svg onload=alert(1)&gt;&quot;].rtt_ms",
    ] {
        assert!(html.contains(shown), "missing escaped text {shown}");
    }
    assert!(html.contains("<svg role=\"img\""), "charts are inline SVG");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn odd_keys_and_arguments_never_panic() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 300,
        ..ProptestConfig::default()
    });
    let head = TWO_DESIGNS
        .split("[[sweep.parameter]]")
        .next()
        .unwrap_or("");
    runner
        .run(&"[a-z\\[\\]\\.\"0-9<>=,: -]{0,30}", |key| {
            let text = format!(
                "{head}[[sweep.parameter]]\nkey = {}\nvalues = [1, \"x\", true, 2.5]\n",
                toml::Value::String(key.clone())
            );
            let _ = sweep_str(&text, "t.toml", &SweepArgs::default());
            if let Ok(a) = parse_param_arg(&format!("{key}=1,2")) {
                let _ = sweep_str(
                    head,
                    "t.toml",
                    &SweepArgs {
                        params: vec![a],
                        ..SweepArgs::default()
                    },
                );
            }
            let _ = parse_param_arg(&key);
            Ok(())
        })
        .expect("no panic");
}

/// [`TWO_DESIGNS`], 3 s long, with the dc1–dc2 round trip the range `rtt`
/// and the producer's rate swept instead of the round trip.
fn drawn_rtt(rtt: &str) -> String {
    let t = TWO_DESIGNS
        .replace("duration_s = 8", "duration_s = 3")
        .replace(
            "between = [\"dc1\", \"dc2\"]\nrtt_ms = 10.0",
            &format!("between = [\"dc1\", \"dc2\"]\nrtt_ms = {rtt}"),
        )
        .replace(
            "key = \"link[dc1-dc2].rtt_ms\"\nvalues = [2, 10, 40]",
            "key = \"producer[0].rate_mb_s\"\nvalues = [1, 2]",
        );
    assert!(t.contains(rtt) && t.contains("values = [1, 2]"));
    t
}

fn plan_runs(text: &str, params: &[&str], runs: usize) -> SweepPlan {
    let args = SweepArgs {
        params: params
            .iter()
            .map(|p| parse_param_arg(p).expect("--param parses"))
            .collect(),
        runs: Some(runs),
        ..SweepArgs::default()
    };
    match sweep_str(text, "sweep.toml", &args) {
        Ok(p) => p,
        Err(d) => panic!("invalid sweep:\n{}", show(&d)),
    }
}

/// The distribution of output `id` of design `d` at variant `v` in sweep.json.
fn dist(s: &Sweep, v: usize, d: usize, id: &str) -> serde_json::Value {
    let j: serde_json::Value = serde_json::from_str(&ktopo::sweep::to_json(s)).expect("json");
    j["variants"][v]["designs"][d]["outputs"][id].clone()
}

/// `sweep --runs N` (issue 14): each variant and design is N draws of the
/// file's ranges, and each figure a distribution. The closed form: with
/// acks=all the leader answers once the follower across the link has fetched
/// the record and asked for the next offset. The follower's long-poll fetch
/// is either waiting at the leader (the record travels ½ RTT out, the next
/// fetch ½ RTT back: one RTT) or its response is in flight (one more RTT,
/// `ReplicaFetcherThread`'s loop), so each run's produce p99 lies in
/// [RTT, 2 RTT + the local produce path] (the local path: the mm2 design's
/// p99, under 1 ms here; 1.5 ms allowed). A run's figure dominates its drawn
/// RTT and is dominated by 2 RTT + 1.5, so the k-th smallest figure lies
/// between the k-th smallest RTT and twice it plus 1.5: the p50 (and p95) of
/// the figure over the draws is bounded by the drawn RTT's p50 (and p95).
#[test]
fn sweep_runs_draws_the_ranges_and_the_rtt_bounds_the_stretched_p99() {
    let id = "produce_p99_ms[dc1,acks=all]";
    let mut p50s = Vec::new();
    for rtt in ["[8, 15]", "[20, 40]"] {
        let p = plan_runs(&drawn_rtt(rtt), &[], 7);
        assert_eq!((p.variants.len(), p.runs()), (2, 2 * 7 * 2));
        let s = run(&p, 2);
        let mc = s.monte_carlo.as_ref().expect("a Monte Carlo sweep");
        assert_eq!(mc.draws, 7);
        let drawn = mc.ranges[0].drawn.as_ref().expect("the rtt was drawn");
        assert_eq!((mc.ranges[0].key.as_str(), drawn.n), ("link[0].rtt_ms", 7));
        for v in 0..2 {
            let f = dist(&s, v, 0, id);
            let (p50, p95) = (f["p50"].as_f64().unwrap(), f["p95"].as_f64().unwrap());
            assert_eq!(f["n"], 7, "{f}");
            for (q, x) in [(p50, drawn.p50), (p95, drawn.p95)] {
                assert!(
                    q >= x - 1e-3 && q <= 2.0 * x + 1.5,
                    "rtt {rtt}, variant {v}: p99 quantile {q} outside [{x}, 2·{x} + 1.5]: {f}"
                );
            }
            assert!(f["ci95"][0].as_f64() <= f["mean"].as_f64());
            // The async design's producer waits for its local cluster only.
            let local = dist(&s, v, 1, id);
            assert!(local["p95"].as_f64().unwrap() < 5.0, "{local}");
            p50s.push(p50);
        }
        // Draw k has the same seed (and so the same values) in every variant:
        // common random numbers, the seed of `simulate --runs` draw k.
        let seeds: Vec<u64> = (0..7).map(|k| ktopo::montecarlo::run_seed(4, k)).collect();
        for v in &s.variants {
            assert_eq!(v.seeds, seeds);
        }
        // The tables say what the cells are.
        let md = ktopo::sweep::markdown(&s);
        assert!(md.contains("2 variant(s) × 7 Monte Carlo draw(s) × 2 design(s) = 28 runs"));
        assert!(md.contains(" [p95 "), "{md}");
        assert!(md.contains("| `link[0].rtt_ms` | "), "{md}");
    }
    // A range twice as far gives a p99 about twice as long (p50 over the draws).
    assert!(p50s[2] > 1.5 * p50s[0], "{p50s:?}");
    // A swept key takes the variant's value: the range is not drawn there.
    let p = plan_runs(&drawn_rtt("[8, 15]"), &["link[dc1-dc2].rtt_ms=30"], 3);
    let s = run(&p, 2);
    assert!(s.monte_carlo.as_ref().unwrap().ranges[0].drawn.is_none());
    let f = dist(&s, 0, 0, id);
    assert!(f["p50"].as_f64().unwrap() >= 30.0 - 1e-3, "{f}");
}

/// `sweep --runs N` gives the same bytes (json, md, html) on one thread as
/// on two, and a sweep without `--runs` has no distribution in it.
#[test]
fn sweep_runs_is_the_same_bytes_whatever_the_number_of_threads() {
    let text = drawn_rtt("{ low = 2, mid = 5, high = 15 }");
    let p = plan_runs(&text, &["duration_s=2"], 3);
    let (a, b) = (run(&p, 1), run(&p, 2));
    assert_eq!(ktopo::sweep::to_json(&a), ktopo::sweep::to_json(&b));
    assert_eq!(ktopo::sweep::markdown(&a), ktopo::sweep::markdown(&b));
    let replay = ktopo::sweep::replay(&p, Path::new("sweep.toml"));
    assert!(replay.contains(" --runs 3"), "{replay}");
    let (ha, hb) = (
        ktopo::sweep::sweep_html(&a, &p.base, &replay),
        ktopo::sweep::sweep_html(&b, &p.base, &replay),
    );
    assert_eq!(ha, hb);
    assert!(ha.contains("· p95"), "the charts draw each line's p95 too");
    let plain = ktopo::sweep::to_json(&run(&plan(&text, &["duration_s=2"]), 2));
    assert!(!plain.contains("\"monte_carlo\"") && !plain.contains("\"p95\""));
}

/// `--runs` replaces the seeds: both together are refused, from the command
/// line or from the file, with a clear message; so is `--runs 0`.
#[test]
fn sweep_runs_and_seeds_are_refused_together() {
    let text = drawn_rtt("[8, 15]");
    let args = |seeds: Option<u32>, runs: usize| SweepArgs {
        seeds,
        runs: Some(runs),
        ..SweepArgs::default()
    };
    let d = sweep_str(&text, "sweep.toml", &args(Some(2), 5)).expect_err("refused");
    assert!(
        show(&d).contains("--runs 5 and 2 seeds per variant (--seeds)"),
        "{}",
        show(&d)
    );
    let with_seeds = text.replace(
        "[[sweep.parameter]]",
        "[sweep]\nseeds = 3\n\n[[sweep.parameter]]",
    );
    let d = sweep_str(&with_seeds, "sweep.toml", &args(None, 5)).expect_err("refused");
    let msg = show(&d);
    assert!(
        msg.contains("--runs 5 and 3 seeds per variant (the file's [sweep] seeds)")
            && msg.contains("sweep.seeds"),
        "{msg}"
    );
    let d = sweep_str(&text, "sweep.toml", &args(None, 0)).expect_err("refused");
    assert!(
        show(&d).contains("--runs must be between 1"),
        "{}",
        show(&d)
    );
    // One seed from the file is no repetition: accepted.
    let one = text.replace(
        "[[sweep.parameter]]",
        "[sweep]\nseeds = 1\n\n[[sweep.parameter]]",
    );
    assert!(sweep_str(&one, "sweep.toml", &args(None, 5)).is_ok());
    // The binary refuses --seeds with --runs before reading anything.
    let o = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(["sweep", "x.toml", "--runs", "3", "--seeds", "2"])
        .output()
        .expect("run ktopo");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--seeds"));
}

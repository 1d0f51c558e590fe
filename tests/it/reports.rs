//! The report gallery and the safety of reports.
//!
//! - `committed_reports_match_regeneration`: `reports/` holds exactly what
//!   `ktopo simulate scenarios/*.toml` writes today, byte for byte (which also
//!   proves that a seed gives identical files). `KTOPO_BLESS=1` rewrites
//!   `reports/` from the fresh run instead (then review and commit the diff).
//! - `scenario_text_is_escaped_in_html` and `scenario_name_stays_in_output_dir`:
//!   hostile names show as text and never choose where files go.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("under base").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `KTOPO_BLESS=1`: rewrite the expected outputs (here the gallery under
/// `reports/`) from a fresh run instead of failing on a difference.
fn bless() -> bool {
    std::env::var_os("KTOPO_BLESS").is_some_and(|v| v == "1")
}

/// Remove the folders under `dir` that hold no file (after a bless).
fn remove_empty_dirs(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            remove_empty_dirs(&p);
            let _ = std::fs::remove_dir(&p); // fails, as it should, when not empty
        }
    }
}

fn bundled_scenarios() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("scenarios/{n}"))
        .collect();
    v.sort();
    v
}

/// First differing line of two texts, for the failure message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            let cut = |s: &str| s.chars().take(160).collect::<String>();
            return format!(
                "line {}:\n  committed:   {}\n  regenerated: {}",
                i + 1,
                cut(x),
                cut(y)
            );
        }
    }
    format!(
        "one is a prefix of the other ({} vs {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn committed_reports_match_regeneration() {
    let out = tmp("gallery");
    let scenarios = bundled_scenarios();
    assert!(!scenarios.is_empty(), "no bundled scenarios");
    let status = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .current_dir(root())
        .arg("simulate")
        .args(&scenarios)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run ktopo");
    assert!(status.success(), "ktopo simulate failed: {status}");
    let fresh = files(&out);
    if bless() {
        // Rewrite the gallery: the fresh files, and nothing else.
        let gallery = root().join("reports");
        for path in files(&gallery).keys() {
            if !fresh.contains_key(path) {
                std::fs::remove_file(gallery.join(path)).expect("remove a stale report");
            }
        }
        for (path, bytes) in &fresh {
            let dest = gallery.join(path);
            if std::fs::read(&dest).ok().as_ref() != Some(bytes) {
                std::fs::create_dir_all(dest.parent().expect("a report folder"))
                    .expect("create a report folder");
                // Atomically: other tests of this binary read the gallery.
                let tmp = dest.with_extension("bless.tmp");
                std::fs::write(&tmp, bytes).expect("write a report");
                std::fs::rename(&tmp, &dest).expect("write a report");
            }
        }
        remove_empty_dirs(&gallery);
    }
    let committed = files(&root().join("reports"));
    let mut problems = Vec::new();
    for (path, bytes) in &fresh {
        match committed.get(path) {
            None => problems.push(format!("reports/{} is missing", path.display())),
            Some(c) if c != bytes => problems.push(format!(
                "reports/{} differs from a fresh run, {}",
                path.display(),
                first_difference(c, bytes)
            )),
            Some(_) => {}
        }
    }
    for path in committed.keys() {
        if !fresh.contains_key(path) {
            problems.push(format!(
                "reports/{} is not produced by any bundled scenario",
                path.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the committed reports are stale; regenerate them with `KTOPO_BLESS=1 cargo test --release --test it committed_reports` (or `cargo run --release -- simulate scenarios/*.toml`):\n{}",
        problems.join("\n")
    );
    // Every bundled scenario has its three files: a single design in its own
    // folder, several designs as compare.{json,md,html} plus one folder each, a
    // sweep as sweep.{json,md,html}.
    let top: std::collections::BTreeSet<_> = fresh
        .keys()
        .filter_map(|p| p.components().next().map(|c| c.as_os_str().to_owned()))
        .collect();
    assert_eq!(top.len(), scenarios.len(), "one report folder per scenario");
    let dirs: std::collections::BTreeSet<_> = fresh
        .keys()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    for d in &dirs {
        let names = if fresh.contains_key(&d.join("compare.json")) {
            ["compare.json", "compare.md", "compare.html"]
        } else if fresh.contains_key(&d.join("sweep.json")) {
            ["sweep.json", "sweep.md", "sweep.html"]
        } else {
            ["report.json", "report.md", "report.html"]
        };
        for f in names {
            assert!(fresh.contains_key(&d.join(f)), "{} lacks {f}", d.display());
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// A small scenario whose every free-text field is hostile HTML.
const HOSTILE: &str = r#"
name = "../../etc/<script>alert('name')</script>"
description = "<img src=x onerror=alert('description')> & \"quotes\""
seed = 3
duration_s = 6

[[site]]
name = "<script>alert('site')</script>"
brokers = 3
controllers = 1

[[site]]
name = "b&b\"><svg onload=alert(1)>"
brokers = 3
controllers = 2

[[link]]
between = ["<script>alert('site')</script>", "b&b\"><svg onload=alert(1)>"]
rtt_ms = 2.0

[[topic]]
name = "</td><script>alert('topic')</script>"
partitions = 3
"replication.factor" = 3

[[producer]]
site = "<script>alert('site')</script>"
topic = "</td><script>alert('topic')</script>"
rate_mb_s = 1

[[consumer]]
site = "b&b\"><svg onload=alert(1)>"
topic = "</td><script>alert('topic')</script>"
"client.rack" = "<i>rack</i>"
"#;

/// Run the hostile scenario into `<dir>/out`; returns the report directory.
fn run_hostile(dir: &Path) -> PathBuf {
    let file = dir.join("hostile.toml");
    std::fs::write(&file, HOSTILE).expect("write scenario");
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .arg("simulate")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run ktopo");
    assert!(
        o.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let entries: Vec<_> = std::fs::read_dir(&out)
        .expect("out dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(entries.len(), 1, "one report directory: {entries:?}");
    entries[0].clone()
}

#[test]
fn scenario_text_is_escaped_in_html() {
    let dir = tmp("escape");
    let rep = run_hostile(&dir);
    let html = std::fs::read_to_string(rep.join("report.html")).expect("report.html");
    let lower = html.to_ascii_lowercase();
    // The page has no script of its own, so any script or handler is injected.
    assert!(
        !lower.contains("<script"),
        "a <script> element reached the page"
    );
    assert!(!lower.contains("<img"), "an <img> element reached the page");
    assert!(
        !lower.contains("<svg onload"),
        "an svg handler reached the page"
    );
    assert!(
        !lower.contains("<i>rack"),
        "markup from client.rack reached the page"
    );
    // The names are there, as text.
    for shown in [
        "&lt;script&gt;alert(&#39;site&#39;)&lt;/script&gt;",
        "&lt;/td&gt;&lt;script&gt;alert(&#39;topic&#39;)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(&#39;description&#39;)&gt; &amp; &quot;quotes&quot;",
        "b&amp;b&quot;&gt;&lt;svg onload=alert(1)&gt;",
        "&lt;i&gt;rack&lt;/i&gt;",
    ] {
        assert!(html.contains(shown), "missing escaped text {shown}");
    }
    // Inside the charts too: plotters escapes its text, and the legend is ours.
    assert!(html.contains("<svg role=\"img\""), "charts are inline SVG");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scenario_name_stays_in_output_dir() {
    let dir = tmp("confine");
    let rep = run_hostile(&dir);
    let name = rep
        .file_name()
        .and_then(|n| n.to_str())
        .expect("utf-8 name");
    assert_eq!(
        name,
        ktopo::report::safe_name("../../etc/<script>alert('name')</script>")
    );
    assert_eq!(rep.parent(), Some(dir.join("out").as_path()));
    for f in ["report.json", "report.md", "report.html"] {
        assert!(rep.join(f).is_file(), "{f} written");
    }
    // Nothing was written next to the output directory (the name starts with ../../).
    let siblings: Vec<_> = std::fs::read_dir(&dir)
        .expect("temp dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        siblings.len(),
        2,
        "only the scenario and out/: {siblings:?}"
    );
    // No temporary file is left behind by the atomic writes.
    let left: Vec<_> = std::fs::read_dir(&rep)
        .expect("report dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    for hostile in [
        "..",
        "../..",
        "../../etc",
        "/etc/passwd",
        ".",
        "",
        "a/../../b",
        "..\\..\\x",
    ] {
        let s = ktopo::report::safe_name(hostile);
        assert!(
            !s.is_empty() && s != "." && s != "..",
            "{hostile:?} → {s:?}"
        );
        assert!(
            !s.contains('/') && !s.contains('\\') && !s.contains(".."),
            "{hostile:?} → {s:?}"
        );
        assert_eq!(Path::new(&s).components().count(), 1, "{hostile:?} → {s:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const SMALL: &str = r#"
name = "small"
seed = 5
duration_s = 20

[[site]]
name = "east"
brokers = 3
controllers = 1

[[site]]
name = "west"
brokers = 3
controllers = 2
lan_rtt_ms = 0.3

[[link]]
between = ["east", "west"]
rtt_ms = 4.0
jitter_ms = 0.2

[broker]
"min.insync.replicas" = 2
"replica.lag.time.max.ms" = 10000

[model]
timeline_interval_s = 2.0

[[topic]]
name = "t"
partitions = 6
"replication.factor" = 3

[[producer]]
site = "east"
topic = "t"
rate_mb_s = 2
acks = "1"
"linger.ms" = 10

[[consumer]]
site = "west"
topic = "t"

[[fault]]
kind = "link-partition"
between = ["east", "west"]
at_s = 6
duration_s = 6
"#;

fn small() -> ktopo::scenario::Scenario {
    ktopo::scenario::parse_str(SMALL, "small.toml").expect("valid scenario")
}

#[test]
fn non_default_settings_are_listed() {
    let sc = small();
    let got: Vec<(String, String, String, String)> = ktopo::report::non_defaults(&sc)
        .into_iter()
        .map(|s| (s.scope, s.key, s.value, s.default))
        .collect();
    let t = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
    assert_eq!(
        got,
        vec![
            t("scenario", "seed", "5", "1"),
            t("scenario", "duration_s", "20.0", "300.0"),
            t("broker", "replica.lag.time.max.ms", "10000", "30000"),
            t("broker", "min.insync.replicas", "2", "1"),
            t("model", "timeline_interval_s", "2.0", "1.0"),
            t("site west", "lan_rtt_ms", "0.3", "0.2"),
            t("link east ↔ west", "jitter_ms", "0.2", "0.0"),
            t(
                "topic t",
                "replication.factor",
                "3",
                "broker default.replication.factor"
            ),
            t("producer[0] (east → t)", "acks", "1", "all"),
            t("producer[0] (east → t)", "linger.ms", "10", "5"),
        ]
    );
}

#[test]
fn html_compares_several_designs() {
    let sc = small();
    let a = ktopo::kafka::simulate(&sc).expect("run a");
    let mut sc_b = sc.clone();
    sc_b.producer[0].acks = ktopo::scenario::Acks::All;
    let b = ktopo::kafka::simulate(&sc_b).expect("run b");
    let topo = ktopo::topology::Topology::build(&sc);
    let findings = ktopo::check::check(&sc, &topo);
    let cx = ktopo::report::Context::new(&sc, &findings, Path::new("dir with space/small.toml"));
    let designs = [("acks-1", &a), ("acks-all", &b)];
    let page = ktopo::report::html(&designs, &cx);
    assert_eq!(page, ktopo::report::html(&designs, &cx), "deterministic");
    // Verdict first, then comparison, charts, assumptions.
    let pos = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("missing {needle}"))
    };
    assert!(pos("id=\"verdict\"") < pos("id=\"comparison\""));
    assert!(pos("id=\"comparison\"") < pos("id=\"charts\""));
    assert!(pos("id=\"charts\"") < pos("id=\"assumptions\""));
    assert!(page.contains("Recommended design: "));
    assert!(page.contains("<th class=\"n\">acks-1</th><th class=\"n\">acks-all</th>"));
    for id in [
        "chart-latency-cdf",
        "chart-hw-lag",
        "chart-replica-lag",
        "chart-link-utilization",
        "chart-write-availability",
    ] {
        assert!(
            page.contains(&format!("<figure class=\"chart\" id=\"{id}\">")),
            "{id} drawn"
        );
    }
    // Series are labelled by design when there are several.
    assert!(page.contains("acks-1 · east (t, acks=1)"));
    assert!(page.contains("acks-all · east (t, acks=all)"));
    // The replay command quotes the path for the shell, then escapes it for HTML.
    assert!(page.contains("ktopo simulate &#39;dir with space/small.toml&#39; --seed 5"));
    // The fault window is shaded and named in the legends.
    assert!(page.contains("fault window"));
}

#[test]
fn verdict_follows_the_outcome_and_the_check() {
    use ktopo::report::{Grade, verdict};
    let sc = small();
    let mut o = ktopo::kafka::simulate(&sc).expect("run");
    let cx = ktopo::report::Context::new(&sc, &[], Path::new("small.toml"));
    // A clean run: nothing lost, nothing disrupted, no finding.
    for u in o.timeline.unavailable_partitions.iter_mut() {
        *u = 0;
    }
    o.cluster.no_quorum_s = 0.0;
    for p in o.sites.iter_mut().flat_map(|s| s.produce.iter_mut()) {
        p.records_timed_out = 0;
        p.records_rejected = 0;
        p.records_unavailable = 0;
        p.records_blocked = 0;
    }
    let v = verdict("stretched", &o, &cx);
    assert_eq!(v.grade, Grade::Pass, "{v:?}");
    assert!(
        v.headline
            .starts_with("No acknowledged write lost and writes never disrupted")
    );
    assert!(v.recommendations[0].starts_with("No change needed"));
    // A disrupted interval makes it a caution, with the disruption in the headline.
    o.timeline.unavailable_partitions[2] = 3;
    let v = verdict("stretched", &o, &cx);
    assert_eq!(v.grade, Grade::Caution);
    assert!(
        v.headline.contains("writes disrupted for up to 2 s"),
        "{}",
        v.headline
    );
    // Lost acknowledged data fails, and with acks=1 the advice is acks=all.
    o.durability.lost_acked_records = 7;
    o.durability.lost_acked_age_s_max = 1.5;
    let v = verdict("stretched", &o, &cx);
    assert_eq!(v.grade, Grade::Fail);
    assert!(
        v.headline
            .starts_with("Data loss: 7 acknowledged records lost, realized RPO 1.50 s")
    );
    assert!(v.recommendations.iter().any(|r| r.contains("acks=all")));
    // An error-level finding fails the run too, and its fix comes first.
    o.durability.lost_acked_records = 0;
    let finding = ktopo::check::Finding {
        level: ktopo::check::Level::Error,
        code: "quorum-site-loss",
        subject: "site east".into(),
        message: "losing east leaves 2 of 3 voters".into(),
        fix: "add a third site".into(),
        design: None,
        key: None,
        at: None,
    };
    let findings = [finding];
    let cx = ktopo::report::Context::new(&sc, &findings, Path::new("small.toml"));
    let v = verdict("stretched", &o, &cx);
    assert_eq!(v.grade, Grade::Fail);
    assert!(v.headline.ends_with("`ktopo check` found 1 error(s)"));
    assert_eq!(
        v.recommendations[0],
        "quorum-site-loss (site east, error): add a third site"
    );
}

/// Each simplification the reports cite points at a section of docs/model.md
/// that exists, and its mechanism is named once.
#[test]
fn simplifications_cite_model_sections() {
    let model = std::fs::read_to_string(root().join("docs/model.md")).expect("docs/model.md");
    let mut seen = Vec::new();
    for s in ktopo::report::SIMPLIFICATIONS {
        let heading = match s.section.strip_prefix('§') {
            Some(n) => format!("\n## {n}. "),
            None => format!("\n## {}", s.section),
        };
        assert!(
            model.contains(&heading),
            "{}: docs/model.md has no section {}",
            s.mechanism,
            s.section
        );
        assert!(!seen.contains(&s.mechanism), "{} listed twice", s.mechanism);
        seen.push(s.mechanism);
    }
}

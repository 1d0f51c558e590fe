//! Ctrl-C on the commands that make many runs (`plan`, `sweep`, `simulate
//! --runs`): a real SIGINT (sent with `kill -INT`) after the first run has
//! finished; the command writes its reports from the finished runs, marked
//! partial, and exits 130. Not timing-dependent: with
//! `KTOPO_TEST_HOLD_AFTER_RUNS=1` and `--jobs 1` the second run waits for the
//! interrupt and says so on stderr, and the signal is sent only then.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Run `args` with the hold hook, send SIGINT once a run waits, and return
/// the exit code and stderr.
fn interrupted(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(args)
        .env("KTOPO_TEST_HOLD_AFTER_RUNS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ktopo starts");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut text = String::new();
    let mut sent = false;
    let mut line = String::new();
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        text.push_str(&line);
        if !sent && line.starts_with("ktopo-test: a run waits") {
            let st = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(st.success());
            sent = true;
        }
        line.clear();
    }
    let status = child.wait().expect("ktopo ends");
    assert!(sent, "no run waited for the interrupt; stderr:\n{text}");
    (status.code(), text)
}

fn json(path: &Path) -> serde_json::Value {
    let t = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&t).expect("valid JSON")
}

#[test]
fn plan_ctrl_c_writes_a_partial_plan_and_exits_130() {
    let dir = tempfile_dir("plan");
    let (code, err) = interrupted(&[
        "plan",
        "scenarios/plan/three-metro.toml",
        "--jobs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(130), "{err}");
    let p = json(&dir.join("plan-three-metro/plan.json"));
    let part = &p["partial"];
    // One run made (the first), every other run of the plan missing.
    let runs = p["runs"].as_u64().unwrap();
    assert_eq!(part["runs_present"], 1);
    assert_eq!(
        part["missing_runs"].as_array().unwrap().len() as u64,
        runs - 1
    );
    assert!(p["recommended"].is_null());
    let c = p["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "unfinished")
        .expect("the interrupted candidate is unfinished");
    assert!(c["rank"].is_null());
    let md = std::fs::read_to_string(dir.join("plan-three-metro/plan.md")).unwrap();
    assert!(md.contains("Partial plan (interrupted): 1 of"), "{md}");
    let html = std::fs::read_to_string(dir.join("plan-three-metro/plan.html")).unwrap();
    assert!(html.contains("Partial plan (interrupted)"));
}

#[test]
fn sweep_ctrl_c_writes_a_partial_sweep_and_exits_130() {
    let dir = tempfile_dir("sweep");
    let (code, err) = interrupted(&[
        "sweep",
        "scenarios/sweep-rtt.toml",
        "--jobs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(130), "{err}");
    let sub = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.path().join("sweep.json").exists())
        .expect("a sweep report")
        .path();
    let s = json(&sub.join("sweep.json"));
    let runs = s["runs"].as_u64().unwrap();
    assert_eq!(s["partial"]["runs_present"], 1);
    let missing: Vec<u64> = s["partial"]["missing_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(missing, (1..runs).collect::<Vec<_>>());
    let md = std::fs::read_to_string(sub.join("sweep.md")).unwrap();
    assert!(md.contains("Partial sweep: 1 of"), "{md}");
}

#[test]
fn simulate_runs_ctrl_c_writes_a_partial_monte_carlo_and_exits_130() {
    let dir = tempfile_dir("mc");
    let (code, err) = interrupted(&[
        "simulate",
        "scenarios/single-site.toml",
        "--runs",
        "4",
        "--jobs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(130), "{err}");
    let sub = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.path().join("montecarlo.json").exists())
        .expect("a Monte Carlo report")
        .path();
    let m = json(&sub.join("montecarlo.json"));
    assert_eq!(m["partial"]["runs_present"], 1);
    let missing: Vec<u64> = m["partial"]["missing_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["run"].as_u64().unwrap())
        .collect();
    assert_eq!(missing, vec![1, 2, 3]);
    let md = std::fs::read_to_string(sub.join("montecarlo.md")).unwrap();
    assert!(md.contains("Partial Monte Carlo (interrupted): 1 of 4 runs"));
}

/// A fresh directory under the target's temporary folder.
fn tempfile_dir(what: &str) -> std::path::PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interrupt-{what}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `sweep --runs N` stopped by Ctrl-C keeps its finished draw: the report is
/// written from it, marked partial, and the exit code is 130.
#[test]
fn sweep_runs_ctrl_c_writes_a_partial_sweep_and_exits_130() {
    let dir = tempfile_dir("sweep-runs");
    let (code, err) = interrupted(&[
        "sweep",
        "scenarios/sweep-rtt.toml",
        "--runs",
        "2",
        "--jobs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(130), "{err}");
    let s = json(&dir.join("sweep-rtt/sweep.json"));
    let runs = s["runs"].as_u64().unwrap();
    assert_eq!(s["monte_carlo"]["draws"], 2);
    assert_eq!(s["partial"]["runs_present"], 1);
    assert_eq!(
        s["partial"]["missing_runs"].as_array().unwrap().len() as u64,
        runs - 1
    );
    // The one run made is draw 0 of the first variant's first design.
    let f = &s["variants"][0]["designs"][0]["outputs"]["write_availability_pct"];
    assert_eq!(f["n"], 1, "{f}");
    let md = std::fs::read_to_string(dir.join("sweep-rtt/sweep.md")).unwrap();
    assert!(md.contains("Partial sweep: 1 of"), "{md}");
}

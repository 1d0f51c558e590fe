//! Reports from an [`Outcome`]: JSON (the versioned schema), Markdown, the
//! self-contained HTML page with its charts, and the terminal table. Knows
//! nothing of the simulator's internals: besides the outcome it reads only the
//! scenario (for the assumptions) and the `ktopo check` findings.

mod assumptions;
pub(crate) mod charts;
mod html;
mod verdict;

pub use crate::scenario::safe_name;
pub use assumptions::{SIMPLIFICATIONS, Setting, Simplification, non_defaults, simplifications};
pub(crate) use html::{CSS, figure, settings_and_simplifications};
pub use html::{esc, html};
pub use verdict::{
    Grade, OBJECTIVE_KEYS, ObjectiveCheck, Summary, Verdict, objective_key, objectives, preferred,
    verdict,
};

use crate::check::Finding;
use crate::metrics::Outcome;
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

pub fn to_json(o: &Outcome) -> String {
    let mut s = serde_json::to_string_pretty(o).expect("an Outcome always serializes");
    s.push('\n');
    s
}

/// Write `text` to `path` atomically: a temporary file in the same directory, then a rename.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report")
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// What a report needs besides the outcome.
pub struct Context<'a> {
    /// The scenario as parsed (with `--seed` applied).
    pub scenario: &'a Scenario,
    /// `check::check` of the scenario.
    pub findings: &'a [Finding],
    /// The command that replays the run exactly.
    pub replay: String,
}

impl<'a> Context<'a> {
    /// `file` is the scenario path as given on the command line; the replay
    /// command names it and the seed. `--out` is left out: it moves the report,
    /// it does not change it.
    pub fn new(scenario: &'a Scenario, findings: &'a [Finding], file: &Path) -> Self {
        Context {
            scenario,
            findings,
            replay: format!(
                "ktopo simulate {} --seed {}",
                shell_quote(&file.display().to_string()),
                scenario.seed
            ),
        }
    }
}

/// `s` as one POSIX shell word.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Write report.json, report.md and report.html under `<out>/<safe scenario
/// name>/`, each atomically; returns the directory.
/// Before a run: can the reports of scenario `name` (and of its designs) be
/// written under `out`? Creates the folders and writes and removes a probe
/// file in each, so that a run never ends by losing its results.
pub fn check_writable(out: &Path, name: &str, designs: &[&str]) -> io::Result<()> {
    let dir = out.join(safe_name(name));
    let mut dirs = vec![dir.clone()];
    dirs.extend(designs.iter().map(|d| dir.join(safe_name(d))));
    for d in dirs {
        std::fs::create_dir_all(&d)?;
        let probe = d.join(".ktopo-write-probe.tmp");
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)?;
    }
    Ok(())
}

pub fn write_reports(o: &Outcome, cx: &Context, out: &Path) -> io::Result<PathBuf> {
    let dir = out.join(safe_name(&o.scenario));
    write_atomic(&dir.join("report.json"), &to_json(o))?;
    write_atomic(&dir.join("report.md"), &markdown_report(o, cx))?;
    write_atomic(
        &dir.join("report.html"),
        &html(&[(o.design.as_str(), o)], cx),
    )?;
    Ok(dir)
}

pub(crate) fn f(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A latency figure for a table: `–` when the distribution has no sample, so
/// that "0 ms" never stands for "nothing measured".
fn ms(l: &crate::metrics::LatencySummary, v: f64) -> String {
    if l.count == 0 { "–".into() } else { f(v) }
}

/// The verdict and what to change, printed after the terminal table.
pub fn terminal_verdict(v: &Verdict) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nverdict: {} — {}", v.grade.label(), v.headline);
    for o in &v.objectives {
        let _ = writeln!(s, "  objective {}", o.describe());
    }
    for (i, r) in v.recommendations.iter().enumerate() {
        let _ = writeln!(
            s,
            "{} {r}",
            if i == 0 {
                "recommendation:"
            } else {
                "               "
            }
        );
    }
    s
}

/// The per-site table printed on the terminal.
pub fn terminal_table(o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (design: {}, seed {}, {} s simulated)",
        o.scenario, o.design, o.seed, o.duration_s
    );
    let _ = writeln!(
        s,
        "{:<12} {:<10} {:>4} {:>9} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}",
        "site",
        "topic",
        "acks",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "acked",
        "rejected",
        "timed out",
        "unavail"
    );
    for site in &o.sites {
        for p in &site.produce {
            let _ = writeln!(
                s,
                "{:<12} {:<10} {:>4} {:>9} {:>9} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}",
                site.site,
                p.topic,
                p.acks,
                ms(&p.latency, p.latency.p50_ms),
                ms(&p.latency, p.latency.p99_ms),
                ms(&p.latency, p.latency.p999_ms),
                ms(&p.latency, p.latency.max_ms),
                p.records_acked,
                p.records_rejected,
                p.records_timed_out,
                p.records_unavailable
            );
        }
    }
    let consumers: Vec<_> = o
        .sites
        .iter()
        .flat_map(|s| s.consume.iter().map(move |c| (&s.site, c)))
        .collect();
    if !consumers.is_empty() {
        let _ = writeln!(
            s,
            "\n{:<12} {:<10} {:>9} {:>12} {:>12} {:>12}",
            "site", "topic", "follower", "e2e p50 ms", "e2e p99 ms", "consumed"
        );
        for (site, c) in consumers {
            let _ = writeln!(
                s,
                "{:<12} {:<10} {:>9} {:>12} {:>12} {:>12}",
                site,
                c.topic,
                if c.follower_fetching { "yes" } else { "no" },
                ms(&c.end_to_end, c.end_to_end.p50_ms),
                ms(&c.end_to_end, c.end_to_end.p99_ms),
                c.records_consumed
            );
        }
    }
    let d = &o.durability;
    let c = &o.cluster;
    let _ = writeln!(
        s,
        "\nlost acknowledged records: {} ({} bytes, oldest {} s)   unavailable partition-s: {}",
        d.lost_acked_records,
        d.lost_acked_bytes,
        f(d.lost_acked_age_s_max),
        f(c.unavailable_partition_s)
    );
    let _ = writeln!(
        s,
        "ISR shrinks {}  expands {}  leader elections {}  brokers fenced {}  controller elections {}  no quorum {} s",
        c.isr_shrinks,
        c.isr_expands,
        c.leader_elections,
        c.brokers_fenced,
        c.controller_elections,
        f(c.no_quorum_s)
    );
    s
}

/// `report.md`: the verdict and recommendation, the tables of [`markdown`], and
/// the assumptions.
pub fn markdown_report(o: &Outcome, cx: &Context) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", o.scenario);
    let _ = writeln!(
        s,
        "Design `{}`, seed {}, {} s simulated at {} fidelity ({} events). Replay with `{}`.\n",
        o.design, o.seed, o.duration_s, o.fidelity, o.events_processed, cx.replay
    );
    let v = verdict(&o.design, o, cx);
    let _ = writeln!(s, "## Verdict: {}\n\n**{}**\n", v.grade.label(), v.headline);
    for p in &v.points {
        let _ = writeln!(s, "- {p}");
    }
    let _ = writeln!(s, "\nRecommendation:\n");
    for (i, r) in v.recommendations.iter().enumerate() {
        let _ = writeln!(s, "{}. {r}", i + 1);
    }
    s.push('\n');
    let serious: Vec<_> = verdict::findings_for(cx, &o.design)
        .into_iter()
        .filter(|x| x.level != crate::check::Level::Info)
        .collect();
    if !serious.is_empty() {
        let _ = writeln!(s, "Static check (`ktopo check`), errors and warnings:\n");
        for x in serious {
            let _ = writeln!(
                s,
                "- {} `{}` ({}): {}",
                x.level.label(),
                x.code,
                x.subject,
                x.message
            );
        }
        s.push('\n');
    }
    tables(o, &mut s);
    let _ = writeln!(s, "\n## Assumptions\n");
    let nd = non_defaults(cx.scenario);
    if nd.is_empty() {
        let _ = writeln!(s, "Every setting is at its default.\n");
    } else {
        let _ = writeln!(s, "Settings that differ from their defaults:\n");
        let _ = writeln!(s, "| where | key | value | default |");
        let _ = writeln!(s, "|---|---|---|---|");
        for x in &nd {
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} |",
                x.scope, x.key, x.value, x.default
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "Model simplifications that matter here (docs/model.md):\n"
    );
    for x in assumptions::simplifications(cx.scenario, &[(o.design.as_str(), o)]) {
        let _ = writeln!(s, "- **{}**: {} ({})", x.mechanism, x.text, x.section);
    }
    s
}

/// The outcome as Markdown tables, with a title and the seed: everything that
/// needs nothing but the `Outcome` (no verdict, no assumptions).
pub fn markdown(o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", o.scenario);
    let _ = writeln!(
        s,
        "Design `{}`, seed {}, {} s simulated at {} fidelity ({} events). Replay with `ktopo simulate <file> --seed {}`.\n",
        o.design, o.seed, o.duration_s, o.fidelity, o.events_processed, o.seed
    );
    tables(o, &mut s);
    s
}

/// A latency summary's p99, or a dash when it counted nothing.
fn tables(o: &Outcome, s: &mut String) {
    let _ = writeln!(s, "## Produce latency (send to acknowledgement)\n");
    let _ = writeln!(
        s,
        "| site | topic | acks | p50 ms | p99 ms | p99.9 ms | max ms | p99 ms, steady state | accumulator wait p50 ms | accumulator wait p99 ms | sent | acked | retried | rejected | timed out | expired | unavailable | blocked | duplicated | in flight at end |"
    );
    let _ = writeln!(
        s,
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for site in &o.sites {
        for p in &site.produce {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                site.site,
                p.topic,
                p.acks,
                ms(&p.latency, p.latency.p50_ms),
                ms(&p.latency, p.latency.p99_ms),
                ms(&p.latency, p.latency.p999_ms),
                ms(&p.latency, p.latency.max_ms),
                ms(&p.latency_steady, p.latency_steady.p99_ms),
                ms(&p.accumulator_wait, p.accumulator_wait.p50_ms),
                ms(&p.accumulator_wait, p.accumulator_wait.p99_ms),
                p.records_sent,
                p.records_acked,
                p.records_retried,
                p.records_rejected,
                p.records_timed_out,
                p.records_expired,
                p.records_unavailable,
                p.records_blocked,
                p.records_duplicated,
                p.records_in_flight_at_end
            );
        }
    }
    let _ = writeln!(s, "\n## End-to-end latency (produce to consume)\n");
    let _ = writeln!(
        s,
        "| site | topic | follower fetching | p50 ms | p99 ms | p99.9 ms | max ms | p99 ms, steady state | consumed |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|---:|---:|---:|");
    for site in &o.sites {
        for c in &site.consume {
            let l = &c.end_to_end;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                site.site,
                c.topic,
                c.follower_fetching,
                ms(l, l.p50_ms),
                ms(l, l.p99_ms),
                ms(l, l.p999_ms),
                ms(l, l.max_ms),
                ms(&c.end_to_end_steady, c.end_to_end_steady.p99_ms),
                c.records_consumed
            );
        }
    }
    let d = &o.durability;
    let c = &o.cluster;
    let _ = writeln!(s, "\n## Durability and availability\n");
    let _ = writeln!(
        s,
        "- Lost acknowledged records: {} ({} bytes); oldest was {} s old when lost (realized RPO).",
        d.lost_acked_records,
        d.lost_acked_bytes,
        f(d.lost_acked_age_s_max)
    );
    let _ = writeln!(
        s,
        "- Unavailable partition-seconds: {}.",
        f(c.unavailable_partition_s)
    );
    let _ = writeln!(
        s,
        "- ISR shrinks {}, expands {}; leader elections {}; brokers fenced {}; controller elections {}; time without a controller quorum {} s; metadata commits {}.",
        c.isr_shrinks,
        c.isr_expands,
        c.leader_elections,
        c.brokers_fenced,
        c.controller_elections,
        f(c.no_quorum_s),
        c.metadata_commits
    );
    if !o.faults.is_empty() {
        let _ = writeln!(s, "\n## Faults\n");
        let _ = writeln!(
            s,
            "| # | kind | subject | from s | to s | unavailable partition-s (to end + 60 s) | lost acked records | produce p99 ms (same window) | send() to acknowledgement p99 ms (same window) | end-to-end p99 ms (same window) |"
        );
        let _ = writeln!(s, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for ft in &o.faults {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                ft.index,
                ft.kind,
                ft.subject,
                f(ft.at_s),
                f(ft.end_s),
                f(ft.unavailable_partition_s),
                ft.lost_acked_records,
                ms(&ft.produce_latency, ft.produce_latency.p99_ms),
                ms(&ft.delivery_latency, ft.delivery_latency.p99_ms),
                ms(&ft.end_to_end_latency, ft.end_to_end_latency.p99_ms)
            );
        }
    }
    // The threads' busy share is in the Brokers table (`io_threads`,
    // `network_threads`); what is left per broker is the queue and the stalls.
    if !o.request_handling.is_empty() {
        let _ = writeln!(s, "\n## Request queues and segment rolls (per broker)\n");
        let _ = writeln!(
            s,
            "| broker | site | io threads | request queue max | segment rolls |"
        );
        let _ = writeln!(s, "|---:|---|---:|---:|---:|");
        for b in &o.request_handling {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                b.broker, b.site, b.io_threads, b.request_queue_max, b.segment_rolls
            );
        }
    }
    if !o.links.is_empty() {
        let _ = writeln!(s, "\n## Links\n");
        let _ = writeln!(
            s,
            "| from | to | Mbit/s | bytes | mean utilization | max utilization | time above 80 % (s) |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
        for l in &o.links {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                l.from,
                l.to,
                f(l.bandwidth_mbps),
                l.bytes,
                f(l.utilization_mean),
                f(l.utilization_max),
                f(l.above_80pct_s)
            );
        }
    }
    let rows = broker_rows(o);
    if !rows.is_empty() {
        let _ = writeln!(s, "\n## Brokers\n");
        let _ = writeln!(
            s,
            "| site | brokers | resource | capacity (MB/s) | mean busy | peak busy (busiest broker) |"
        );
        let _ = writeln!(s, "|---|---:|---|---:|---:|---:|");
        for r in &rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} (broker {}) |",
                r.site,
                r.brokers,
                r.resource,
                capacity(r.capacity_mb_s),
                f(r.busy_mean),
                f(r.busy_peak),
                r.peak_broker
            );
        }
    }
}

/// A resource's capacity in the brokers' table: MB/s, or "-" for threads
/// (not a byte rate).
pub(crate) fn capacity(mb_s: f64) -> String {
    if mb_s > 0.0 { f(mb_s) } else { "-".into() }
}

/// One row of the brokers' table: a site's brokers' use of one resource.
pub(crate) struct BrokerRow {
    pub site: String,
    pub brokers: usize,
    pub resource: String,
    pub capacity_mb_s: f64,
    /// The mean over the site's brokers of each one's mean.
    pub busy_mean: f64,
    /// The busiest broker's busiest interval.
    pub busy_peak: f64,
    pub peak_broker: u32,
}

/// The per-broker resource use of an outcome, one row per site and resource
/// (a resource added to `ResourceUse` adds its rows here).
pub(crate) fn broker_rows(o: &Outcome) -> Vec<BrokerRow> {
    let mut rows: Vec<BrokerRow> = Vec::new();
    for b in &o.brokers {
        for r in &b.resources {
            let row = match rows
                .iter_mut()
                .position(|x| x.site == b.site && x.resource == r.resource)
            {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(BrokerRow {
                        site: b.site.clone(),
                        brokers: 0,
                        resource: r.resource.clone(),
                        capacity_mb_s: r.capacity_mb_s,
                        busy_mean: 0.0,
                        busy_peak: -1.0,
                        peak_broker: b.broker,
                    });
                    rows.last_mut().expect("pushed")
                }
            };
            row.brokers += 1;
            row.busy_mean += r.busy_mean;
            if r.busy_peak > row.busy_peak {
                row.busy_peak = r.busy_peak;
                row.peak_broker = b.broker;
            }
        }
    }
    for r in &mut rows {
        r.busy_mean = (r.busy_mean / r.brokers.max(1) as f64 * 1000.0).round() / 1000.0;
    }
    rows
}

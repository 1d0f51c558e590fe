//! `report.html`: one self-contained page (inline CSS and SVG, no script, no
//! external asset) that opens from disk and prints readably.
//!
//! Order: verdict and recommendation, comparison table, charts, assumptions.
//! Every string that comes from the scenario or the outcome goes through [`esc`].

use super::assumptions::{Simplification, non_defaults, simplifications};
use super::charts::{self, Mark};
use super::verdict::{Summary, Verdict, findings_for, pct, preferred, verdict};
use super::{Context, f};
use crate::check::Level;
use crate::metrics::{Outcome, SCHEMA_VERSION};
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// Escape text for HTML element content and double- or single-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const CSS: &str = r#"
:root { --fg:#1d232b; --muted:#5b6572; --line:#d5dae1; --bg:#ffffff; --pass:#1f7a3a; --caution:#a15c00; --fail:#b3261e; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 940px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p, li { margin: 4px 0; }
.meta, .note, figcaption, footer { color: var(--muted); font-size: 13px; }
.verdict { border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 4px; padding: 10px 16px; margin: 12px 0; }
.verdict.pass { border-left-color: var(--pass); }
.verdict.caution { border-left-color: var(--caution); }
.verdict.fail { border-left-color: var(--fail); }
.grade { display:inline-block; font-weight:700; text-transform:uppercase; font-size:12px; letter-spacing:.05em; padding:1px 8px; border-radius:3px; color:#fff; background:var(--muted); margin-right:8px; vertical-align: 2px; }
.pass .grade { background: var(--pass); } .caution .grade { background: var(--caution); } .fail .grade { background: var(--fail); }
.headline { font-size: 17px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.level-error { color: var(--fail); font-weight: 600; } .level-warning { color: var(--caution); font-weight: 600; } .level-info { color: var(--muted); }
figure { margin: 14px 0 22px; }
figure svg { display:block; width:100%; height:auto; border:1px solid var(--line); }
ul.legend { list-style:none; padding:0; margin:6px 0 0; display:flex; flex-wrap:wrap; gap:4px 18px; font-size:13px; }
ul.legend li { margin:0; display:flex; align-items:center; gap:6px; }
.mark { display:inline-block; width:22px; height:0; border-top:3px solid var(--c); -webkit-print-color-adjust:exact; print-color-adjust:exact; }
.mark.dashed { border-top:2px dashed var(--c); }
.mark.band { height:12px; border:0; background:var(--c); opacity:.3; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
pre { background:#f3f5f8; padding:8px 10px; border-radius:4px; overflow-x:auto; white-space: pre-wrap; word-break: break-all; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, .verdict { break-inside: avoid; }
  .verdict { border-left-width: 4px; }
  .grade { color: #000; background: none !important; border: 1px solid #000; }
}
"#;

fn num_td(s: &mut String, v: impl std::fmt::Display) {
    let _ = write!(s, r#"<td class="n">{v}</td>"#);
}

fn opt_pct(v: Option<f64>) -> String {
    v.map(|v| format!("{} %", pct(v)))
        .unwrap_or_else(|| "–".into())
}

/// The whole page for one or several designs run on the scenario of `cx`.
pub fn html(designs: &[(&str, &Outcome)], cx: &Context) -> String {
    let sc = cx.scenario;
    let mut s = String::new();
    let title = esc(&sc.name);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ktopo report: {title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
    );
    let _ = writeln!(s, "<header>\n<h1>{title}</h1>");
    if !sc.description.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(&sc.description));
    }
    let names: Vec<String> = designs.iter().map(|(n, _)| esc(n)).collect();
    let first = designs.first().map(|d| d.1);
    let _ = writeln!(
        s,
        "<p class=\"meta\">Design{}: {} · seed {} · {} s simulated at {} fidelity{}</p>\n</header>",
        if designs.len() > 1 { "s" } else { "" },
        names.join(", "),
        sc.seed,
        f(sc.duration_s),
        esc(first.map(|o| o.fidelity.as_str()).unwrap_or("request")),
        first
            .map(|o| format!(" · {} events", o.events_processed))
            .unwrap_or_default()
    );

    // 1. Verdict and recommendation.
    let verdicts: Vec<_> = designs.iter().map(|(n, o)| verdict(n, o, cx)).collect();
    let _ = writeln!(s, "<section id=\"verdict\">\n<h2>Verdict</h2>");
    if let Some((best, why)) = preferred(designs, &verdicts) {
        let _ = writeln!(
            s,
            "<p class=\"headline\">Recommended design: {} — {}.</p>",
            esc(designs[best].0),
            esc(&why)
        );
    }
    for v in &verdicts {
        let _ = writeln!(
            s,
            "<div class=\"verdict {g}\">\n<p class=\"headline\"><span class=\"grade\">{g}</span>{}{}</p>\n<ul>",
            if designs.len() > 1 {
                format!("{}: ", esc(&v.design))
            } else {
                String::new()
            },
            esc(&v.headline),
            g = v.grade.label()
        );
        for p in &v.points {
            let _ = writeln!(s, "<li>{}</li>", esc(p));
        }
        let _ = writeln!(s, "</ul>\n<h3>Recommendation</h3>\n<ol>");
        for r in &v.recommendations {
            let _ = writeln!(s, "<li>{}</li>", esc(r));
        }
        let _ = writeln!(s, "</ol>\n</div>");
    }
    findings_table(
        &mut s,
        cx,
        designs,
        |l| l != Level::Info,
        "Static check (<code>ktopo check</code>): errors and warnings",
    );
    let _ = writeln!(s, "</section>");

    // 2. Comparison table: one column per design.
    comparison(&mut s, designs, &verdicts);

    // 3. Charts.
    let _ = writeln!(s, "<section id=\"charts\">\n<h2>Charts</h2>");
    let figs: [(&str, &str, Option<charts::Rendered>, &str); 6] = [
        (
            "chart-latency-cdf",
            "Produce latency CDF per site: the share of records acknowledged within a given time (send to answer; acks=0 producers have no answers).",
            charts::latency_cdf(designs),
            "No producer had a record acknowledged, so there is no latency to plot.",
        ),
        (
            "chart-hw-lag",
            "High-watermark lag over time: the age of the oldest record a leader holds but the whole ISR does not yet (sampled at each interval's end, largest over partitions). Shaded: fault windows.",
            charts::hw_lag(designs),
            "No timeline was recorded.",
        ),
        (
            "chart-replica-lag",
            "Replica lag over time: records the live replicas lack behind their leaders, summed over partitions (sampled at each interval's end). Shaded: fault windows.",
            charts::replica_lag(designs),
            "No timeline was recorded.",
        ),
        (
            "chart-copy-lag",
            "Cross-cluster copy lag over time (asynchronous designs): the age of the oldest record a copier has not yet made readable at its target (sampled at each interval's end). Shaded: fault windows.",
            charts::copy_lag(designs),
            "No cross-cluster copy: a stretched design replicates inside its cluster (see the replica lag).",
        ),
        (
            "chart-link-utilization",
            "Inter-site link utilization per direction, per timeline interval, against the link's capacity at the time (100 %; a link-degrade fault lowers it). Shaded: fault windows.",
            charts::link_utilization(designs),
            "No traffic crossed an inter-site link (single site, or no link carried data).",
        ),
        (
            "chart-write-availability",
            "Write availability over time: the share of partitions written in an interval that had a record acknowledged. Shaded: fault windows.",
            charts::write_availability(designs),
            "No producer wrote, so write availability is not measured.",
        ),
    ];
    // Distributions the CDF cannot draw as a curve (empty, constant), in words.
    let cdf_notes = charts::latency_cdf_notes(designs);
    for (id, caption, svg, missing) in figs {
        match svg {
            Some(r) => figure(&mut s, id, caption, &r),
            None if id == "chart-latency-cdf" && !cdf_notes.is_empty() => {
                let _ = writeln!(
                    s,
                    "<p class=\"note\" id=\"{id}\">No latency distribution to draw as a curve:</p>"
                );
            }
            None => {
                let _ = writeln!(s, "<p class=\"note\" id=\"{id}\">{}</p>", esc(missing));
            }
        }
        if id == "chart-latency-cdf" && !cdf_notes.is_empty() {
            let _ = writeln!(s, "<ul class=\"note\">");
            for n in &cdf_notes {
                let _ = writeln!(s, "<li>{}</li>", esc(n));
            }
            let _ = writeln!(s, "</ul>");
        }
    }
    // A sweep's charts (each output against each swept parameter) are on its own
    // page, `sweep.html` (`report::sweep_html`), drawn with the same `figure`.
    let _ = writeln!(s, "</section>");

    // 4. Assumptions.
    assumptions(&mut s, designs, cx);

    let _ = writeln!(
        s,
        "<footer><p>Generated by ktopo from the outcome (report.json schema version {SCHEMA_VERSION}) and the scenario; the same scenario and seed give the same page.</p></footer>\n</main>\n</body>\n</html>"
    );
    s
}

/// One chart as a `<figure>`: caption, inline SVG, and the legend below it.
/// `id` must be safe in an attribute (the callers use fixed ASCII ids).
pub(crate) fn figure(s: &mut String, id: &str, caption: &str, r: &charts::Rendered) {
    let _ = writeln!(
        s,
        "<figure class=\"chart\" id=\"{id}\">\n<figcaption>{}</figcaption>\n{}\n<ul class=\"legend\">",
        esc(caption),
        inline_svg(&r.svg, caption)
    );
    for e in &r.legend {
        let mark = match e.mark {
            Mark::Line => "line",
            Mark::Dot => "dot",
            Mark::Dashed => "dashed",
            Mark::Band => "band",
        };
        let _ = writeln!(
            s,
            "<li><span class=\"mark {mark}\" style=\"--c:{}\"></span>{}</li>",
            esc(&e.color),
            esc(&e.label)
        );
    }
    let _ = writeln!(s, "</ul>\n</figure>");
}

/// The start of a page's assumptions section: its heading, the settings of `sc`
/// that differ from their defaults, `note` (HTML, written as is) under them,
/// and the model's `simplifications` as a list. Shared by `report.html` and
/// `sweep.html`; the caller writes the rest of the section and closes it.
pub(crate) fn settings_and_simplifications<'a>(
    s: &mut String,
    sc: &Scenario,
    note: &str,
    simplifications: impl IntoIterator<Item = &'a Simplification>,
) {
    let _ = writeln!(
        s,
        "<section id=\"assumptions\">\n<h2>Assumptions</h2>\n<h3>Settings that differ from their defaults</h3>"
    );
    let nd = non_defaults(sc);
    if nd.is_empty() {
        let _ = writeln!(
            s,
            "<p>None: every setting is at Kafka's (or the model's) default.</p>"
        );
    } else {
        let _ = writeln!(
            s,
            "<table>\n<tr><th>where</th><th>key</th><th>value</th><th>default</th></tr>"
        );
        for x in &nd {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&x.scope),
                esc(&x.key),
                esc(&x.value),
                esc(&x.default)
            );
        }
        let _ = writeln!(s, "</table>");
    }
    let _ = writeln!(
        s,
        "<p class=\"note\">{note}</p>\n<h3>Model simplifications that matter here</h3>\n<ul>"
    );
    for x in simplifications {
        let _ = writeln!(
            s,
            "<li><strong>{}</strong>: {} <span class=\"note\">(docs/model.md, {})</span></li>",
            esc(x.mechanism),
            esc(x.text),
            esc(x.section)
        );
    }
    let _ = writeln!(s, "</ul>");
}

/// The findings of the check whose level passes `keep`, as a table under `title` (HTML).
/// The static findings of the page: all of them on a comparison, a design's own
/// on its report.
fn findings_table(
    s: &mut String,
    cx: &Context,
    designs: &[(&str, &Outcome)],
    keep: impl Fn(Level) -> bool,
    title: &str,
) {
    let shown: Vec<&crate::check::Finding> = match designs {
        [(name, _)] => findings_for(cx, name),
        _ => cx.findings.iter().collect(),
    };
    let rows: Vec<_> = shown.into_iter().filter(|x| keep(x.level)).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<h3>{title}</h3>\n<table>\n<tr><th>level</th><th>code</th><th>subject</th><th>finding</th><th>fix</th></tr>"
    );
    for x in rows {
        let _ = writeln!(
            s,
            "<tr><td class=\"level-{l}\">{l}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(x.code),
            esc(&x.subject),
            esc(&x.message),
            esc(&x.fix),
            l = x.level.label()
        );
    }
    let _ = writeln!(s, "</table>");
}

/// plotters' SVG with an accessible role and label, ready to inline.
pub(super) fn inline_svg(svg: &str, label: &str) -> String {
    let svg = svg.trim();
    let svg = svg
        .strip_prefix("<?xml")
        .and_then(|r| r.find("?>").map(|i| r[i + 2..].trim_start()))
        .unwrap_or(svg);
    match svg.strip_prefix("<svg") {
        Some(rest) => format!("<svg role=\"img\" aria-label=\"{}\"{}", esc(label), rest),
        None => svg.to_string(),
    }
}

fn comparison(s: &mut String, designs: &[(&str, &Outcome)], verdicts: &[Verdict]) {
    let sums: Vec<Summary> = designs.iter().map(|(_, o)| Summary::of(o)).collect();
    let _ = writeln!(
        s,
        "<section id=\"comparison\">\n<h2>Comparison</h2>\n<table>\n<tr><th>metric</th>"
    );
    for (n, _) in designs {
        let _ = write!(s, "<th class=\"n\">{}</th>", esc(n));
    }
    let _ = writeln!(s, "</tr>");
    let mut row = |label: &str, cells: Vec<String>| {
        let _ = write!(s, "<tr><th>{}</th>", esc(label));
        for c in cells {
            num_td(s, esc(&c));
        }
        let _ = writeln!(s, "</tr>");
    };
    row(
        "verdict",
        verdicts
            .iter()
            .map(|v| v.grade.label().to_string())
            .collect(),
    );
    row(
        "lost acknowledged records",
        sums.iter().map(|x| x.lost.to_string()).collect(),
    );
    row("realized RPO, s", sums.iter().map(|x| f(x.rpo_s)).collect());
    row(
        "write availability",
        sums.iter().map(|x| opt_pct(x.availability_pct)).collect(),
    );
    row(
        "longest write disruption, s",
        sums.iter().map(|x| f(x.longest_disruption_s)).collect(),
    );
    row(
        "unavailable partition-s",
        sums.iter().map(|x| f(x.unavailable_partition_s)).collect(),
    );
    // Asynchronous designs: copy lag, recovery per fault, cost.
    let dash = || "–".to_string();
    if designs.iter().any(|(_, o)| o.replication.is_some()) {
        row(
            "replication lag p99, ms",
            designs
                .iter()
                .map(|(_, o)| {
                    o.replication
                        .as_ref()
                        .map_or_else(dash, |r| f(r.lag.p99_ms))
                })
                .collect(),
        );
    }
    let n_faults = designs.first().map_or(0, |(_, o)| o.faults.len());
    for i in 0..n_faults {
        if !designs
            .iter()
            .any(|(_, o)| o.faults.get(i).is_some_and(|x| x.recovery.is_some()))
        {
            continue;
        }
        let fault = &designs[0].1.faults[i];
        let label = format!("fault {i} {} {}", fault.kind, fault.subject);
        let cell = |o: &Outcome, pick: &dyn Fn(&crate::metrics::RecoveryOutcome) -> String| {
            o.faults
                .get(i)
                .and_then(|x| x.recovery.as_ref())
                .map_or_else(dash, pick)
        };
        row(
            &format!("{label}: RTO, s"),
            designs
                .iter()
                .map(|(_, o)| cell(o, &|r| r.rto_s.map_or_else(dash, f)))
                .collect(),
        );
        if designs.iter().any(|(_, o)| {
            o.faults
                .get(i)
                .and_then(|x| x.recovery.as_ref())
                .and_then(|r| r.disrupted_after_end_s)
                .is_some_and(|x| x > 0.0)
        }) {
            row(
                &format!("{label}: writes disrupted after it ended, s"),
                designs
                    .iter()
                    .map(|(_, o)| cell(o, &|r| r.disrupted_after_end_s.map_or_else(dash, f)))
                    .collect(),
            );
        }
        row(
            &format!("{label}: RPO, records / s"),
            designs
                .iter()
                .map(|(_, o)| cell(o, &|r| format!("{} / {}", r.rpo_records, f(r.rpo_s))))
                .collect(),
        );
        row(
            &format!("{label}: duplicates re-read"),
            designs
                .iter()
                .map(|(_, o)| cell(o, &|r| r.duplicates.to_string()))
                .collect(),
        );
        if designs.iter().any(|(_, o)| {
            o.faults
                .get(i)
                .and_then(|x| x.recovery.as_ref())
                .is_some_and(|r| r.duplicates_over_phases.is_some())
        }) {
            row(
                &format!("{label}: re-reads over the clocks' phases, min / mean / max"),
                designs
                    .iter()
                    .map(|(_, o)| {
                        cell(o, &|r| {
                            r.duplicates_over_phases.map_or_else(dash, |p| {
                                format!("{} / {} / {}", p.min, p.mean, p.max)
                            })
                        })
                    })
                    .collect(),
            );
        }
        if designs.iter().any(|(_, o)| {
            o.faults
                .get(i)
                .and_then(|x| x.recovery.as_ref())
                .is_some_and(|r| r.records_never_read > 0)
        }) {
            row(
                &format!("{label}: records never read (auto.offset.reset)"),
                designs
                    .iter()
                    .map(|(_, o)| cell(o, &|r| r.records_never_read.to_string()))
                    .collect(),
            );
        }
    }
    if designs.iter().any(|(_, o)| o.cost.is_some()) {
        row(
            "cost per month, USD",
            designs
                .iter()
                .map(|(_, o)| o.cost.as_ref().map_or_else(dash, |c| f(c.total_usd_month)))
                .collect(),
        );
    }
    // Produce p99 per (site, topic, acks), in the first design's order, then any others.
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for x in &sums {
        for (site, topic, acks, _) in &x.produce_p99 {
            let k = (site.clone(), topic.clone(), acks.clone());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for (site, topic, acks) in &keys {
        row(
            &format!("produce p99, ms: {site} ({topic}, acks={acks})"),
            sums.iter()
                .map(|x| {
                    x.produce_p99
                        .iter()
                        .find(|p| (&p.0, &p.1, &p.2) == (site, topic, acks))
                        .map(|p| f(p.3))
                        .unwrap_or_else(|| "–".into())
                })
                .collect(),
        );
    }
    row(
        "records acknowledged",
        sums.iter().map(|x| x.acked.to_string()).collect(),
    );
    row(
        "records refused / timed out / expired / unavailable / blocked",
        sums.iter()
            .map(|x| {
                format!(
                    "{} / {} / {} / {} / {}",
                    x.rejected, x.timed_out, x.expired, x.unavailable, x.blocked
                )
            })
            .collect(),
    );
    row(
        "largest HW lag, ms",
        sums.iter().map(|x| f(x.hw_lag_ms_max)).collect(),
    );
    row(
        "time without controller quorum, s",
        sums.iter().map(|x| f(x.no_quorum_s)).collect(),
    );
    row(
        "busiest link direction, peak utilization",
        sums.iter()
            .map(|x| {
                x.busiest_link
                    .as_ref()
                    .map(|(a, b, u)| format!("{a} → {b}: {} %", f(u * 100.0)))
                    .unwrap_or_else(|| "–".into())
            })
            .collect(),
    );
    row(
        "ISR shrinks / leader elections / controller elections",
        designs
            .iter()
            .map(|(_, o)| {
                format!(
                    "{} / {} / {}",
                    o.cluster.isr_shrinks,
                    o.cluster.leader_elections,
                    o.cluster.controller_elections
                )
            })
            .collect(),
    );
    let _ = writeln!(s, "</table>");

    for (name, o) in designs {
        let _ = writeln!(
            s,
            "<h3>Producers{}</h3>\n<table>\n<tr><th>site</th><th>topic</th><th>acks</th><th class=\"n\">p50 ms</th><th class=\"n\">p99 ms</th><th class=\"n\">p99.9 ms</th><th class=\"n\">max ms</th><th class=\"n\">p99 ms, steady state</th><th class=\"n\">accumulator wait p50 ms</th><th class=\"n\">accumulator wait p99 ms</th><th class=\"n\">sent</th><th class=\"n\">acked</th><th class=\"n\">retried</th><th class=\"n\">refused</th><th class=\"n\">timed out</th><th class=\"n\">expired</th><th class=\"n\">unavailable</th><th class=\"n\">blocked</th></tr>",
            if designs.len() > 1 {
                format!(": {}", esc(name))
            } else {
                String::new()
            }
        );
        for site in &o.sites {
            for p in &site.produce {
                let l = &p.latency;
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td>",
                    esc(&site.site),
                    esc(&p.topic),
                    esc(&p.acks)
                );
                for v in [l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms] {
                    num_td(s, f(v));
                }
                num_td(s, steady_p99(&p.latency_steady));
                let w = &p.accumulator_wait;
                for v in [w.p50_ms, w.p99_ms] {
                    num_td(
                        s,
                        if w.count == 0 {
                            "–".to_string()
                        } else {
                            f(v)
                        },
                    );
                }
                for v in [
                    p.records_sent,
                    p.records_acked,
                    p.records_retried,
                    p.records_rejected,
                    p.records_timed_out,
                    p.records_expired,
                    p.records_unavailable,
                    p.records_blocked,
                ] {
                    num_td(s, v);
                }
                let _ = writeln!(s, "</tr>");
            }
        }
        let _ = writeln!(s, "</table>");
        let consumers: Vec<_> = o
            .sites
            .iter()
            .flat_map(|x| x.consume.iter().map(move |c| (&x.site, c)))
            .collect();
        if !consumers.is_empty() {
            let _ = writeln!(
                s,
                "<h3>Consumers{}</h3>\n<table>\n<tr><th>site</th><th>topic</th><th>follower fetching</th><th class=\"n\">end-to-end p50 ms</th><th class=\"n\">p99 ms</th><th class=\"n\">p99.9 ms</th><th class=\"n\">max ms</th><th class=\"n\">p99 ms, steady state</th><th class=\"n\">consumed</th></tr>",
                if designs.len() > 1 {
                    format!(": {}", esc(name))
                } else {
                    String::new()
                }
            );
            for (site, c) in consumers {
                let l = &c.end_to_end;
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td>",
                    esc(site),
                    esc(&c.topic),
                    if c.follower_fetching { "yes" } else { "no" }
                );
                for v in [l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms] {
                    num_td(s, f(v));
                }
                num_td(s, steady_p99(&c.end_to_end_steady));
                num_td(s, c.records_consumed);
                let _ = writeln!(s, "</tr>");
            }
            let _ = writeln!(s, "</table>");
        }
        if !o.faults.is_empty() {
            let _ = writeln!(
                s,
                "<h3>Faults{}</h3>\n<table>\n<tr><th class=\"n\">#</th><th>kind</th><th>subject</th><th class=\"n\">from s</th><th class=\"n\">to s</th><th class=\"n\">unavailable partition-s (to end + 60 s)</th><th class=\"n\">lost acked records</th><th class=\"n\">produce p99 ms (start to end + 60 s)</th><th class=\"n\">send() to acknowledgement p99 ms (same window)</th><th class=\"n\">end-to-end p99 ms (same window)</th></tr>",
                if designs.len() > 1 {
                    format!(": {}", esc(name))
                } else {
                    String::new()
                }
            );
            for ft in &o.faults {
                let _ = write!(s, "<tr>");
                num_td(s, ft.index);
                let _ = write!(s, "<td>{}</td><td>{}</td>", esc(&ft.kind), esc(&ft.subject));
                num_td(s, f(ft.at_s));
                num_td(s, f(ft.end_s));
                num_td(s, f(ft.unavailable_partition_s));
                num_td(s, ft.lost_acked_records);
                num_td(
                    s,
                    if ft.produce_latency.count > 0 {
                        f(ft.produce_latency.p99_ms)
                    } else {
                        "–".into()
                    },
                );
                num_td(s, steady_p99(&ft.delivery_latency));
                num_td(s, steady_p99(&ft.end_to_end_latency));
                let _ = writeln!(s, "</tr>");
            }
            let _ = writeln!(s, "</table>");
        }
        if !o.links.is_empty() {
            let _ = writeln!(
                s,
                "<h3>Links{}</h3>\n<table>\n<tr><th>from</th><th>to</th><th class=\"n\">Mbit/s</th><th class=\"n\">bytes</th><th class=\"n\">mean utilization</th><th class=\"n\">max utilization</th><th class=\"n\">time above 80 %, s</th></tr>",
                if designs.len() > 1 {
                    format!(": {}", esc(name))
                } else {
                    String::new()
                }
            );
            for l in &o.links {
                let _ = write!(s, "<tr><td>{}</td><td>{}</td>", esc(&l.from), esc(&l.to));
                num_td(s, f(l.bandwidth_mbps));
                num_td(s, l.bytes);
                num_td(s, f(l.utilization_mean));
                num_td(s, f(l.utilization_max));
                num_td(s, f(l.above_80pct_s));
                let _ = writeln!(s, "</tr>");
            }
            let _ = writeln!(s, "</table>");
        }
        let rows = super::broker_rows(o);
        if !rows.is_empty() {
            let _ = writeln!(
                s,
                "<h3>Brokers{}</h3>\n<table>\n<tr><th>site</th><th class=\"n\">brokers</th><th>resource</th><th class=\"n\">capacity, MB/s</th><th class=\"n\">mean busy</th><th class=\"n\">peak busy</th><th class=\"n\">busiest broker</th></tr>",
                if designs.len() > 1 {
                    format!(": {}", esc(name))
                } else {
                    String::new()
                }
            );
            for r in &rows {
                let _ = write!(s, "<tr><td>{}</td>", esc(&r.site));
                num_td(s, r.brokers);
                let _ = write!(s, "<td>{}</td>", esc(&r.resource));
                num_td(s, super::capacity(r.capacity_mb_s));
                num_td(s, f(r.busy_mean));
                num_td(s, f(r.busy_peak));
                num_td(s, r.peak_broker);
                let _ = writeln!(s, "</tr>");
            }
            let _ = writeln!(s, "</table>");
        }
    }
    let _ = writeln!(s, "</section>");
}

fn assumptions(s: &mut String, designs: &[(&str, &Outcome)], cx: &Context) {
    let sc = cx.scenario;
    settings_and_simplifications(
        s,
        sc,
        "Every other setting is at its default (docs/scenario.md lists them). Sites, brokers, links, topics, rates and faults are the scenario itself.",
        simplifications(sc, designs),
    );
    findings_table(
        s,
        cx,
        designs,
        |l| l == Level::Info,
        "Static check notes (<code>ktopo check</code>, level info)",
    );
    let _ = writeln!(
        s,
        "<h3>Replay</h3>\n<p>Seed {}. This command reproduces the run exactly (same scenario file, same seed, same report):</p>\n<pre><code>{}</code></pre>\n</section>",
        sc.seed,
        esc(&cx.replay)
    );
}

/// A latency summary's p99, or a dash when it counted nothing.
fn steady_p99(l: &crate::metrics::LatencySummary) -> String {
    if l.count > 0 {
        f(l.p99_ms)
    } else {
        "–".into()
    }
}

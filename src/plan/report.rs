//! `plan.{json,md,html}`: the ranked candidates, each objective met or missed
//! and by how much, why each rejected candidate is out.

use super::{CandidateResult, Plan};
use crate::report::charts::{self, Chart, Series};
use crate::report::{CSS, esc, figure, safe_name, write_atomic};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |v| format!("{v}{unit}"))
}

fn controllers(c: &CandidateResult) -> String {
    c.controllers
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{s}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A figure's worst case over the candidate's cases, bold with ✗ when it
/// misses its objective.
fn worst(c: &CandidateResult, key: &str) -> String {
    if let Some(o) = c.objectives.iter().find(|o| o.objective == key)
        && o.met == Some(false)
    {
        let v = o.detail.clone().unwrap_or_else(|| opt(o.actual, ""));
        return format!("**{v}** ✗");
    }
    // --runs: the draws' 95th percentile (5th for availability).
    if let Some(d) = &c.draws {
        let q = |x: &crate::montecarlo::Dist| {
            if key == "write_availability_pct" {
                None
            } else {
                Some(x.p95)
            }
        };
        if let Some(o) = c.objectives.iter().find(|o| o.objective == key) {
            return opt(o.actual, "");
        }
        return opt(d.get(key).and_then(|x| x.as_ref()).and_then(q), "");
    }
    opt(worst_value(c, key), "")
}

/// `--runs`: per ranked candidate and figure, the cells after its name:
/// figure, mean, p50, p95, p99, ci95 of the mean, share of draws meeting the
/// figure's objective.
fn draw_rows(p: &Plan) -> Vec<(&str, Vec<String>)> {
    let mut rows = Vec::new();
    for c in p.candidates.iter().filter(|c| c.rank.is_some()) {
        for (k, d) in c.draws.iter().flatten() {
            let Some(d) = d else { continue };
            let share = c
                .objectives
                .iter()
                .find(|o| o.objective == *k)
                .and_then(|o| o.met_share)
                .map_or("–".into(), |x| format!("{:.1} %", x * 100.0));
            rows.push((
                c.name.as_str(),
                vec![
                    k.to_string(),
                    d.mean.to_string(),
                    d.p50.to_string(),
                    d.p95.to_string(),
                    d.p99.to_string(),
                    format!("{} – {}", d.ci95[0], d.ci95[1]),
                    share,
                ],
            ));
        }
    }
    rows
}

/// A figure's worst case over the candidate's cases: the highest, or for
/// availability the lowest; None when no case measured it.
fn worst_value(c: &CandidateResult, key: &str) -> Option<f64> {
    let vals = c.cases.iter().filter_map(|r| match key {
        "rpo_s" => Some(r.rpo_s),
        "rto_s" => r.rto_s,
        "produce_p99_ms" => r.produce_p99_ms,
        "write_availability_pct" => r.write_availability_pct,
        _ => None,
    });
    if key == "write_availability_pct" {
        vals.reduce(f64::min)
    } else {
        vals.reduce(f64::max)
    }
}

/// A scatter of the simulated candidates, one series per family and the
/// recommended candidate on its own (drawn last, on top): `x` and `y` are
/// figures (`worst_value` keys, or `cost_usd_month`). None when no candidate
/// has both.
fn trade_off(p: &Plan, x: (&str, &str), y: (&str, &str)) -> Option<charts::Rendered> {
    let value = |c: &CandidateResult, key: &str| match key {
        "cost_usd_month" => c.cost_usd_month,
        k => worst_value(c, k),
    };
    let point = |c: &CandidateResult| Some((value(c, x.0)?, value(c, y.0)?));
    let ranked: Vec<&CandidateResult> = p.candidates.iter().filter(|c| c.rank.is_some()).collect();
    let mut series = Vec::new();
    let mut families: Vec<&str> = Vec::new();
    for c in &ranked {
        if !families.contains(&c.family) {
            families.push(c.family);
        }
    }
    for f in families {
        let points: Vec<_> = ranked
            .iter()
            .filter(|c| c.family == f && c.status != "recommended")
            .filter_map(|c| point(c))
            .flat_map(|p| [Some(p), None])
            .collect();
        if !points.is_empty() {
            series.push(Series {
                label: format!("{f} ({})", points.len() / 2),
                points,
            });
        }
    }
    if let Some(c) = ranked.iter().find(|c| c.status == "recommended")
        && let Some(pt) = point(c)
    {
        series.push(Series {
            label: format!("recommended: {}", c.name),
            points: vec![Some(pt)],
        });
    }
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied())
        .collect();
    if all.is_empty() {
        return None;
    }
    let top = |m: f64| {
        if m > 0.0 {
            charts::nice_ceil(m * 1.1)
        } else {
            1.0
        }
    };
    charts::render(&Chart {
        x_desc: x.1.to_string(),
        y_desc: y.1.to_string(),
        x: (0.0, top(all.iter().map(|p| p.0).fold(0.0, f64::max))),
        y: (0.0, top(all.iter().map(|p| p.1).fold(0.0, f64::max))),
        log_x: false,
        series,
        bands: Vec::new(),
        dashed: Vec::new(),
        markers: true,
        x_labels: None,
        coarse_grid: false,
        x_ticks: None,
    })
}

/// The trade-off charts of `plan.html`: what a candidate loses against how
/// fast it acknowledges, and what it costs against what it loses.
fn trade_off_charts(s: &mut String, p: &Plan) {
    let _ = writeln!(s, "<h2>Trade-offs</h2>");
    let _ = writeln!(
        s,
        "<p class=\"note\">Each dot is a simulated candidate at its worst case over the fault cases, coloured by family; the table above names them.</p>"
    );
    let charts = [
        (
            "rpo-p99",
            "RPO against produce p99",
            ("produce_p99_ms", "produce p99, worst case (ms)"),
            ("rpo_s", "RPO, worst case (s)"),
        ),
        (
            "cost-rpo",
            "Cost against RPO",
            ("rpo_s", "RPO, worst case (s)"),
            ("cost_usd_month", "cost (USD/month)"),
        ),
    ];
    for (id, caption, x, y) in charts {
        match trade_off(p, x, y) {
            Some(r) => figure(s, id, caption, &r),
            None => {
                let _ = writeln!(
                    s,
                    "<p class=\"note\">{caption}: no simulated candidate measured both figures.</p>"
                );
            }
        }
    }
}

/// What a partial plan lacks (Ctrl-C, or `ktopo merge --allow-partial`), or
/// None (top of `plan.md` and `plan.html`).
pub fn partial_note(p: &Plan) -> Option<String> {
    let part = p.partial.as_ref()?;
    let mut names: Vec<&str> = Vec::new();
    for m in &part.missing_runs {
        if !names.contains(&m.candidate.as_str()) {
            names.push(&m.candidate);
        }
    }
    let list: Vec<String> = part
        .missing_runs
        .iter()
        .map(|m| m.index.to_string())
        .collect();
    Some(format!(
        "Partial plan ({}): {} of {} runs present; runs {} are missing, of {} candidate(s) ({}), which are `unfinished` and not ranked. The recommendation is among the candidates whose every run finished.",
        part.cause,
        part.runs_present,
        p.runs,
        list.join(", "),
        names.len(),
        names.join(", ")
    ))
}

/// `plan.md`.
pub fn markdown(p: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Plan: {}\n", p.scenario);
    match &p.recommended {
        Some(r) => {
            let _ = writeln!(s, "**Recommended: {r}** — {}.\n", p.recommendation);
        }
        None => {
            let _ = writeln!(
                s,
                "**No candidate meets every objective** — {}.\n",
                p.recommendation
            );
        }
    }
    if let Some(note) = partial_note(p) {
        let _ = writeln!(s, "**{note}**\n");
    }
    let cases: Vec<&str> = p.cases.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(
        s,
        "{} runs: every simulated candidate under the same cases ({}), seed {}.\n",
        p.runs,
        cases.join(", "),
        p.seed
    );
    if let Some(note) = partial_note(p) {
        let _ = writeln!(s, "**{note}**\n");
    }
    if let Some(mc) = &p.monte_carlo {
        let _ = writeln!(
            s,
            "Monte Carlo: {} draws, the same for every candidate (seeds, ranges, fault times); faults: {}. An objective is met when at least {:.0} % of the draws meet it; the table shows the draws' 95th percentile of each figure's worst case (5th for availability). Regret: {}.\n",
            mc.runs,
            mc.fault_time,
            mc.meet_share * 100.0,
            mc.regret
        );
    }
    let _ = writeln!(
        s,
        "| rank | candidate | family | RF / minISR | controllers | RPO s | RTO s | p99 ms | availability % | regret s | cost USD/month | status |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    for c in p.candidates.iter().filter(|c| c.rank.is_some()) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} / {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.rank.unwrap_or(0),
            c.name,
            c.family,
            c.replication_factor,
            c.min_insync_replicas,
            controllers(c),
            worst(c, "rpo_s"),
            worst(c, "rto_s"),
            worst(c, "produce_p99_ms"),
            worst(c, "write_availability_pct"),
            opt(c.regret_s, ""),
            opt(c.cost_usd_month.map(|v| v.round()), ""),
            c.status
        );
    }
    let _ = writeln!(
        s,
        "\nFigures are each objective's worst case; ✗ marks a miss.\n"
    );
    if p.monte_carlo.is_some() {
        let _ = writeln!(
            s,
            "Over the draws (each figure's worst case per draw):\n\n| candidate | figure | mean | p50 | p95 | p99 | ci95 of the mean | objective met in |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for (name, row) in draw_rows(p) {
            let _ = writeln!(s, "| {name} | {} |", row.join(" | "));
        }
        s.push('\n');
    }
    for c in &p.candidates {
        if let Some(links) = &c.link_sizing {
            let _ = writeln!(
                s,
                "Links of {}, sized by simulation (`ktopo size-link`):\n",
                c.name
            );
            for l in links {
                let set: Vec<String> = l
                    .settings
                    .iter()
                    .map(|(k, v)| format!("`{k}` = {v}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "- {}: {} Mbit/s (binding: {}; peak wire rate {} Mbit/s; {} runs), with {}",
                    l.link,
                    l.bandwidth_mbps,
                    l.binding,
                    l.peak_wire_mbps,
                    l.runs,
                    set.join(", ")
                );
            }
            let _ = writeln!(s);
        }
    }
    let _ = writeln!(s, "## Why the others are out\n");
    for c in p.candidates.iter().filter(|c| !c.why.is_empty()) {
        let _ = writeln!(s, "- **{}** ({}):", c.name, c.status);
        for w in &c.why {
            let _ = writeln!(s, "  - {w}");
        }
    }
    if !p.unmet.is_empty() {
        let _ = writeln!(s, "\n## Objectives no candidate meets\n");
        for u in &p.unmet {
            let near: Vec<String> = u
                .nearest
                .iter()
                .map(|n| {
                    format!(
                        "{} ({} in {})",
                        n.candidate,
                        opt(n.actual, ""),
                        n.case.clone().unwrap_or_default()
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "- `{}` {}: nearest {}",
                u.objective,
                u.bound,
                near.join(", ")
            );
        }
    }
    let _ = writeln!(
        s,
        "\nEach candidate's complete scenario is in plan.json (`candidates[].scenario`): save it and run `ktopo simulate` to see its full report."
    );
    s
}

/// `plan.html`: the same content, self-contained.
pub fn html(p: &Plan) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ktopo plan: {}</title>\n<style>{CSS}main{{max-width:1200px}}.mark.dot{{width:9px;height:9px;border:0;border-radius:50%;background:var(--c)}}.miss{{color:var(--fail);font-weight:bold}}.rec{{background:#e8f5e9}}</style>\n</head>\n<body>\n<main>\n<h1>Plan: {}</h1>\n",
        esc(&p.scenario),
        esc(&p.scenario)
    );
    match &p.recommended {
        Some(r) => {
            let _ = writeln!(
                s,
                "<p><strong>Recommended: {}</strong> — {}.</p>",
                esc(r),
                esc(&p.recommendation)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "<p><strong>No candidate meets every objective</strong> — {}.</p>",
                esc(&p.recommendation)
            );
        }
    }
    if let Some(note) = partial_note(p) {
        let _ = writeln!(s, "<p class=\"note\"><strong>{}</strong></p>", esc(&note));
    }
    let _ = writeln!(
        s,
        "<table>\n<tr><th>rank</th><th>candidate</th><th>family</th><th>RF / minISR</th><th>controllers</th><th>RPO s</th><th>RTO s</th><th>p99 ms</th><th>availability %</th><th>regret s</th><th>cost USD/month</th><th>status</th></tr>"
    );
    let cell = |c: &CandidateResult, k: &str| {
        let w = worst(c, k);
        if let Some(v) = w.strip_prefix("**") {
            format!(
                "<td class=\"miss\">{}</td>",
                esc(v.trim_end_matches(" ✗").trim_end_matches("**"))
            )
        } else {
            format!("<td>{}</td>", esc(&w))
        }
    };
    for c in p.candidates.iter().filter(|c| c.rank.is_some()) {
        let _ = writeln!(
            s,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td>{}{}{}{}<td>{}</td><td>{}</td><td>{}</td></tr>",
            if c.status == "recommended" {
                " class=\"rec\""
            } else {
                ""
            },
            c.rank.unwrap_or(0),
            esc(&c.name),
            c.family,
            c.replication_factor,
            c.min_insync_replicas,
            esc(&controllers(c)),
            cell(c, "rpo_s"),
            cell(c, "rto_s"),
            cell(c, "produce_p99_ms"),
            cell(c, "write_availability_pct"),
            opt(c.regret_s, ""),
            opt(c.cost_usd_month.map(|v| v.round()), ""),
            c.status
        );
    }
    let _ = writeln!(s, "</table>");
    trade_off_charts(&mut s, p);
    if let Some(mc) = &p.monte_carlo {
        let _ = writeln!(
            s,
            "<h2>Over the draws</h2>\n<p>{} draws, the same for every candidate; faults: {}. An objective is met when at least {:.0} % of the draws meet it; the table above shows the draws' 95th percentile (5th for availability). Regret: {}.</p>\n<table>\n<tr><th>candidate</th><th>figure</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>ci95 of the mean</th><th>objective met in</th></tr>",
            mc.runs,
            esc(mc.fault_time),
            mc.meet_share * 100.0,
            esc(mc.regret)
        );
        for (name, row) in draw_rows(p) {
            let cells: Vec<String> = row.iter().map(|c| format!("<td>{}</td>", esc(c))).collect();
            let _ = writeln!(s, "<tr><td>{}</td>{}</tr>", esc(name), cells.concat());
        }
        let _ = writeln!(s, "</table>");
    }
    let _ = writeln!(s, "<h2>Why the others are out</h2>\n<ul>");
    for c in p.candidates.iter().filter(|c| !c.why.is_empty()) {
        let _ = writeln!(
            s,
            "<li><strong>{}</strong> ({})<ul>",
            esc(&c.name),
            c.status
        );
        for w in &c.why {
            let _ = writeln!(s, "<li>{}</li>", esc(w));
        }
        let _ = writeln!(s, "</ul></li>");
    }
    let _ = writeln!(s, "</ul>");
    if !p.unmet.is_empty() {
        let _ = writeln!(s, "<h2>Objectives no candidate meets</h2>\n<ul>");
        for u in &p.unmet {
            let near: Vec<String> = u
                .nearest
                .iter()
                .map(|n| format!("{} ({})", n.candidate, opt(n.actual, "")))
                .collect();
            let _ = writeln!(
                s,
                "<li><code>{}</code> {}: nearest {}</li>",
                u.objective,
                esc(&u.bound),
                esc(&near.join(", "))
            );
        }
        let _ = writeln!(s, "</ul>");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// Write `plan.{json,md,html}` under `<out>/<safe scenario name>/`.
pub fn write(p: &Plan, out: &Path) -> io::Result<PathBuf> {
    let dir = out.join(safe_name(&p.scenario));
    std::fs::create_dir_all(&dir)?;
    write_atomic(&dir.join("plan.json"), &to_json(p))?;
    write_atomic(&dir.join("plan.md"), &markdown(p))?;
    write_atomic(&dir.join("plan.html"), &html(p))?;
    Ok(dir)
}

/// `plan.json`.
pub fn to_json(p: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}

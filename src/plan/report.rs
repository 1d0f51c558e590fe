//! `plan.{json,md,html}`: the ranked candidates, each objective met or missed
//! and by how much, why each rejected candidate is out.

use super::{CandidateResult, Plan};
use crate::report::{esc, safe_name, write_atomic};
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
    let vals = c.cases.iter().filter_map(|r| match key {
        "rpo_s" => Some(r.rpo_s),
        "rto_s" => r.rto_s,
        "produce_p99_ms" => r.produce_p99_ms,
        "write_availability_pct" => r.write_availability_pct,
        _ => None,
    });
    let w = if key == "write_availability_pct" {
        vals.reduce(f64::min)
    } else {
        vals.reduce(f64::max)
    };
    opt(w, "")
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
    let cases: Vec<&str> = p.cases.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(
        s,
        "{} runs: every simulated candidate under the same cases ({}), seed {}.\n",
        p.runs,
        cases.join(", "),
        p.seed
    );
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
        for c in p.candidates.iter().filter(|c| c.rank.is_some()) {
            for (k, d) in c.draws.iter().flatten() {
                let Some(d) = d else { continue };
                let share = c
                    .objectives
                    .iter()
                    .find(|o| o.objective == *k)
                    .and_then(|o| o.met_share)
                    .map_or("–".into(), |x| format!("{:.1} %", x * 100.0));
                let _ = writeln!(
                    s,
                    "| {} | {k} | {} | {} | {} | {} | {} – {} | {share} |",
                    c.name, d.mean, d.p50, d.p95, d.p99, d.ci95[0], d.ci95[1]
                );
            }
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
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ktopo plan: {}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25em .5em;text-align:left}}.miss{{color:#b00;font-weight:bold}}.rec{{background:#e8f5e9}}</style>\n</head>\n<body>\n<h1>Plan: {}</h1>\n",
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
    if let Some(mc) = &p.monte_carlo {
        let _ = writeln!(
            s,
            "<h2>Over the draws</h2>\n<p>{} draws, the same for every candidate; faults: {}. An objective is met when at least {:.0} % of the draws meet it; the table above shows the draws' 95th percentile (5th for availability). Regret: {}.</p>\n<table>\n<tr><th>candidate</th><th>figure</th><th>mean</th><th>p50</th><th>p95</th><th>p99</th><th>ci95 of the mean</th><th>objective met in</th></tr>",
            mc.runs,
            esc(mc.fault_time),
            mc.meet_share * 100.0,
            esc(mc.regret)
        );
        for c in p.candidates.iter().filter(|c| c.rank.is_some()) {
            for (k, d) in c.draws.iter().flatten() {
                let Some(d) = d else { continue };
                let share = c
                    .objectives
                    .iter()
                    .find(|o| o.objective == *k)
                    .and_then(|o| o.met_share)
                    .map_or("–".into(), |x| format!("{:.1} %", x * 100.0));
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{k}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{share}</td></tr>",
                    esc(&c.name),
                    d.mean,
                    d.p50,
                    d.p95,
                    d.p99,
                    d.ci95[0],
                    d.ci95[1]
                );
            }
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
    s.push_str("</body>\n</html>\n");
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

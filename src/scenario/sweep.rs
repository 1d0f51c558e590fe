//! Parameter sweeps: the variants of a scenario, each with some keys set to
//! other values.
//!
//! A sweep names scenario keys (`link[dc1-dc2].rtt_ms`,
//! `topic[orders]."min.insync.replicas"`) and their values, in the file's
//! `[sweep]` table and/or on the command line. Every combination of values is a
//! variant. A variant is the file's parsed TOML document with those values put
//! in place, then read exactly as a scenario file is (the schema walk, serde,
//! `validate`), so a variant gets the usual diagnostics, located in the file and
//! labelled with the variant. Every problem of every variant is reported at once.
//!
//! Key syntax (see docs/scenario.md, "[sweep]"): dotted segments as in the
//! diagnostics' key paths; a Kafka property name in double quotes, or unquoted
//! when the dotted words spell a known key; list elements by index (`link[0]`) or
//! by name (`site[dc1]`, `topic[orders]`, `design[mm2]`, `link[dc1-dc2]`, either
//! order, also `dc1<->dc2` or `dc1,dc2`; a name in quotes, `topic["0"]`, when it
//! looks like an index or holds `]`).

use super::diag::{self, Field, ROOT, TableSchema, Ty};
use super::{Diagnostic, Locator, Scenario, SweepValue, parse_doc, parse_toml, sort};
use serde::Serialize;
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// Most runs one sweep may ask for (variants × seeds × designs).
pub const MAX_RUNS: usize = 10_000;

/// Where a parameter was declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamSource {
    File,
    CommandLine,
}

/// One swept key with its values, resolved against the file.
#[derive(Clone, Debug, Serialize)]
pub struct SweepParam {
    /// The key as written.
    pub key: String,
    /// The key path of the diagnostics, elements by index: `link[0].rtt_ms`.
    pub path: String,
    pub values: Vec<SweepValue>,
    pub source: ParamSource,
}

/// One combination of values, validated.
#[derive(Clone, Debug)]
pub struct SweepVariant {
    pub index: usize,
    /// Index into each parameter's `values`, in parameter order.
    pub choice: Vec<usize>,
    pub scenario: Scenario,
}

/// Everything a sweep runs: the scenario as written, the parameters, and every
/// variant (the cartesian product, the first parameter varying slowest).
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// The file as written, `[sweep]` not applied (`--seed` applied).
    pub base: Scenario,
    pub parameters: Vec<SweepParam>,
    /// Runs per variant, with seeds `seed`, `seed + 1`, …
    pub seeds: u32,
    /// `--runs N`: each variant is drawn N times (the Monte Carlo draws of
    /// the file's ranges, `montecarlo::draw`) instead of run with `seeds`
    /// seeds (which is then 1).
    pub draws: Option<usize>,
    pub variants: Vec<SweepVariant>,
}

impl SweepPlan {
    /// Simulation runs: variants × seeds (or draws) × designs (a file without
    /// designs is one).
    pub fn runs(&self) -> usize {
        self.variants.len() * self.repeats() * self.base.design.len().max(1)
    }

    /// Runs of each (variant, design): its draws with `--runs N`, else its seeds.
    pub fn repeats(&self) -> usize {
        self.draws.unwrap_or(self.seeds as usize)
    }

    /// `key = value, key = value` of a variant, as TOML.
    pub fn describe(&self, v: &SweepVariant) -> String {
        self.parameters
            .iter()
            .zip(&v.choice)
            .map(|(p, &c)| format!("{} = {}", p.key, toml_value(&p.values[c])))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A `--param` argument: `KEY=V1,V2,…` or `KEY=FROM..TO:STEP`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamArg {
    /// The whole argument, for messages.
    pub text: String,
    pub key: String,
    pub values: ArgValues,
}

/// The values of a `--param`, read by the key's type once it is resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValues {
    List(Vec<String>),
    Range { from: f64, to: f64, step: f64 },
}

/// What a sweep takes besides the file.
#[derive(Clone, Debug, Default)]
pub struct SweepArgs {
    /// `--param`: replaces a file parameter of the same key, or adds one.
    pub params: Vec<ParamArg>,
    /// `--seeds`: runs per variant (default `[sweep] seeds`, else 1).
    pub seeds: Option<u32>,
    /// `--seed`: the first seed of every variant (unless `seed` is swept).
    pub seed: Option<u64>,
    /// `--runs N`: N Monte Carlo draws of the file's ranges per variant and
    /// design, in place of the seeds (refused with more than one seed).
    pub runs: Option<usize>,
}

/// Parse a `--param` argument. Values are split at commas outside double
/// quotes; `FROM..TO:STEP` is an inclusive range.
pub fn parse_param_arg(s: &str) -> Result<ParamArg, String> {
    let mut depth = 0i32;
    let mut quoted = false;
    let mut prev = ' ';
    let mut eq = None;
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            '=' if !quoted && depth == 0 => {
                eq = Some(i);
                break;
            }
            _ => {}
        }
        prev = c;
    }
    let Some(eq) = eq else {
        return Err(format!("`{s}`: expected KEY=V1,V2,… or KEY=FROM..TO:STEP"));
    };
    let key = s[..eq].trim();
    let rest = s[eq + 1..].trim();
    if key.is_empty() {
        return Err(format!("`{s}`: the key is empty"));
    }
    if rest.is_empty() {
        return Err(format!("`{s}`: no values after `=`"));
    }
    let values = if !rest.starts_with('"') && rest.contains("..") {
        let (range, step) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{s}`: a range needs a step: FROM..TO:STEP, e.g. 5..40:5"))?;
        let (from, to) = range
            .split_once("..")
            .ok_or_else(|| format!("`{s}`: expected FROM..TO:STEP"))?;
        let num = |x: &str| {
            x.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}`: `{}` is not a number", x.trim()))
        };
        ArgValues::Range {
            from: num(from)?,
            to: num(to)?,
            step: num(step)?,
        }
    } else {
        let mut items = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut prev = ' ';
        for c in rest.chars() {
            match c {
                '"' if prev != '\\' => {
                    quoted = !quoted;
                    cur.push(c);
                }
                ',' if !quoted => items.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
            prev = c;
        }
        items.push(cur);
        if quoted {
            return Err(format!("`{s}`: a double quote is not closed"));
        }
        let items: Vec<String> = items.iter().map(|x| x.trim().to_string()).collect();
        if items.iter().any(String::is_empty) {
            return Err(format!("`{s}`: an empty value (two commas in a row?)"));
        }
        ArgValues::List(items)
    };
    Ok(ParamArg {
        text: s.to_string(),
        key: key.to_string(),
        values,
    })
}

/// A value as TOML: `5`, `2.5`, `"all"`, `true`.
pub fn toml_value(v: &SweepValue) -> String {
    match v {
        SweepValue::Bool(b) => b.to_string(),
        SweepValue::Int(i) => i.to_string(),
        SweepValue::Float(f) if f.is_nan() => "nan".into(),
        SweepValue::Float(f) => format!("{f:?}"),
        SweepValue::Str(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

/// A value for tables and chart labels: `5`, `2.5`, `all`, `true` (a float
/// with no fraction shows as a whole number).
pub fn show_value(v: &SweepValue) -> String {
    match v {
        SweepValue::Bool(b) => b.to_string(),
        SweepValue::Int(i) => i.to_string(),
        SweepValue::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        SweepValue::Float(f) => f.to_string(),
        SweepValue::Str(s) => s.clone(),
    }
}

/// Read a scenario file and plan its sweep (see [`sweep_str`]); a load trace
/// the scenario names is read as `scenario::load` reads it.
pub fn load_sweep(path: &Path, args: &SweepArgs) -> Result<SweepPlan, Vec<Diagnostic>> {
    load_sweep_text(path, args).map(|(plan, _)| plan)
}

/// [`load_sweep`], and the file's text (which a shard of the sweep hashes and
/// carries, so that `ktopo merge` can plan the sweep again without the file).
pub fn load_sweep_text(
    path: &Path,
    args: &SweepArgs,
) -> Result<(SweepPlan, String), Vec<Diagnostic>> {
    let file = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            // `load` locates the bad byte; use its diagnostic.
            Err(_) => return Err(super::load(path).err().unwrap_or_default()),
        },
        Err(e) => {
            return Err(vec![Diagnostic::error(
                &file,
                0,
                0,
                String::new(),
                format!("cannot read the scenario file: {e}"),
                None,
            )]);
        }
    };
    let plan = plan(&text, &file, args, &mut |sc| {
        super::attach_trace(sc, path, &file).map_err(|d| vec![d])
    })?;
    Ok((plan, text))
}

/// Plan the sweep of scenario text: the file's `[sweep]` parameters, replaced or
/// extended by `args.params`; every variant parsed and validated. Every problem
/// is returned at once: problems of the scenario as written (alone: a sweep needs
/// a valid file), then of the parameters, then of the variants, each labelled
/// with the variants it occurs in and the values they share. Never panics.
pub fn sweep_str(text: &str, file: &str, args: &SweepArgs) -> Result<SweepPlan, Vec<Diagnostic>> {
    plan(text, file, args, &mut |_| Ok(()))
}

/// A parameter before expansion: where it came from and its raw values.
struct Declared {
    key: String,
    source: ParamSource,
    /// File: span of the `key` string (for problems of the parameter).
    at: Option<Range<usize>>,
    /// File: the key path of its `key`, `sweep.parameter[0].key`.
    at_key: String,
    values: Declared2,
}

enum Declared2 {
    /// File values with their spans.
    File(Vec<(SweepValue, Range<usize>)>),
    Args(Vec<String>),
    Range {
        from: f64,
        to: f64,
        step: f64,
    },
    /// A file parameter whose values cannot be read, and why.
    Bad(String),
}

/// A parameter ready to apply: resolved path, values, and spans of each value.
struct Ready {
    param: SweepParam,
    steps: Vec<Step>,
    /// Per value: where a problem it causes is shown (file parameters), or None.
    spans: Vec<Option<Range<usize>>>,
}

#[derive(Clone, Debug)]
enum Step {
    Key(&'static str),
    Index(usize),
}

type TraceFn<'a> = dyn FnMut(&mut Scenario) -> Result<(), Vec<Diagnostic>> + 'a;

fn plan(
    text: &str,
    file: &str,
    args: &SweepArgs,
    trace: &mut TraceFn<'_>,
) -> Result<SweepPlan, Vec<Diagnostic>> {
    let doc = parse_toml(text, file)?;
    let mut base = parse_doc(text, &doc, file)?;
    trace(&mut base)?;
    let loc = Locator::new(text);
    let at = |offset: usize, key: String, message: String, help: Option<String>| {
        let (line, col) = loc.line_col(offset);
        Diagnostic::error(file, line, col, key, message, help)
    };
    let mut diags = Vec::new();

    // 1. The parameters as declared: the file's, then --param (replacing a file
    //    parameter of the same key path, else added).
    let mut declared = declared_in_file(&doc, &base);
    let sweep_at = table_span(&doc, "sweep").map_or(0, |s| s.start);

    // 2. Resolve keys, expand values.
    let mut ready: Vec<Ready> = Vec::new();
    let resolve_one = |d: Declared, diags: &mut Vec<Diagnostic>| -> Option<Ready> {
        let problem = |diags: &mut Vec<Diagnostic>, message: String, help: Option<String>| {
            diags.push(match (&d.at, d.source) {
                (Some(r), _) => at(
                    r.start,
                    d.at_key.clone(),
                    format!("`{}`: {message}", d.key),
                    help,
                ),
                (None, _) => Diagnostic::error(
                    file,
                    0,
                    0,
                    String::new(),
                    format!("--param `{}`: {message}", d.key),
                    help,
                ),
            })
        };
        let (steps, path, ty) = match resolve(&d.key, doc.get_ref()) {
            Ok(r) => r,
            Err((m, h)) => {
                problem(diags, m, h);
                return None;
            }
        };
        if path == "seed" && args.seed.is_some() {
            problem(
                diags,
                "`seed` is swept, so --seed would be overridden".into(),
                Some("drop --seed, or sweep another key".into()),
            );
            return None;
        }
        let (values, spans): (Vec<SweepValue>, Vec<Option<Range<usize>>>) = match d.values {
            Declared2::File(v) => v.into_iter().map(|(v, s)| (v, Some(s))).unzip(),
            Declared2::Args(items) => items.iter().map(|x| (arg_value(x, ty), None)).unzip(),
            Declared2::Bad(m) => {
                problem(diags, m, None);
                return None;
            }
            Declared2::Range { from, to, step } => match expand(from, to, step) {
                Ok(v) => {
                    let n = v.len();
                    (v, vec![d.at.clone(); n])
                }
                Err(m) => {
                    problem(diags, m, None);
                    return None;
                }
            },
        };
        if values.is_empty() {
            problem(diags, "no values to sweep".into(), None);
            return None;
        }
        Some(Ready {
            param: SweepParam {
                key: d.key.clone(),
                path,
                values,
                source: d.source,
            },
            steps,
            spans,
        })
    };
    for d in declared.drain(..) {
        let (key_at, at_key) = (d.at.clone(), d.at_key.clone());
        if let Some(r) = resolve_one(d, &mut diags) {
            if let Some(prev) = ready.iter().find(|x| x.param.path == r.param.path) {
                diags.push(at(
                    key_at.map_or(sweep_at, |s| s.start),
                    at_key,
                    format!(
                        "`{}`: swept twice (also as `{}`, the same key)",
                        r.param.key, prev.param.key
                    ),
                    Some("merge the two parameters' values".into()),
                ));
            } else {
                ready.push(r);
            }
        }
    }
    for a in &args.params {
        let d = Declared {
            key: a.key.clone(),
            source: ParamSource::CommandLine,
            at: None,
            at_key: String::new(),
            values: match &a.values {
                ArgValues::List(v) => Declared2::Args(v.clone()),
                ArgValues::Range { from, to, step } => Declared2::Range {
                    from: *from,
                    to: *to,
                    step: *step,
                },
            },
        };
        if let Some(r) = resolve_one(d, &mut diags) {
            match ready.iter_mut().position(|x| x.param.path == r.param.path) {
                Some(i) if ready[i].param.source == ParamSource::File => ready[i] = r,
                Some(_) => diags.push(Diagnostic::error(
                    file,
                    0,
                    0,
                    String::new(),
                    format!("--param `{}`: the same key is given twice", r.param.key),
                    None,
                )),
                None => ready.push(r),
            }
        }
    }
    if !diags.is_empty() {
        sort(&mut diags);
        return Err(diags);
    }
    if ready.is_empty() {
        return Err(vec![at(
            sweep_at,
            String::new(),
            "nothing to sweep: the file has no [[sweep.parameter]] and no --param was given"
                .into(),
            Some(
                "add `[[sweep.parameter]]` with `key = \"link[dc1-dc2].rtt_ms\"` and `values = [5, 10, 20]`, or `--param 'link[dc1-dc2].rtt_ms=5,10,20'`"
                    .into(),
            ),
        )]);
    }

    // 3. Seeds and the size of the product.
    let seeds = args
        .seeds
        .or(base.sweep.as_ref().and_then(|s| s.seeds))
        .unwrap_or(1);
    if seeds == 0 {
        return Err(vec![at(
            sweep_at,
            "sweep.seeds".into(),
            "must be ≥ 1".into(),
            None,
        )]);
    }
    if let Some(n) = args.runs {
        if n == 0 || n > super::MAX_DRAWS {
            return Err(vec![at(
                sweep_at,
                String::new(),
                format!("--runs must be between 1 and {}", super::MAX_DRAWS),
                None,
            )]);
        }
        if seeds > 1 {
            let from_file = args.seeds.is_none();
            return Err(vec![at(
                sweep_at,
                if from_file {
                    "sweep.seeds".into()
                } else {
                    String::new()
                },
                format!(
                    "--runs {n} and {seeds} seeds per variant ({}) both repeat every variant: each Monte Carlo draw already runs with its own seed",
                    if from_file {
                        "the file's [sweep] seeds"
                    } else {
                        "--seeds"
                    }
                ),
                Some(if from_file {
                    "drop `seeds` from [sweep] (or set it to 1) to draw the ranges, or drop --runs to repeat over seeds".into()
                } else {
                    "use either --runs N (draws of the file's ranges, each with its own seed) or --seeds N".into()
                }),
            )]);
        }
    }
    // With --runs the draws replace the seeds, and the cap is the Monte Carlo's.
    let (repeats, cap, what) = match args.runs {
        Some(n) => (n, super::MAX_DRAWS, "draw(s)"),
        None => (seeds as usize, MAX_RUNS, "seed(s)"),
    };
    let designs = base.design.len().max(1);
    let variants = ready
        .iter()
        .try_fold(1usize, |n, r| n.checked_mul(r.param.values.len()));
    let runs = variants
        .and_then(|v| v.checked_mul(repeats))
        .and_then(|v| v.checked_mul(designs));
    if runs.is_none_or(|r| r > cap) {
        let sizes: Vec<String> = ready
            .iter()
            .map(|r| r.param.values.len().to_string())
            .collect();
        return Err(vec![at(
            sweep_at,
            String::new(),
            format!(
                "the sweep asks for {} variant(s) ({}) × {repeats} {what} × {designs} design(s) = {} runs; at most {cap}",
                variants.map_or("too many".to_string(), |v| v.to_string()),
                sizes.join(" × "),
                runs.map_or("too many".to_string(), |v| v.to_string()),
            ),
            Some(format!(
                "use fewer values (or a larger step), fewer parameters or fewer {}",
                if args.runs.is_some() {
                    "draws"
                } else {
                    "seeds"
                }
            )),
        )]);
    }
    let n_variants = variants.unwrap_or(0);

    // 4. Every variant: the document with its values in place, read as a file.
    let literals: Vec<Vec<String>> = ready
        .iter()
        .map(|r| r.param.values.iter().map(toml_value).collect())
        .collect();
    let mut parsed: Vec<Vec<Spanned<DeValue<'_>>>> = Vec::new();
    for (r, lits) in ready.iter().zip(&literals) {
        let mut vals = Vec::new();
        for (k, lit) in lits.iter().enumerate() {
            // Every literal comes from `toml_value`, which writes valid TOML.
            let v = DeValue::parse(lit)
                .map(Spanned::into_inner)
                .unwrap_or(DeValue::Boolean(false));
            let span = match &r.spans[k] {
                Some(s) => s.clone(),
                None => {
                    let off = diag::locate(&doc, &r.param.path);
                    off..off
                }
            };
            vals.push(Spanned::new(span, v));
        }
        parsed.push(vals);
    }
    let lens: Vec<usize> = ready.iter().map(|r| r.param.values.len()).collect();
    let mut out = Vec::with_capacity(n_variants);
    let mut failed: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
    for index in 0..n_variants {
        let choice = unrank(index, &lens);
        let mut vdoc: Spanned<DeTable<'_>> = doc.clone();
        for ((r, vals), &c) in ready.iter().zip(&parsed).zip(&choice) {
            let v = vals[c].clone();
            let span = v.span();
            let rekey = r.spans[c].is_some();
            set(vdoc.get_mut(), &r.steps, v, span, rekey);
        }
        match parse_doc(text, &vdoc, file) {
            Ok(mut sc) => {
                if let Some(s) = args.seed
                    && !ready.iter().any(|r| r.param.path == "seed")
                {
                    sc.seed = s;
                }
                if sc.load.trace_file == base.load.trace_file {
                    sc.load.trace = base.load.trace.clone();
                } else if let Err(d) = trace(&mut sc) {
                    failed.push((index, d));
                    continue;
                }
                out.push(SweepVariant {
                    index,
                    choice,
                    scenario: sc,
                });
            }
            Err(d) => failed.push((index, d)),
        }
    }
    if let Some(s) = args.seed {
        base.seed = s;
    }
    let params: Vec<SweepParam> = ready.into_iter().map(|r| r.param).collect();
    if !failed.is_empty() {
        return Err(label_failures(&params, &lens, n_variants, failed));
    }
    Ok(SweepPlan {
        base,
        parameters: params,
        seeds,
        draws: args.runs,
        variants: out,
    })
}

/// Variant `index` as one value index per parameter (the first varies slowest).
fn unrank(mut index: usize, lens: &[usize]) -> Vec<usize> {
    let mut c = vec![0; lens.len()];
    for (i, &n) in lens.iter().enumerate().rev() {
        c[i] = index % n.max(1);
        index /= n.max(1);
    }
    c
}

/// The same problem in several variants becomes one diagnostic naming them and
/// the values they have in common.
fn label_failures(
    params: &[SweepParam],
    lens: &[usize],
    n: usize,
    failed: Vec<(usize, Vec<Diagnostic>)>,
) -> Vec<Diagnostic> {
    let mut groups: Vec<(Diagnostic, Vec<usize>)> = Vec::new();
    for (v, ds) in failed {
        for d in ds {
            match groups.iter_mut().find(|(g, _)| *g == d) {
                Some((_, vs)) => vs.push(v),
                None => groups.push((d, vec![v])),
            }
        }
    }
    let mut out = Vec::new();
    for (mut d, vs) in groups {
        let choices: Vec<Vec<usize>> = vs.iter().map(|&v| unrank(v, lens)).collect();
        let shared: Vec<String> = params
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                lens[*i] > 1 && choices.iter().all(|c| c[*i] == choices[0][*i]) || vs.len() == 1
            })
            .map(|(i, p)| format!("{} = {}", p.key, toml_value(&p.values[choices[0][i]])))
            .collect();
        let list = if vs.len() <= 6 {
            vs.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            format!(
                "{}, … ({} in all)",
                vs[..5]
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                vs.len()
            )
        };
        let list = if vs.len() == n && n > 1 {
            format!("every variant ({n})")
        } else {
            format!(
                "{} {list} of {n}",
                if vs.len() == 1 { "variant" } else { "variants" }
            )
        };
        let when = if shared.is_empty() || vs.len() == n && n > 1 {
            String::new()
        } else {
            format!(", where {}", shared.join(", "))
        };
        d.message = format!("{list}{when}: {}", d.message);
        out.push(d);
    }
    sort(&mut out);
    out
}

/// The file's `[[sweep.parameter]]` tables, with spans from the document.
fn declared_in_file(doc: &Spanned<DeTable<'_>>, base: &Scenario) -> Vec<Declared> {
    let Some(cfg) = &base.sweep else {
        return Vec::new();
    };
    let elems: Vec<&Spanned<DeValue<'_>>> = doc
        .get_ref()
        .get("sweep")
        .and_then(|s| s.get_ref().as_table())
        .and_then(|t| t.get("parameter"))
        .and_then(|p| p.get_ref().as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    cfg.parameter
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let t = elems.get(i).and_then(|e| e.get_ref().as_table());
            let elem_at = elems.get(i).map_or(0..0, |e| e.span());
            let key_at = t
                .and_then(|t| t.get("key"))
                .map_or(elem_at.clone(), |k| k.span());
            let value_spans: Vec<Range<usize>> = t
                .and_then(|t| t.get("values"))
                .and_then(|v| v.get_ref().as_array())
                .map(|a| a.iter().map(|e| e.span()).collect())
                .unwrap_or_default();
            let values = match (p.values.is_empty(), p.from, p.to, p.step) {
                (false, None, None, None) => Declared2::File(
                    p.values
                        .iter()
                        .enumerate()
                        .map(|(k, v)| {
                            (
                                v.clone(),
                                value_spans.get(k).cloned().unwrap_or(key_at.clone()),
                            )
                        })
                        .collect(),
                ),
                (false, ..) => Declared2::Bad(
                    "give either `values` or `from`, `to` and `step`, not both".into(),
                ),
                (true, Some(from), Some(to), Some(step)) => Declared2::Range { from, to, step },
                (true, None, None, None) => Declared2::Bad(
                    "no values: give `values = [...]`, or `from`, `to` and `step`".into(),
                ),
                (true, ..) => Declared2::Bad("a range needs all of `from`, `to` and `step`".into()),
            };
            Declared {
                key: p.key.trim().to_string(),
                source: ParamSource::File,
                at: Some(key_at),
                at_key: format!("sweep.parameter[{i}].key"),
                values,
            }
        })
        .collect()
}

fn table_span(doc: &Spanned<DeTable<'_>>, key: &str) -> Option<Range<usize>> {
    doc.get_ref().get_key_value(key).map(|(k, _)| k.span())
}

/// `from`, `from + step`, … up to `to` inclusive. Whole numbers when `from`
/// and `step` are; else floats rounded to 9 decimals (no 0.30000000000000004).
fn expand(from: f64, to: f64, step: f64) -> Result<Vec<SweepValue>, String> {
    if !(from.is_finite() && to.is_finite() && step.is_finite()) {
        return Err("`from`, `to` and `step` must be finite numbers".into());
    }
    if step <= 0.0 {
        return Err(format!("`step` must be > 0 (it is {step})"));
    }
    if to < from {
        return Err(format!("`to` ({to}) is below `from` ({from})"));
    }
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if count > MAX_RUNS as f64 {
        return Err(format!(
            "the range has {count:.0} values; a sweep runs at most {MAX_RUNS}"
        ));
    }
    let whole = |x: f64| x.fract() == 0.0 && x.abs() < 9e15;
    let ints = whole(from) && whole(step);
    Ok((0..count as usize)
        .map(|i| {
            let v = from + i as f64 * step;
            if ints {
                SweepValue::Int(v as i64)
            } else {
                SweepValue::Float((v * 1e9).round() / 1e9)
            }
        })
        .collect())
}

/// A `--param` value, read by the type of the key it sets: a string key takes
/// the text (quotes optional), a number key a number, a boolean key a boolean.
/// What does not fit is kept as given, and the variant's check says why.
fn arg_value(x: &str, ty: Ty) -> SweepValue {
    let unquoted = x
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map(|r| r.replace("\\\"", "\"").replace("\\\\", "\\"));
    if let Some(s) = &unquoted {
        return SweepValue::Str(s.clone());
    }
    let num = || {
        x.parse::<i64>()
            .map(SweepValue::Int)
            .ok()
            .or_else(|| x.parse::<f64>().ok().map(SweepValue::Float))
    };
    match ty {
        Ty::Str | Ty::Enum { .. } => SweepValue::Str(x.to_string()),
        Ty::Bool => match x {
            "true" => SweepValue::Bool(true),
            "false" => SweepValue::Bool(false),
            _ => SweepValue::Str(x.to_string()),
        },
        _ => num().unwrap_or_else(|| SweepValue::Str(x.to_string())),
    }
}

/// A token of a key: a table key, or a selector in brackets.
#[derive(Debug)]
enum Tok {
    Word { text: String, quoted: bool },
    Sel { text: String, quoted: bool },
}

fn tokenize(key: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = key.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let quoted_text = |i: &mut usize| -> Result<String, String> {
        // chars[*i] is the opening quote.
        *i += 1;
        let mut s = String::new();
        while *i < chars.len() {
            match chars[*i] {
                '\\' if *i + 1 < chars.len() => {
                    s.push(chars[*i + 1]);
                    *i += 2;
                }
                '"' => {
                    *i += 1;
                    return Ok(s);
                }
                c => {
                    s.push(c);
                    *i += 1;
                }
            }
        }
        Err("a double quote is not closed".into())
    };
    let mut expect_word = true;
    while i < chars.len() {
        let c = chars[i];
        if expect_word {
            if c == '"' {
                let text = quoted_text(&mut i)?;
                out.push(Tok::Word { text, quoted: true });
            } else {
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[' | ']' | '"') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                if text.trim().is_empty() {
                    return Err(if out.is_empty() {
                        "a key starts with a name, e.g. `link[dc1-dc2].rtt_ms`".into()
                    } else {
                        "a name is missing between two dots".into()
                    });
                }
                if text.chars().any(char::is_whitespace) {
                    return Err(format!(
                        "`{}` holds a space: quote a name with spaces, e.g. `topic[\"my topic\"]`",
                        text.trim()
                    ));
                }
                out.push(Tok::Word {
                    text,
                    quoted: false,
                });
            }
            expect_word = false;
            continue;
        }
        match c {
            '.' => {
                i += 1;
                expect_word = true;
                if i == chars.len() {
                    return Err("the key ends with a dot".into());
                }
            }
            '[' => {
                i += 1;
                while i < chars.len() && chars[i] == ' ' {
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    let text = quoted_text(&mut i)?;
                    while i < chars.len() && chars[i] == ' ' {
                        i += 1;
                    }
                    if i >= chars.len() || chars[i] != ']' {
                        return Err("expected `]` after the quoted name".into());
                    }
                    i += 1;
                    out.push(Tok::Sel { text, quoted: true });
                } else {
                    let start = i;
                    while i < chars.len() && chars[i] != ']' {
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err("a `[` is not closed".into());
                    }
                    let text: String = chars[start..i].iter().collect::<String>();
                    i += 1;
                    let text = text.trim().to_string();
                    if text.is_empty() {
                        return Err("`[]` selects nothing: give an index or a name".into());
                    }
                    out.push(Tok::Sel {
                        text,
                        quoted: false,
                    });
                }
            }
            other => return Err(format!("unexpected `{other}`: segments are joined by `.`")),
        }
    }
    if expect_word && !out.is_empty() {
        return Err("the key ends with a dot".into());
    }
    if out.is_empty() {
        return Err("the key is empty".into());
    }
    Ok(out)
}

type Problem = (String, Option<String>);

/// Resolve a key against the schema and the file: the steps to its value, its
/// key path, and its type. Elements chosen by name are resolved to indices.
fn resolve(key: &str, doc: &DeTable<'_>) -> Result<(Vec<Step>, String, Ty), Problem> {
    let toks = tokenize(key).map_err(|m| (m, None))?;
    let mut schema: &'static TableSchema = &ROOT;
    let mut table: Option<&DeTable<'_>> = Some(doc);
    let mut path = String::new();
    let mut steps = Vec::new();
    let mut i = 0;
    loop {
        // At a table: the next token names one of its keys.
        let field: &'static Field = match toks.get(i) {
            Some(Tok::Word { text, quoted: true }) => {
                i += 1;
                schema
                    .fields
                    .iter()
                    .find(|f| f.key == text)
                    .ok_or_else(|| unknown(text, schema, &path))?
            }
            Some(Tok::Word { quoted: false, .. }) => {
                // Unquoted dotted words: the longest run that is a key here.
                let run: Vec<&str> = toks[i..]
                    .iter()
                    .map_while(|t| match t {
                        Tok::Word {
                            text,
                            quoted: false,
                        } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                let found = (1..=run.len()).rev().find_map(|n| {
                    let name = run[..n].join(".");
                    schema.fields.iter().find(|f| f.key == name).map(|f| (n, f))
                });
                match found {
                    Some((n, f)) => {
                        i += n;
                        f
                    }
                    None => {
                        let all = run.join(".");
                        let known = schema.fields.iter().map(|f| f.key);
                        let name = if diag::suggest(&all, known).is_some() {
                            all
                        } else {
                            run[0].to_string()
                        };
                        return Err(unknown(&name, schema, &path));
                    }
                }
            }
            Some(Tok::Sel { text, .. }) => {
                return Err((
                    format!(
                        "`{}` is a table, not a list: `[{text}]` selects nothing in it",
                        if path.is_empty() {
                            "the top level"
                        } else {
                            &path
                        }
                    ),
                    None,
                ));
            }
            None => return Err(ends_at_table(&path, schema)),
        };
        if std::ptr::eq(schema, &ROOT) && field.key == "sweep" {
            return Err((
                "the keys of [sweep] cannot themselves be swept".into(),
                None,
            ));
        }
        let fpath = diag::join(&path, field.key);
        steps.push(Step::Key(field.key));
        let entry = table.and_then(|t| t.get(field.key));
        match field.ty {
            Ty::Table(s) => {
                table = entry.and_then(|e| e.get_ref().as_table());
                schema = s;
                path = fpath;
                if i == toks.len() {
                    return Err(ends_at_table(&path, schema));
                }
            }
            Ty::Tables(s) => {
                let Some(Tok::Sel { text, quoted }) = toks.get(i) else {
                    let arr = entry.and_then(|e| e.get_ref().as_array());
                    let rest: String = toks[i..]
                        .iter()
                        .map(|t| match t {
                            Tok::Word {
                                text,
                                quoted: false,
                            } => format!(".{text}"),
                            Tok::Word { text, quoted: true } => format!(".\"{text}\""),
                            Tok::Sel {
                                text,
                                quoted: false,
                            } => format!("[{text}]"),
                            Tok::Sel { text, quoted: true } => format!("[\"{text}\"]"),
                        })
                        .collect();
                    let example = arr
                        .and_then(|a| a.iter().next())
                        .and_then(|e| element_name(e.get_ref(), s))
                        .map(|n| format!("`{fpath}[{n}]{rest}` or "))
                        .unwrap_or_default();
                    return Err((
                        format!("{} is a list: pick an element", s.header),
                        Some(format!("write {example}`{fpath}[0]{rest}`")),
                    ));
                };
                i += 1;
                let arr = entry.and_then(|e| e.get_ref().as_array());
                let k = select(text, *quoted, s, arr, &fpath)?;
                steps.push(Step::Index(k));
                path = format!("{fpath}[{k}]");
                table = arr
                    .and_then(|a| a.get(k))
                    .and_then(|e| e.get_ref().as_table());
                schema = s;
                if i == toks.len() {
                    return Err(ends_at_table(&path, schema));
                }
            }
            Ty::Pair | Ty::StrList | Ty::Scalars => {
                return Err((
                    format!("`{fpath}` is a list; a sweep sets one number, string or boolean"),
                    None,
                ));
            }
            ty => {
                if i < toks.len() {
                    return Err((
                        format!("`{fpath}` is a single value: nothing lies inside it"),
                        None,
                    ));
                }
                return Ok((steps, fpath, ty));
            }
        }
    }
}

/// The key stops at a table: say which keys it has.
fn ends_at_table(path: &str, schema: &'static TableSchema) -> Problem {
    let keys: Vec<String> = schema
        .fields
        .iter()
        .filter(|f| !matches!(f.ty, Ty::Table(_) | Ty::Tables(_)))
        .take(6)
        .map(|f| diag::quote_key(f.key))
        .collect();
    (
        format!(
            "`{}` is {}, not a value: name one of its keys",
            if path.is_empty() { "the key" } else { path },
            schema.header
        ),
        (!keys.is_empty()).then(|| format!("its keys include {}", keys.join(", "))),
    )
}

fn unknown(name: &str, schema: &'static TableSchema, path: &str) -> Problem {
    let sugg = diag::suggest(name, schema.fields.iter().map(|f| f.key));
    let help = match sugg {
        Some(s) => Some(format!("did you mean `{}`?", diag::join(path, s))),
        None => {
            let keys: Vec<String> = schema
                .fields
                .iter()
                .map(|f| diag::quote_key(f.key))
                .collect();
            Some(format!("keys of {}: {}", schema.header, keys.join(", ")))
        }
    };
    (format!("unknown key `{name}` in {}", schema.header), help)
}

/// The name an element is selected by: its `name`, or `a-b` for a link.
fn element_name(e: &DeValue<'_>, s: &'static TableSchema) -> Option<String> {
    let t = e.as_table()?;
    if s.fields.iter().any(|f| f.key == "name") {
        return t.get("name")?.get_ref().as_str().map(str::to_string);
    }
    if s.fields.iter().any(|f| f.key == "between") {
        let a = t.get("between")?.get_ref().as_array()?;
        let x = a.first()?.get_ref().as_str()?;
        let y = a.get(1)?.get_ref().as_str()?;
        return Some(format!("{x}-{y}"));
    }
    None
}

/// Names a link answers to: `a-b`, `a<->b`, `a↔b`, `a,b`, in either order.
fn link_names(e: &DeValue<'_>) -> Vec<String> {
    let Some(a) = e
        .as_table()
        .and_then(|t| t.get("between"))
        .and_then(|b| b.get_ref().as_array())
    else {
        return Vec::new();
    };
    let (Some(x), Some(y)) = (
        a.first().and_then(|v| v.get_ref().as_str()),
        a.get(1).and_then(|v| v.get_ref().as_str()),
    ) else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for (p, q) in [(x, y), (y, x)] {
        for sep in ["-", "<->", "↔", ","] {
            v.push(format!("{p}{sep}{q}"));
        }
    }
    v
}

/// The index of the element `sel` selects in the array `fpath`.
fn select(
    sel: &str,
    quoted: bool,
    s: &'static TableSchema,
    arr: Option<&DeArray<'_>>,
    fpath: &str,
) -> Result<usize, Problem> {
    let elems: Vec<&Spanned<DeValue<'_>>> = arr.map(|a| a.iter().collect()).unwrap_or_default();
    if elems.is_empty() {
        return Err((format!("the file has no {} to select from", s.header), None));
    }
    if !quoted && sel.chars().all(|c| c.is_ascii_digit()) {
        return match sel.parse::<usize>() {
            Ok(k) if k < elems.len() => Ok(k),
            _ => Err((
                format!(
                    "index {sel} is out of range: the file has {} {} (0 to {})",
                    elems.len(),
                    s.header,
                    elems.len() - 1
                ),
                None,
            )),
        };
    }
    let by_link = s.fields.iter().any(|f| f.key == "between");
    let by_name = s.fields.iter().any(|f| f.key == "name");
    if !by_link && !by_name {
        return Err((
            format!(
                "{} tables have no name: select one by index, `{fpath}[0]` to `{fpath}[{}]`",
                s.header,
                elems.len() - 1
            ),
            None,
        ));
    }
    let squash = |x: &str| x.split_whitespace().collect::<String>();
    let hits: Vec<usize> = elems
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            if by_link {
                link_names(e.get_ref())
                    .iter()
                    .any(|n| n == sel || squash(n) == squash(sel))
            } else {
                element_name(e.get_ref(), s).as_deref() == Some(sel)
            }
        })
        .map(|(k, _)| k)
        .collect();
    match hits.as_slice() {
        [k] => Ok(*k),
        [] => {
            let names: Vec<String> = elems
                .iter()
                .filter_map(|e| element_name(e.get_ref(), s))
                .collect();
            let help = diag::suggest(sel, names.iter().map(String::as_str))
                .map(|n| format!("did you mean `{fpath}[{n}]`?"))
                .or_else(|| Some(format!("{}: {}", s.header, names.join(", "))));
            Err((
                if by_link {
                    format!("no {} joins `{sel}`", s.header)
                } else {
                    format!("no {} is named `{sel}`", s.header)
                },
                help,
            ))
        }
        many => Err((
            format!(
                "`{sel}` names {} {} ({}): select by index",
                many.len(),
                s.header,
                many.iter()
                    .map(|k| format!("{fpath}[{k}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        )),
    }
}

/// Put `v` at `steps` in `t`, creating tables on the way. The key takes `span`
/// when `rekey` (the value came from the file's `[sweep]`, where a problem it
/// causes is best shown), else keeps the file's own key span when present.
fn set<'a>(
    t: &mut DeTable<'a>,
    steps: &[Step],
    v: Spanned<DeValue<'a>>,
    span: Range<usize>,
    rekey: bool,
) {
    match steps {
        [Step::Key(k)] => {
            let kspan = match t.get_key_value(*k) {
                Some((key, _)) if !rekey => key.span(),
                _ => span,
            };
            t.remove(*k);
            t.insert(Spanned::new(kspan, Cow::Borrowed(*k)), v);
        }
        [Step::Key(k), Step::Index(i), rest @ ..] => {
            if let Some(DeValue::Array(a)) = t.get_mut(*k).map(|x| x.get_mut())
                && let Some(DeValue::Table(et)) = a.get_mut(*i).map(|e| e.get_mut())
            {
                set(et, rest, v, span, rekey);
            }
        }
        [Step::Key(k), rest @ ..] => {
            if !t.contains_key(*k) {
                t.insert(
                    Spanned::new(span.clone(), Cow::Borrowed(*k)),
                    Spanned::new(span.clone(), DeValue::Table(DeTable::new())),
                );
            }
            if let Some(DeValue::Table(sub)) = t.get_mut(*k).map(|x| x.get_mut()) {
                set(sub, rest, v, span, rekey);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = tokenize(r#"topic[orders]."min.insync.replicas""#).unwrap();
        assert_eq!(t.len(), 3);
        assert!(matches!(&t[1], Tok::Sel { text, quoted: false } if text == "orders"));
        assert!(matches!(&t[2], Tok::Word { text, quoted: true } if text == "min.insync.replicas"));
        assert!(tokenize("link[").is_err());
        assert!(tokenize("link.").is_err());
        assert!(tokenize("").is_err());
        assert!(tokenize("[0]").is_err());
        assert!(tokenize("a..b").is_err());
        assert!(tokenize(r#"topic["x]y"].partitions"#).is_ok());
    }

    #[test]
    fn ranges() {
        assert_eq!(
            expand(5.0, 20.0, 5.0).unwrap(),
            vec![
                SweepValue::Int(5),
                SweepValue::Int(10),
                SweepValue::Int(15),
                SweepValue::Int(20)
            ]
        );
        assert_eq!(
            expand(0.1, 0.3, 0.1).unwrap(),
            vec![
                SweepValue::Float(0.1),
                SweepValue::Float(0.2),
                SweepValue::Float(0.3)
            ]
        );
        assert!(expand(1.0, 0.0, 1.0).is_err());
        assert!(expand(0.0, 1.0, 0.0).is_err());
        assert!(expand(0.0, 1e9, 1.0).is_err());
    }

    #[test]
    fn args() {
        let a = parse_param_arg("link[dc1-dc2].rtt_ms=5,10,20").unwrap();
        assert_eq!(a.key, "link[dc1-dc2].rtt_ms");
        assert_eq!(
            a.values,
            ArgValues::List(vec!["5".into(), "10".into(), "20".into()])
        );
        let a = parse_param_arg(r#"topic["a=b"].partitions=1..4:1"#).unwrap();
        assert_eq!(a.key, r#"topic["a=b"].partitions"#);
        assert_eq!(
            a.values,
            ArgValues::Range {
                from: 1.0,
                to: 4.0,
                step: 1.0
            }
        );
        let a = parse_param_arg(r#"producer[0].acks="1",all"#).unwrap();
        assert_eq!(
            a.values,
            ArgValues::List(vec!["\"1\"".into(), "all".into()])
        );
        assert!(parse_param_arg("x").is_err());
        assert!(parse_param_arg("x=").is_err());
        assert!(parse_param_arg("x=1,,2").is_err());
        assert!(parse_param_arg("x=1..4").is_err());
        assert_eq!(arg_value("1", diag::ACKS), SweepValue::Str("1".into()));
        assert_eq!(arg_value("2", Ty::Float), SweepValue::Int(2));
        assert_eq!(arg_value("2.5", Ty::Float), SweepValue::Float(2.5));
    }

    #[test]
    fn literals_round_trip() {
        for v in [
            SweepValue::Int(-3),
            SweepValue::Float(2.5),
            SweepValue::Float(1e-7),
            SweepValue::Float(20.0),
            SweepValue::Bool(true),
            SweepValue::Str("a \"quoted\" \\ name\u{1}".into()),
        ] {
            let lit = toml_value(&v);
            let doc = format!("x = {lit}\n");
            let t: toml::Table = toml::from_str(&doc).unwrap();
            let back: SweepValue = t["x"].clone().try_into().unwrap();
            assert_eq!(back, v, "{lit}");
        }
        assert_eq!(show_value(&SweepValue::Float(20.0)), "20");
        assert_eq!(show_value(&SweepValue::Float(2.5)), "2.5");
    }
}

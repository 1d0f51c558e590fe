//! The walk over a parsed document: every unknown key, wrong type and missing
//! required key, and the repaired document that serde then reads.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::path::{is_within, join, last_segment, quote_key};
use super::schema::{ALL, ROOT, TableSchema, Ty};
use super::suggest::suggest;
use super::values::{
    describe, dotted_leaves, example, expected, float_value, identifies, int_value, placeholder,
    show_int,
};
use crate::scenario::ranges::RangeSpec;

/// One problem found by the walk, located by byte offset.
#[derive(Debug)]
pub(crate) struct Found {
    pub offset: usize,
    pub key: String,
    pub message: String,
    pub help: Option<String>,
}

/// The walk over a document: problems found, and key paths under which
/// semantic problems are not worth reporting.
pub(crate) struct Walk<'t> {
    text: &'t str,
    pub found: Vec<Found>,
    /// Keys reported, and elements with an invented required key: semantic
    /// problems at or inside them are not reported.
    suppress: Vec<String>,
    /// Keys whose value was dropped or invented: semantic problems about a
    /// collection holding them (`site`, `link`) are not reported either.
    patched: Vec<String>,
    /// Ranges read (`Ty::Range`): each value in the repaired document is a
    /// placeholder, set to the range's mid by `ranges::resolve`.
    pub ranges: Vec<RangeSpec>,
}

impl<'t> Walk<'t> {
    pub fn new(text: &'t str) -> Self {
        Walk {
            text,
            found: Vec::new(),
            suppress: Vec::new(),
            patched: Vec::new(),
            ranges: Vec::new(),
        }
    }

    /// Check the whole document; return the repaired document.
    pub fn root(&mut self, doc: &Spanned<DeTable<'t>>) -> Spanned<DeTable<'t>> {
        let t = self.table(doc.get_ref(), doc.span().start, &ROOT, "");
        Spanned::new(doc.span(), t)
    }

    /// True when a semantic problem at `key` may follow from a problem already
    /// reported: same key or a key inside it, an element whose required key was
    /// invented, or a collection holding a value that was dropped or invented.
    pub fn suppressed(&self, key: &str) -> bool {
        self.suppress.iter().any(|p| is_within(key, p))
            || self.patched.iter().any(|p| is_within(p, key))
    }

    fn report(&mut self, offset: usize, key: &str, message: String, help: Option<String>) {
        self.suppress.push(key.to_string());
        self.found.push(Found {
            offset,
            key: key.to_string(),
            message,
            help,
        });
    }

    fn table(
        &mut self,
        t: &DeTable<'t>,
        header: usize,
        schema: &'static TableSchema,
        path: &str,
    ) -> DeTable<'t> {
        let mut out = DeTable::new();
        // Known keys taken care of: present (valid or not), or claimed by a misspelling.
        let mut covered: Vec<&'static str> = Vec::new();
        // A required key was invented whose placeholder could cause false alarms.
        let mut invented = false;
        let mut unknown = Vec::new();
        for (k, v) in t.iter() {
            let Some(f) = schema.field(k.get_ref()) else {
                unknown.push((k, v));
                continue;
            };
            covered.push(f.key);
            let kp = join(path, f.key);
            match self.value(v, f.ty, &kp) {
                Some(rv) => {
                    out.insert(k.clone(), rv);
                }
                None if f.required => {
                    out.insert(k.clone(), placeholder(f.ty, v.span()));
                    self.patched.push(kp);
                    invented |= identifies(f.ty);
                }
                None => self.patched.push(kp),
            }
        }
        for (k, v) in unknown {
            let name: &str = k.get_ref();
            let kp = join(path, name);
            // `replica.lag.time.max.ms = 1` without quotes is a nested table in TOML.
            if let DeValue::Table(sub) = v.get_ref() {
                let mut leaves = Vec::new();
                dotted_leaves(sub, name.to_string(), &mut leaves, 0);
                let dotted = leaves
                    .iter()
                    .any(|(full, _, _)| schema.field(full).is_some())
                    || (leaves.len() <= 8
                        && leaves.iter().all(|(_, ks, _)| {
                            self.line_start(ks.start) == self.line_start(k.span().start)
                        }));
                if dotted {
                    for (full, key_span, leaf) in leaves {
                        let at = self.line_start(key_span.start);
                        let fp = join(path, &full);
                        match schema.field(&full) {
                            Some(f) if !covered.contains(&f.key) => {
                                covered.push(f.key);
                                self.report(
                                    at,
                                    &fp,
                                    format!("`{full}` is written without quotes, so TOML reads it as nested tables"),
                                    Some(format!("quote Kafka property names: `\"{full}\" = ...`")),
                                );
                                if let Some(rv) = self.value_silent(leaf, f.ty) {
                                    out.insert(Spanned::new(key_span, Cow::Borrowed(f.key)), rv);
                                } else {
                                    self.patched.push(fp.clone());
                                    if f.required {
                                        out.insert(
                                            Spanned::new(key_span, Cow::Borrowed(f.key)),
                                            placeholder(f.ty, leaf.span()),
                                        );
                                        invented |= identifies(f.ty);
                                    }
                                }
                            }
                            _ => {
                                self.unknown(at, &fp, &full, schema);
                            }
                        }
                    }
                    continue;
                }
            }
            let sugg = self.unknown(k.span().start, &kp, name, schema);
            if let Some(f) = sugg.and_then(|s| schema.field(s))
                && !covered.contains(&f.key)
                && f.required
            {
                // A misspelled required key: take its value as meant, don't also
                // report the key as missing.
                covered.push(f.key);
                match self.value_silent(v, f.ty) {
                    Some(rv) => {
                        out.insert(Spanned::new(k.span(), Cow::Borrowed(f.key)), rv);
                    }
                    None => {
                        out.insert(
                            Spanned::new(k.span(), Cow::Borrowed(f.key)),
                            placeholder(f.ty, v.span()),
                        );
                        self.patched.push(join(path, f.key));
                        invented |= identifies(f.ty);
                    }
                }
            }
        }
        for f in schema.fields {
            if f.required && !covered.contains(&f.key) {
                let kp = join(path, f.key);
                self.report(
                    header,
                    &kp,
                    format!("missing required key `{}` in {}", f.key, schema.header),
                    Some(format!("add `{} = {}`", quote_key(f.key), example(f.ty))),
                );
                out.insert(
                    Spanned::new(header..header, Cow::Borrowed(f.key)),
                    placeholder(f.ty, header..header),
                );
                self.patched.push(kp);
                invented |= identifies(f.ty);
            }
        }
        if invented && !path.is_empty() {
            self.suppress.push(path.to_string());
        }
        out
    }

    /// Report an unknown key; return the suggested known key, if any.
    fn unknown(
        &mut self,
        at: usize,
        kp: &str,
        name: &str,
        schema: &'static TableSchema,
    ) -> Option<&'static str> {
        let sugg = suggest(name, schema.fields.iter().map(|f| f.key));
        let help = match sugg {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None => {
                let elsewhere: Vec<&str> = ALL
                    .iter()
                    .filter(|s| !std::ptr::eq(**s, schema) && s.field(name).is_some())
                    .map(|s| s.header)
                    .fold(Vec::new(), |mut v, h| {
                        if !v.contains(&h) {
                            v.push(h);
                        }
                        v
                    });
                if elsewhere.is_empty() && schema.fields.len() > 8 {
                    Some(format!(
                        "docs/scenario.md lists the keys of {}; other Kafka settings are not modelled",
                        schema.header
                    ))
                } else if elsewhere.is_empty() {
                    let keys: Vec<&str> = schema.fields.iter().map(|f| f.key).collect();
                    Some(format!("known keys here: {}", keys.join(", ")))
                } else {
                    Some(format!(
                        "`{name}` is a key of {}, not of {}",
                        elsewhere.join(" and "),
                        schema.header
                    ))
                }
            }
        };
        self.report(
            at,
            kp,
            format!("unknown key `{name}` in {}", schema.header),
            help,
        );
        sugg
    }

    /// Check `v` against `ty` without reporting anything.
    fn value_silent(&mut self, v: &Spanned<DeValue<'t>>, ty: Ty) -> Option<Spanned<DeValue<'t>>> {
        let found = std::mem::take(&mut self.found);
        let (suppress, patched) = (self.suppress.len(), self.patched.len());
        let ranges = self.ranges.len();
        let r = self.value(v, ty, "");
        let clean = self.found.is_empty();
        self.found = found;
        self.suppress.truncate(suppress);
        self.patched.truncate(patched);
        self.ranges.truncate(ranges);
        if clean { r } else { None }
    }

    /// Check one value; return it (repaired) or `None` after reporting why not.
    fn value(
        &mut self,
        v: &Spanned<DeValue<'t>>,
        ty: Ty,
        kp: &str,
    ) -> Option<Spanned<DeValue<'t>>> {
        let at = v.span().start;
        match (ty, v.get_ref()) {
            (Ty::Range { .. }, DeValue::Float(_) | DeValue::Integer(_)) => {
                self.value(v, Ty::Float, kp)
            }
            (Ty::Range { window }, DeValue::Array(_) | DeValue::Table(_)) => {
                self.range(v, window, kp)
            }
            (Ty::Str, DeValue::String(_)) | (Ty::Bool, DeValue::Boolean(_)) => Some(v.clone()),
            (Ty::Int { min, max }, DeValue::Integer(i)) => match int_value(i) {
                Some(n) if n >= min && n <= max => Some(v.clone()),
                _ => {
                    let msg = if min == 0 && int_value(i).is_some_and(|n| n < 0) {
                        format!(
                            "{} is negative: expected a whole number from 0 to {max}",
                            show_int(i)
                        )
                    } else {
                        format!(
                            "{} is out of range: expected a whole number from {min} to {max}",
                            show_int(i)
                        )
                    };
                    self.report(at, kp, msg, None);
                    None
                }
            },
            (Ty::Float, DeValue::Float(f)) => match float_value(f) {
                Some(_) => Some(v.clone()),
                None => {
                    self.report(
                        at,
                        kp,
                        format!("{} is too large for a number", f.as_str()),
                        None,
                    );
                    None
                }
            },
            (Ty::Float, DeValue::Integer(i)) => match int_value(i) {
                Some(n) if n >= i64::MIN as i128 && n <= u64::MAX as i128 => Some(v.clone()),
                _ => {
                    self.report(
                        at,
                        kp,
                        format!("{} is too large for a number", show_int(i)),
                        None,
                    );
                    None
                }
            },
            (Ty::Enum { values, aliases }, DeValue::String(s))
                if values.contains(&s.as_ref()) || aliases.contains(&s.as_ref()) =>
            {
                Some(v.clone())
            }
            (Ty::Enum { values, .. }, other) => {
                let list = values
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (msg, help) = match other {
                    DeValue::String(s) => (
                        format!("unknown value \"{s}\": expected one of {list}"),
                        suggest(s, values.iter().copied())
                            .map(|s| format!("did you mean \"{s}\"?")),
                    ),
                    DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) => {
                        let raw = self.text.get(v.span()).unwrap_or("").trim();
                        let help = (values.contains(&raw) || raw == "-1")
                            .then(|| format!("write it as a string: `\"{raw}\"`"));
                        (
                            format!(
                                "expected one of {list} (a string), found {}",
                                describe(other)
                            ),
                            help,
                        )
                    }
                    _ => (
                        format!(
                            "expected one of {list} (a string), found {}",
                            describe(other)
                        ),
                        None,
                    ),
                };
                self.report(at, kp, msg, help);
                None
            }
            (Ty::Pair, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    if !matches!(e.get_ref(), DeValue::String(_)) {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!(
                                "expected a site name (a string), found {}",
                                describe(e.get_ref())
                            ),
                            None,
                        );
                        ok = false;
                    }
                }
                if a.len() != 2 {
                    self.report(
                        at,
                        kp,
                        format!("expected two site names, found {} values", a.len()),
                        Some(format!("write `{} = [\"dc1\", \"dc2\"]`", last_segment(kp))),
                    );
                    ok = false;
                }
                ok.then(|| v.clone())
            }
            (Ty::Scalars, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    let fits = match e.get_ref() {
                        DeValue::String(_) | DeValue::Boolean(_) => true,
                        DeValue::Integer(i) => int_value(i)
                            .is_some_and(|n| n >= i64::MIN as i128 && n <= i64::MAX as i128),
                        DeValue::Float(f) => float_value(f).is_some(),
                        _ => false,
                    };
                    if !fits {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!(
                                "expected a number, a string or a boolean, found {}",
                                describe(e.get_ref())
                            ),
                            None,
                        );
                        ok = false;
                    }
                }
                ok.then(|| v.clone())
            }
            (Ty::StrList, DeValue::Array(a)) => {
                let mut ok = true;
                for (j, e) in a.iter().enumerate() {
                    if !matches!(e.get_ref(), DeValue::String(_)) {
                        self.report(
                            e.span().start,
                            &format!("{kp}[{j}]"),
                            format!("expected a string, found {}", describe(e.get_ref())),
                            None,
                        );
                        ok = false;
                    }
                }
                ok.then(|| v.clone())
            }
            (Ty::Table(s), DeValue::Table(t)) => Some(Spanned::new(
                v.span(),
                DeValue::Table(self.table(t, at, s, kp)),
            )),
            (Ty::Tables(s), DeValue::Array(a)) => {
                let mut out = DeArray::new();
                for (j, e) in a.iter().enumerate() {
                    let ep = format!("{kp}[{j}]");
                    match e.get_ref() {
                        DeValue::Table(t) => {
                            let rt = self.table(t, e.span().start, s, &ep);
                            out.push(Spanned::new(e.span(), DeValue::Table(rt)));
                        }
                        other => {
                            self.report(
                                e.span().start,
                                &ep,
                                format!("expected a table, found {}", describe(other)),
                                Some(format!("write each element as `{}`", s.header)),
                            );
                            // Keep indices stable for the semantic checks' key paths.
                            out.push(placeholder(Ty::Table(s), e.span()));
                            self.suppress.push(ep.clone());
                            self.patched.push(ep);
                        }
                    }
                }
                Some(Spanned::new(v.span(), DeValue::Array(out)))
            }
            (ty, other) => {
                let help = match (ty, other) {
                    (Ty::Tables(s), DeValue::Table(_)) => {
                        Some(format!("write it as an array of tables: `{}`", s.header))
                    }
                    (Ty::Float | Ty::Int { .. }, DeValue::String(s))
                        if s.trim().parse::<f64>().is_ok() =>
                    {
                        Some(format!("remove the quotes: `{}`", s.trim()))
                    }
                    (Ty::Bool, DeValue::String(s))
                        if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                    {
                        Some(format!("remove the quotes: `{}`", s.to_ascii_lowercase()))
                    }
                    (Ty::Int { .. }, DeValue::Float(_)) => {
                        Some("this key takes a whole number".to_string())
                    }
                    (Ty::Float | Ty::Int { .. }, DeValue::Array(_) | DeValue::Table(_)) => {
                        Some(format!(
                            "this key does not take a range; ranges are accepted on {}",
                            crate::scenario::ranges::RANGE_KEYS
                        ))
                    }
                    _ => None,
                };
                self.report(
                    at,
                    kp,
                    format!("expected {}, found {}", expected(ty), describe(other)),
                    help,
                );
                None
            }
        }
    }

    /// A range (`[low, high]` or `{ low, mid, high, confidence }`): checked and
    /// recorded; the repaired document holds a placeholder number.
    fn range(
        &mut self,
        v: &Spanned<DeValue<'t>>,
        window: bool,
        kp: &str,
    ) -> Option<Spanned<DeValue<'t>>> {
        let at = v.span().start;
        let num = |e: &Spanned<DeValue<'t>>| -> Option<f64> {
            match e.get_ref() {
                DeValue::Float(f) => float_value(f).filter(|x| x.is_finite()),
                DeValue::Integer(i) => int_value(i).map(|n| n as f64),
                _ => None,
            }
        };
        let form = if window {
            "a window is `[low, high]`"
        } else {
            "a range is `[low, high]` or `{ low = …, mid = …, high = …, confidence = 0.9 }`"
        };
        let (mut low, mut mid, mut high, mut conf) = (None, None, None, None);
        let mut ok = true;
        match v.get_ref() {
            DeValue::Array(a) => {
                let xs: Vec<Option<f64>> = a.iter().map(num).collect();
                if xs.len() != 2 || xs.iter().any(|x| x.is_none()) {
                    self.report(
                        at,
                        kp,
                        format!(
                            "expected two numbers [low, high], found {} value(s)",
                            xs.len()
                        ),
                        Some(form.to_string()),
                    );
                    return None;
                }
                (low, high) = (xs[0], xs[1]);
            }
            DeValue::Table(t) => {
                for (k, e) in t.iter() {
                    let name: &str = k.get_ref();
                    let slot = match name {
                        "low" => &mut low,
                        "high" => &mut high,
                        "mid" if !window => &mut mid,
                        "confidence" if !window => &mut conf,
                        _ => {
                            let known: &[&str] = if window {
                                &["low", "high"]
                            } else {
                                &["low", "mid", "high", "confidence"]
                            };
                            let help = match suggest(name, known.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => form.to_string(),
                            };
                            self.report(
                                k.span().start,
                                &join(kp, name),
                                format!("unknown key `{name}` in a range"),
                                Some(help),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    match num(e) {
                        Some(x) => *slot = Some(x),
                        None => {
                            self.report(
                                e.span().start,
                                &join(kp, name),
                                format!("expected a number, found {}", describe(e.get_ref())),
                                None,
                            );
                            ok = false;
                        }
                    }
                }
                for (name, x) in [("low", low), ("high", high)] {
                    if ok && x.is_none() {
                        self.report(
                            at,
                            kp,
                            format!("missing required key `{name}` in a range"),
                            Some(form.to_string()),
                        );
                        ok = false;
                    }
                }
            }
            _ => return None,
        }
        let (Some(low), Some(high)) = (low, high) else {
            return None;
        };
        if !ok {
            return None;
        }
        let problem = if low < 0.0 {
            Some(format!("low = {low} is negative"))
        } else if low > high {
            Some(format!("low = {low} is above high = {high}"))
        } else if low == high {
            Some(format!(
                "low equals high ({low}): write the number itself, `{} = {low}`",
                last_segment(kp)
            ))
        } else if let Some(m) = mid.filter(|m| *m < low || *m > high) {
            Some(format!(
                "mid = {m} is outside [low, high] = [{low}, {high}]"
            ))
        } else {
            conf.filter(|c| !(*c > 0.0 && *c < 1.0)).map(|c| {
                format!(
                    "confidence = {c} is outside (0, 1): it is the share of draws between low and high"
                )
            })
        };
        if let Some(msg) = problem {
            self.report(at, kp, msg, Some(form.to_string()));
            return None;
        }
        self.ranges.push(RangeSpec {
            key: kp.to_string(),
            offset: at,
            low,
            mid,
            high,
            confidence: conf,
            window,
        });
        Some(placeholder(Ty::Float, v.span()))
    }

    /// Offset of the first non-blank character of the line holding `offset`.
    fn line_start(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let offset = offset.min(bytes.len());
        let mut s = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        while s < offset && (bytes[s] == b' ' || bytes[s] == b'\t') {
            s += 1;
        }
        s
    }
}

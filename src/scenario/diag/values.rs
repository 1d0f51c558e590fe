//! The values the walk reads and writes: numbers as toml gives them, the words
//! of its messages (expected type, found value, an example) and the
//! placeholders it invents for removed values.

use std::borrow::Cow;

use toml::Spanned;
use toml::de::{DeArray, DeFloat, DeInteger, DeTable, DeValue};

use super::schema::Ty;

/// `a.b.c = v` read as nested tables: every (dotted name, span of the last key, value).
pub(super) fn dotted_leaves<'a, 't>(
    t: &'a DeTable<'t>,
    prefix: String,
    out: &mut Vec<(String, std::ops::Range<usize>, &'a Spanned<DeValue<'t>>)>,
    depth: usize,
) {
    for (k, v) in t.iter() {
        let full = format!("{prefix}.{}", k.get_ref());
        match v.get_ref() {
            DeValue::Table(sub) if depth < 16 => dotted_leaves(sub, full, out, depth + 1),
            _ => out.push((full, k.span(), v)),
        }
    }
}

pub(super) fn int_value(i: &DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

pub(super) fn show_int(i: &DeInteger<'_>) -> String {
    let s = i.to_string();
    if s.len() > 40 {
        format!("{}…", &s[..40])
    } else {
        s
    }
}

/// The value toml itself would give a float (an overflow to infinity is refused).
pub(super) fn float_value(f: &DeFloat<'_>) -> Option<f64> {
    let v: f64 = f.as_str().parse().ok()?;
    if v.is_infinite() && !f.as_str().contains("inf") {
        None
    } else {
        Some(v)
    }
}

/// Whether inventing a value of this type for a required key can make other
/// checks of the same element misfire (a name, a kind, a pair of sites): then the
/// element's semantic problems are not reported. A number placeholder is benign.
pub(super) fn identifies(ty: Ty) -> bool {
    !matches!(ty, Ty::Int { .. } | Ty::Float | Ty::Range { .. })
}

/// A stand-in for a value the walk removed, so serde still succeeds.
pub(super) fn placeholder<'t>(ty: Ty, span: std::ops::Range<usize>) -> Spanned<DeValue<'t>> {
    let v = match ty {
        Ty::Str => DeValue::String(Cow::Borrowed("")),
        Ty::Bool => DeValue::Boolean(false),
        // 1, not 0: valid for every count, so it raises no problem of its own.
        Ty::Int { .. } => DeValue::parse("1")
            .map(Spanned::into_inner)
            .unwrap_or(DeValue::Integer(DeInteger::default())),
        Ty::Float | Ty::Range { .. } => DeValue::Float(DeFloat::default()),
        Ty::Enum { values, .. } => DeValue::String(Cow::Borrowed(values[0])),
        Ty::Pair => {
            let mut a = DeArray::new();
            a.push(Spanned::new(
                span.clone(),
                DeValue::String(Cow::Borrowed("")),
            ));
            a.push(Spanned::new(
                span.clone(),
                DeValue::String(Cow::Borrowed("")),
            ));
            DeValue::Array(a)
        }
        Ty::StrList | Ty::Scalars | Ty::Tables(_) => DeValue::Array(DeArray::new()),
        Ty::Table(s) => {
            let mut t = DeTable::new();
            for f in s.fields.iter().filter(|f| f.required) {
                t.insert(
                    Spanned::new(span.clone(), Cow::Borrowed(f.key)),
                    placeholder(f.ty, span.clone()),
                );
            }
            DeValue::Table(t)
        }
    };
    Spanned::new(span, v)
}

pub(super) fn expected(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "a string",
        Ty::Bool => "a boolean (true or false)",
        Ty::Int { .. } => "a whole number",
        Ty::Float => "a number",
        Ty::Range { window: false } => "a number or a range (`[low, high]`)",
        Ty::Range { window: true } => "a number or a window (`[low, high]`)",
        Ty::Enum { .. } => "a string",
        Ty::Pair => "an array of two site names",
        Ty::StrList => "an array of strings",
        Ty::Scalars => "an array of numbers, strings or booleans",
        Ty::Table(_) => "a table",
        Ty::Tables(_) => "an array of tables",
    }
}

pub(super) fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => {
            let s: String = s.chars().take(40).collect();
            format!("a string (\"{}\")", s.escape_debug())
        }
        DeValue::Integer(i) => format!("a whole number ({})", show_int(i)),
        DeValue::Float(f) => {
            let s: String = f.as_str().chars().take(40).collect();
            format!("a float ({s})")
        }
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(_) => "a date-time".to_string(),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

pub(super) fn example(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "\"...\"",
        Ty::Bool => "false",
        Ty::Int { .. } => "1",
        Ty::Float | Ty::Range { .. } => "1.0",
        Ty::Enum { values, .. } => match values.first() {
            Some(&"site-down") => "\"site-down\"",
            Some(&"request") => "\"request\"",
            _ => "\"all\"",
        },
        Ty::Pair => "[\"dc1\", \"dc2\"]",
        Ty::StrList | Ty::Scalars => "[]",
        Ty::Table(_) => "{}",
        Ty::Tables(_) => "[]",
    }
}

//! `bench compare BASE.json NEW.json`: two runs' reports (each run writes
//! `target/bench-report.json`), row by row, as a Markdown table on stdout.
//!
//! Each row of NEW is matched with BASE's row of the same section, server,
//! transport and size. The ratio is NEW's median over BASE's; *apart* says
//! whether the two rows' ranges (over their rounds) are disjoint, which on a
//! noisy machine is the least a change must show before it counts. Targets
//! whose verdict differs between the runs are listed after the rows.

use serde_json::Value;

/// What one row measures: the figure, its unit, and whether lower is better.
struct Figure {
    key: &'static str,
    range: Option<&'static str>,
    unit: &'static str,
    lower_is_better: bool,
}

const ECHO: Figure = Figure {
    key: "cpu_us_per_message",
    range: Some("cpu_us_per_message_range"),
    unit: "µs / message",
    lower_is_better: true,
};
const BROADCAST: Figure = Figure {
    key: "deliveries_per_s",
    range: Some("deliveries_per_s_range"),
    unit: "deliveries / s",
    lower_is_better: false,
};
const MEMORY: Figure = Figure {
    key: "kib_per_session",
    range: None,
    unit: "KiB / session",
    lower_is_better: true,
};

fn figure(section: &str) -> &'static Figure {
    match section {
        "memory" => &MEMORY,
        s if s.ends_with("broadcast") => &BROADCAST,
        _ => &ECHO,
    }
}

/// A row's identity within a report.
fn key(row: &Value) -> String {
    let size = ["sessions", "receivers"]
        .iter()
        .find_map(|k| row.get(k).and_then(Value::as_u64))
        .unwrap_or(0);
    let what = match row["section"].as_str() {
        Some("memory") => row["session"].as_str().unwrap_or("?"),
        _ => row["transport"].as_str().unwrap_or("?"),
    };
    let size = match row["section"].as_str() {
        // A memory row's count is how many opened, not what was asked.
        Some("memory") => String::new(),
        _ => format!(", {size}"),
    };
    format!(
        "{}: {}, {what}{size}",
        row["section"].as_str().unwrap_or("?"),
        row["server_name"].as_str().unwrap_or("?"),
    )
}

fn read(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    if v["bench"] != "actix-sockjs" || !v["rows"].is_array() {
        return Err(format!("{path}: not a bench report"));
    }
    Ok(v)
}

fn describe(v: &Value) -> String {
    format!(
        "commit {}{}, {}, {}, {} round(s){}",
        v["commit"].as_str().unwrap_or("?"),
        match v["uncommitted_changes"].as_bool() {
            Some(true) => " (with changes not committed)",
            _ => "",
        },
        v["date"].as_str().unwrap_or("?"),
        v["machine"]["cpu"].as_str().unwrap_or("?"),
        v["settings"]["rounds"].as_u64().unwrap_or(0),
        match v["quick"].as_bool() {
            Some(true) => ", quick",
            _ => "",
        },
    )
}

fn show(x: f64) -> String {
    match x.abs() {
        a if a >= 1000.0 => crate::stats::count(x.round() as u64),
        a if a >= 10.0 => format!("{x:.1}"),
        _ => format!("{x:.2}"),
    }
}

fn range(row: &Value, f: &Figure) -> Option<(f64, f64)> {
    let r = row.get(f.range?)?.as_array()?;
    Some((r.first()?.as_f64()?, r.get(1)?.as_f64()?))
}

/// The comparison of reports `base` and `new`, in Markdown.
pub fn compare(base: &str, new: &str) -> Result<String, String> {
    use std::fmt::Write;
    let (a, b) = (read(base)?, read(new)?);
    let mut out = String::new();
    let _ = writeln!(out, "# bench compare\n");
    let _ = writeln!(out, "- base: `{base}`, {}", describe(&a));
    let _ = writeln!(out, "- new: `{new}`, {}\n", describe(&b));
    let _ = writeln!(
        out,
        "*new / base*: the medians' ratio (below 1 is better for µs and KiB, above 1 for \
         deliveries/s). *apart*: the two rows' ranges over their rounds do not overlap. \
         *kernel*: of an echo row's CPU per message, the server's system time, base → new \
         (in the median rounds; reports before 609967a do not have it).\n"
    );
    let _ = writeln!(
        out,
        "| row | unit | base | new | new / base | apart | kernel |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|---|--:|");
    let empty = Vec::new();
    let base_rows = a["rows"].as_array().unwrap_or(&empty);
    let mut only_new = Vec::new();
    for row in b["rows"].as_array().unwrap_or(&empty) {
        let k = key(row);
        let f = figure(row["section"].as_str().unwrap_or(""));
        let Some(old) = base_rows.iter().find(|r| key(r) == k) else {
            only_new.push(k);
            continue;
        };
        let (Some(x), Some(y)) = (old[f.key].as_f64(), row[f.key].as_f64()) else {
            let _ = writeln!(out, "| {k} | {} | – | – | – | – | – |", f.unit);
            continue;
        };
        let cell = |v: f64, row: &Value| match range(row, f) {
            Some((lo, hi)) if lo != hi => format!("{} ({}–{})", show(v), show(lo), show(hi)),
            _ => show(v),
        };
        let apart = match (range(old, f), range(row, f)) {
            (Some((lo1, hi1)), Some((lo2, hi2))) => {
                let better = match f.lower_is_better {
                    true => hi2 < lo1,
                    false => lo2 > hi1,
                };
                let worse = match f.lower_is_better {
                    true => lo2 > hi1,
                    false => hi2 < lo1,
                };
                match (better, worse) {
                    (true, _) => "better",
                    (_, true) => "**worse**",
                    _ => "no",
                }
            }
            _ => "–",
        };
        let kernel = |r: &Value| r["kernel_cpu_us_per_message"].as_f64();
        let kernel = match (kernel(old), kernel(row)) {
            (Some(p), Some(q)) => format!("{} → {}", show(p), show(q)),
            (None, Some(q)) => format!("– → {}", show(q)),
            (Some(p), None) => format!("{} → –", show(p)),
            (None, None) => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {k} | {} | {} | {} | {:.2} | {apart} | {kernel} |",
            f.unit,
            cell(x, old),
            cell(y, row),
            y / x
        );
    }
    if !only_new.is_empty() {
        let _ = writeln!(out, "\nOnly in new: {}.", only_new.join("; "));
    }
    let verdicts = |v: &Value| -> Vec<(String, Option<bool>)> {
        v["targets"]
            .as_array()
            .map(|t| {
                t.iter()
                    .map(|t| {
                        (
                            t["what"].as_str().unwrap_or("?").to_owned(),
                            t["met"].as_bool(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ta, tb) = (verdicts(&a), verdicts(&b));
    let changed: Vec<String> = tb
        .iter()
        .filter_map(|(what, met)| {
            let (_, before) = ta.iter().find(|(w, _)| w == what)?;
            (before != met).then(|| {
                let word = |m: &Option<bool>| match m {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "–",
                };
                format!("- {what}: {} → {}", word(before), word(met))
            })
        })
        .collect();
    let _ = writeln!(
        out,
        "\nTargets: base {} met / {} missed, new {} met / {} missed.",
        a["targets_met"], a["targets_missed"], b["targets_met"], b["targets_missed"]
    );
    match changed.is_empty() {
        true => {
            let _ = writeln!(out, "No target changed its verdict.");
        }
        false => {
            let _ = writeln!(out, "Changed:\n\n{}", changed.join("\n"));
        }
    }
    Ok(out)
}

//! The benchmark report: each figure beside its baseline measured in the same run, the
//! table printed to the terminal, and the Markdown file with the machine description.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// One figure of ours against one baseline, in the same unit.
pub struct Figure {
    /// Which of the six questions it answers, e.g. "1 start".
    pub group: &'static str,
    pub what: String,
    pub ours: f64,
    pub baseline: f64,
    pub unit: &'static str,
    /// What the baseline is, in a few words.
    pub baseline_is: String,
}

impl Figure {
    /// Ours divided by the baseline.
    pub fn ratio(&self) -> f64 {
        if self.baseline == 0.0 {
            f64::NAN
        } else {
            self.ours / self.baseline
        }
    }
}

/// Everything one run found.
#[derive(Default)]
pub struct Report {
    pub figures: Vec<Figure>,
    /// Findings that are not ratios (RSS samples, duplicate counts), one line each.
    pub notes: Vec<String>,
    /// Checks a correct run must pass (e.g. no duplicated check-in); any false fails the run.
    pub checks: Vec<(String, bool)>,
}

impl Report {
    pub fn figure(
        &mut self,
        group: &'static str,
        what: impl Into<String>,
        (ours, baseline): (f64, f64),
        unit: &'static str,
        baseline_is: impl Into<String>,
    ) {
        self.figures.push(Figure {
            group,
            what: what.into(),
            ours,
            baseline,
            unit,
            baseline_is: baseline_is.into(),
        });
    }

    pub fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("  {line}");
        self.notes.push(line);
    }

    pub fn check(&mut self, what: impl Into<String>, passed: bool) {
        let what = what.into();
        println!("  check: {what}: {}", if passed { "pass" } else { "FAIL" });
        self.checks.push((what, passed));
    }

    pub fn passed(&self) -> bool {
        self.checks.iter().all(|(_, ok)| *ok)
    }

    /// The figures as a Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| # | figure | frontdesk | baseline | ratio | baseline is |\n|---|---|---:|---:|---:|---|\n",
        );
        // In the order, whichever order the runs went in (2 and 6 share one run).
        let mut figures: Vec<&Figure> = self.figures.iter().collect();
        figures.sort_by_key(|f| f.group);
        for f in figures {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {} {} | {:.2}× | {} |",
                f.group,
                f.what,
                number(f.ours),
                f.unit,
                number(f.baseline),
                f.unit,
                f.ratio(),
                f.baseline_is
            );
        }
        out
    }

    /// The whole report as a Markdown document.
    pub fn markdown(&self, mode: &str, seconds: f64) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# frontdesk benchmark results\n");
        let _ = writeln!(
            out,
            "Produced by `cargo bench --bench frontdesk` ({mode}, {seconds:.0} s). Ratios are \
             frontdesk ÷ baseline; every baseline was measured in the same run.\n"
        );
        let _ = writeln!(out, "## Machine\n\n{}", machine());
        let _ = writeln!(out, "## Figures\n\n{}", self.table());
        if !self.notes.is_empty() {
            let _ = writeln!(out, "## Notes\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "## Checks\n");
        for (what, ok) in &self.checks {
            let _ = writeln!(out, "- {}: {what}", if *ok { "pass" } else { "**FAIL**" });
        }
        out
    }
}

/// Three significant figures, without exponent noise.
fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// The p-th percentile (0..=100) by nearest rank; NaN for no samples.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

pub fn median(samples: &[f64]) -> f64 {
    percentile(samples, 50.0)
}

/// What the figures were measured on, as Markdown bullets.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|r| r.trim_start_matches([' ', '\t', ':']))
        })
        .unwrap_or("unknown")
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")
                .map(str::trim)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let profile = if cfg!(debug_assertions) {
        "debug (smoke run: figures are not representative)"
    } else {
        "release (thin LTO)"
    };
    format!(
        "- CPU: {cpu}, {cores} cores available\n- memory: {memory}\n- OS: {os}, kernel {}\n\
         - {}\n- {}\n- build: {profile}\n- date: {}\n",
        kernel.trim(),
        version_of("rustc", &["--version"]),
        version_of("chromium", &["--version"]),
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
    )
}

fn version_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| format!("{program}: not found"))
}

/// Writes the report, creating the folder.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

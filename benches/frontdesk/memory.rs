//! Reading a process's memory from /proc: resident set (RSS) and proportional set (PSS,
//! shared pages divided among the processes sharing them) summed over a process tree.

use std::collections::HashMap;

/// The process and all its descendants, by walking /proc's parent links.
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(parent) = parent_of(pid) {
                children.entry(parent).or_default().push(pid);
            }
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        if let Some(kids) = children.get(&tree[next]) {
            tree.extend(kids);
        }
        next += 1;
    }
    tree
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(1)?.parse().ok()
}

/// PSS in KiB summed over `root` and its descendants.
pub fn pss_tree_kib(root: u32) -> u64 {
    process_tree(root)
        .into_iter()
        .filter_map(|pid| field_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:"))
        .sum()
}

/// This process's resident set in KiB.
pub fn rss_self_kib() -> u64 {
    field_kib("/proc/self/status", "VmRSS:").unwrap_or(0)
}

fn field_kib(path: &str, name: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(name))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// SIGKILLs a process tree (children first are not needed: we kill them all at once).
pub fn kill_tree(root: u32) {
    let pids: Vec<String> = process_tree(root).iter().map(u32::to_string).collect();
    let _ = std::process::Command::new("kill")
        .arg("-KILL")
        .args(&pids)
        .stderr(std::process::Stdio::null())
        .status();
}

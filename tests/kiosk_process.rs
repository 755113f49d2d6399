//! The kiosk binary as systemd runs it: stdout is a pipe (journald), not a terminal, so
//! its log lines carry no ANSI colour codes.

use std::process::Command;

#[test]
fn logs_to_a_pipe_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "office_url = \"http://127.0.0.1:9\"\ndata_dir = \"{}\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_frontdesk-kiosk"))
        .args(["--config", config.to_str().unwrap()])
        .args(["run", "--headless", "--exit-after-first-frame"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8(output.stdout).unwrap();
    assert!(log.contains("first frame rendered"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in: {log:?}");
}

//! The kiosk draws with the backend it is told to use, never a guess: told linuxkms on a
//! machine with no panel, or winit with no X display, it stops with an error naming the
//! display (systemd restarts it, the journal says why) instead of running headless in
//! front of a dark screen. This machine has neither `/dev/dri` nor an X display.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A kiosk.toml in `dir` for an office nobody answers, plus `config_extra`.
fn write_config(dir: &Path, config_extra: &str) -> PathBuf {
    let config = dir.join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "office_url = \"http://127.0.0.1:9\"\ndata_dir = \"{}\"\n{config_extra}",
            dir.join("data").display()
        ),
    )
    .unwrap();
    config
}

fn run_kiosk(dir: &Path, config_extra: &str, args: &[&str]) -> Output {
    let config = write_config(dir, config_extra);
    Command::new(env!("CARGO_BIN_EXE_frontdesk-kiosk"))
        .args(["--config", config.to_str().unwrap(), "run"])
        .args(args)
        .arg("--snapshot")
        .arg(dir.join("screen.png"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn refused(output: &Output, dir: &Path, display: &str) {
    assert!(!output.status.success(), "ran without a screen: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(display), "says why: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("first frame rendered"), "{stdout}");
    assert!(!dir.join("screen.png").exists(), "drew headless instead");
}

#[test]
fn a_kiosk_told_linuxkms_without_a_panel_stops_instead_of_going_headless() {
    let dir = tempfile::tempdir().unwrap();
    let from_config = run_kiosk(dir.path(), "[display]\nbackend = \"linuxkms\"\n", &[]);
    refused(&from_config, dir.path(), "display");
    let from_option = run_kiosk(dir.path(), "", &["--backend", "linuxkms"]);
    refused(&from_option, dir.path(), "display");
}

#[test]
fn a_kiosk_told_winit_without_an_x_display_stops_instead_of_going_headless() {
    let dir = tempfile::tempdir().unwrap();
    // winit is also the default when the config names none.
    let output = run_kiosk(dir.path(), "", &[]);
    refused(&output, dir.path(), "winit display");
}

#[test]
fn headless_named_in_the_config_draws_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[display]\nbackend = \"headless\"\n");
    let screen = dir.path().join("screen.png");
    let mut kiosk = Command::new(env!("CARGO_BIN_EXE_frontdesk-kiosk"))
        .args(["--config", config.to_str().unwrap(), "run", "--snapshot"])
        .arg(&screen)
        .env_remove("DISPLAY")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let drawn = (0..600).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        screen.exists() || kiosk.try_wait().unwrap().is_some()
    });
    let still_running = kiosk.try_wait().unwrap().is_none();
    let _ = kiosk.kill();
    let _ = kiosk.wait();
    assert!(
        drawn && still_running && screen.exists(),
        "no headless frame"
    );
}

#[test]
fn an_unknown_backend_is_named_on_the_setup_needed_screen() {
    let dir = tempfile::tempdir().unwrap();
    // Not a backend: the kiosk cannot know which screen it has, so it shows "setup
    // needed" where it is told (`--exit-after-first-frame`: headless, one frame).
    let output = run_kiosk(
        dir.path(),
        "[display]\nbackend = \"auto\"\n",
        &["--exit-after-first-frame"],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("setup needed"), "{stdout}");
    assert!(stdout.contains("([display] backend)"), "{stdout}");
    assert!(dir.path().join("screen.png").exists());
}

//! `frontdesk-kiosk`: the lobby touch screen. Thin: parse arguments, load config, run.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::display::DisplayBackend;
use frontdesk::kiosk::run::{RunOptions, run, run_setup_needed};
use std::path::{Path, PathBuf};
use std::time::Instant;

const DEFAULT_CONFIG: &str = "/etc/frontdesk/kiosk.toml";

#[derive(Parser)]
#[command(version, about = "frontdesk lobby kiosk")]
struct Cli {
    /// Configuration file (TOML). A missing file at the default path means defaults.
    #[arg(long, env = "FRONTDESK_KIOSK_CONFIG", default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk (the default).
    Run(RunArgs),
    /// Render every screen at 1280x800 and 800x480 to PNG files, without a display.
    RenderScreens {
        #[arg(long, default_value = "screens")]
        out: PathBuf,
    },
    /// Write the `wpa_supplicant` configuration for the config's `[wifi]` to OUT (mode
    /// 0600), or remove OUT when there is no `[wifi]`. The image runs it at every boot
    /// (frontdesk-wifi.service).
    WifiConfig {
        #[arg(long, default_value = "/run/frontdesk-wifi/wpa_supplicant-wlan0.conf")]
        out: PathBuf,
    },
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// What draws the screen: winit (a desktop window), linuxkms (the Pi's panel, no X) or
    /// headless (in memory). Default: `[display] backend` in the config, else winit. Never
    /// guessed: a backend that cannot open its screen is an error, not a headless kiosk.
    #[arg(long)]
    backend: Option<DisplayBackend>,
    /// Shorthand for `--backend headless`.
    #[arg(long, conflicts_with = "backend")]
    headless: bool,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x800", value_parser = parse_size)]
    size: (u32, u32),
    /// Headless: write the screen to this PNG after every change.
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// Demo: a scripted patient taps through the screens.
    #[arg(long)]
    demo_patient: bool,
    /// Headless: exit once the first frame is drawn (with --snapshot: a picture of what
    /// the kiosk would show; also what the start-up benchmark times).
    #[arg(long)]
    exit_after_first_frame: bool,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text.split_once('x').ok_or("expected WIDTHxHEIGHT")?;
    let w = w.parse().map_err(|_| "bad width")?;
    let h = h.parse().map_err(|_| "bad height")?;
    Ok((w, h))
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    frontdesk::logging::init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::RenderScreens { out }) => {
            let files = frontdesk::kiosk::render::render_all(&out)?;
            for file in &files {
                println!("{}", file.display());
            }
            Ok(())
        }
        Some(Command::WifiConfig { out }) => {
            use frontdesk::kiosk::wifi::{Written, write_supplicant_conf};
            match write_supplicant_conf(&cli.config, &out)? {
                Written::Network => tracing::info!(out = %out.display(), "Wi-Fi configured"),
                Written::NoWifi => tracing::info!("no [wifi] in the config: wired only"),
            }
            Ok(())
        }
        Some(Command::Run(args)) => run_kiosk(&cli.config, args, started),
        None => run_kiosk(
            &cli.config,
            RunArgs {
                size: (1280, 800),
                ..RunArgs::default()
            },
            started,
        ),
    }
}

fn run_kiosk(config_path: &Path, args: RunArgs, started: Instant) -> anyhow::Result<()> {
    let loaded = if config_path.exists() || config_path.as_os_str() != DEFAULT_CONFIG {
        KioskConfig::load(config_path)
    } else {
        tracing::info!("no {DEFAULT_CONFIG}; using defaults");
        Ok(KioskConfig::default())
    };
    let headless = args.headless || args.exit_after_first_frame;
    let options = |backend| RunOptions {
        backend,
        size: slint::PhysicalSize::new(args.size.0, args.size.1),
        snapshot: args.snapshot.clone(),
        demo_patient: args.demo_patient,
        started,
        exit_after_first_frame: args.exit_after_first_frame,
    };
    let config = match loaded {
        Ok(config) => config,
        // A screen that says what to fix, rather than an exit systemd restarts forever.
        Err(error) => {
            let detail = error.setup_detail();
            tracing::error!(%detail, "kiosk configuration cannot be used; showing \"setup needed\"");
            let backend = if headless {
                DisplayBackend::Headless
            } else {
                args.backend
                    .or_else(|| frontdesk::kiosk::config::salvage_backend(config_path))
                    .unwrap_or_default()
            };
            return run_setup_needed(detail, options(backend)).context("kiosk failed");
        }
    };
    let backend = if headless {
        DisplayBackend::Headless
    } else {
        args.backend.unwrap_or(config.display.backend)
    };
    run(config, options(backend)).context("kiosk failed")
}

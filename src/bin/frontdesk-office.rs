//! `frontdesk-office`: the office hub. Thin: parse arguments, load config, run.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use frontdesk::office::store::StoreHandle;
use frontdesk::office::{Office, OfficeConfig, appointments, forms, signin};
use frontdesk::service::{Health, ServiceManager};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

const DEFAULT_CONFIG: &str = "/etc/frontdesk/office.toml";

#[derive(Parser)]
#[command(
    version,
    about = "frontdesk office hub: kiosk API and live staff queue"
)]
struct Cli {
    /// Configuration file (TOML). A missing file at the default path means defaults.
    #[arg(long, env = "FRONTDESK_OFFICE_CONFIG", default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the kiosk API and the staff page until Ctrl-C or SIGTERM.
    Serve {
        /// Override `listen` from the config.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Override `data_dir` from the config.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Load today's synthetic demo appointments at start.
        #[arg(long)]
        demo: bool,
    },
    /// Import appointments from a CSV file
    /// (appointment_id,date,time,last_name,first_name,provider,copay).
    ImportAppointments {
        file: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Walk the audit log's hash chain in the data directory and check it against the
    /// signed checkpoints: exits non-zero naming the first bad seq and why (edited,
    /// inserted, deleted, reordered, truncated). Opens the database read-only.
    VerifyAudit {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Copy the office database to FILE while the hub runs (SQLite's online backup), then
    /// check the copy: it opens, passes `PRAGMA integrity_check`, and its audit chain
    /// verifies against the signed checkpoints that cover it, which are written beside
    /// it as FILE.audit-checkpoints.txt. FILE is replaced only by a checked copy.
    Backup {
        #[arg(long)]
        to: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print the SHA-256 fingerprint of the certificate the hub serves over HTTPS (made now
    /// if `[tls]` has no cert and none was made yet), for each kiosk's
    /// `office_certificate_sha256`.
    TlsFingerprint {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Print instead the base64 SHA-256 of the certificate's public key, for
        /// Chromium's `--ignore-certificate-errors-spki-list`.
        #[arg(long)]
        chromium_spki: bool,
    },
    /// Check a forms folder (consent/*.md, questionnaires/*.toml) with the `[forms]`
    /// settings of the config: prints each refusal (file, line, reason) and exits non-zero
    /// if there is any. A running hub reads its folder again on SIGHUP.
    CheckForms { dir: PathBuf },
    /// Add a staff user (the first admin is made this way). The password is read from
    /// `--password-file` or the first line of standard input, never from the command
    /// line; at least 12 characters.
    AddUser {
        #[arg(long)]
        username: String,
        /// front-desk, manager or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// List staff users: id, username, role, disabled or not, created at.
    ListUsers {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// The EHR's MLLP peer for the demo: acknowledges every HL7 message `AA`, printing
    /// its type and control id.
    EhrSim {
        #[arg(long, default_value = "127.0.0.1:2576")]
        listen: SocketAddr,
    },
    /// Run the clearinghouse simulator: answers `POST /270` with 271s for synthetic
    /// members (TST0001 active with co-pays, TST0002 inactive, TST0003 slow, other TST ids
    /// not found). Synthetic data only, for tests and the demo.
    ClearinghouseSim {
        #[arg(long, default_value = "127.0.0.1:8490")]
        listen: SocketAddr,
        /// How long TST0003 waits before answering, in seconds.
        #[arg(long, default_value_t = 30)]
        slow_secs: u64,
    },
}

fn load_config(path: &Path, data_dir: Option<PathBuf>) -> anyhow::Result<OfficeConfig> {
    let mut config = if path.exists() || path.as_os_str() != DEFAULT_CONFIG {
        OfficeConfig::load(path)?
    } else {
        tracing::info!("no {DEFAULT_CONFIG}; using defaults");
        OfficeConfig::default()
    };
    if let Some(dir) = data_dir {
        config.data_dir = dir;
    }
    Ok(config)
}

fn main() -> anyhow::Result<()> {
    frontdesk::logging::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            demo,
        } => {
            let mut config = load_config(&cli.config, data_dir)?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            serve(config, demo)
        }
        Command::EhrSim { listen } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                println!("EHR simulator: MLLP on {listen}");
                frontdesk::office::hl7::sim::serve(listener, |line| {
                    println!("EHR simulator: {line}");
                })
                .await?;
                Ok(())
            })
        }
        Command::ClearinghouseSim { listen, slow_secs } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                println!("clearinghouse simulator: POST http://{listen}/270");
                frontdesk::office::eligibility::simulator::serve(
                    listener,
                    std::time::Duration::from_secs(slow_secs),
                )
                .await?;
                Ok(())
            })
        }
        Command::CheckForms { dir } => {
            let config = load_config(&cli.config, None)?;
            match forms::check_dir(&dir, &config.forms) {
                Ok(checked) => {
                    println!(
                        "ok: consent documents: {}, questionnaires: {}, revision {}",
                        checked.consent_count(),
                        checked.questionnaire_count(),
                        checked.response.revision
                    );
                    Ok(())
                }
                Err(refusals) => {
                    for refusal in &refusals {
                        println!("refused: {refusal}");
                    }
                    anyhow::bail!("{} problem(s) in {}", refusals.len(), dir.display())
                }
            }
        }
        Command::AddUser {
            username,
            role,
            password_file,
            data_dir,
        } => {
            let config = load_config(&cli.config, data_dir)?;
            let username = signin::Username::new(&username)?;
            let role: signin::Role = role.parse()?;
            let password = signin::Password::new(read_password(password_file.as_deref())?)?;
            let store = open_store(&config)?;
            let id = signin::add_user(
                &mut *store.get()?,
                &username,
                role,
                &password,
                jiff::Timestamp::now(),
            )?;
            println!("added user {id}: {username} ({role})");
            Ok(())
        }
        Command::ListUsers { data_dir } => {
            let config = load_config(&cli.config, data_dir)?;
            let store = open_store(&config)?;
            println!("id\tusername\trole\tdisabled\tcreated_at");
            for user in store.get()?.staff_users()? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    user.id, user.username, user.role, user.disabled, user.created_at
                );
            }
            Ok(())
        }
        Command::Backup { to, data_dir } => {
            let config = load_config(&cli.config, data_dir)?;
            if config.database.url.is_some() {
                anyhow::bail!(
                    "the hub's store is PostgreSQL ([database] url): back it up with pg_dump \
                     (see the README); `backup` copies the SQLite store"
                );
            }
            let report = frontdesk::office::backup::backup(&config.data_dir, &to)
                .with_context(|| format!("backup to {} failed", to.display()))?;
            println!(
                "backed up to {} ({} bytes, {} audit entries verified against {} checkpoint(s)) in {:.3} s",
                report.path.display(),
                report.bytes,
                report.audit_entries,
                report.checkpoints,
                report.elapsed.as_secs_f64()
            );
            Ok(())
        }
        Command::VerifyAudit { data_dir } => {
            let config = load_config(&cli.config, data_dir)?;
            verify_audit(&config)
        }
        Command::TlsFingerprint {
            data_dir,
            chromium_spki,
        } => {
            let config = load_config(&cli.config, data_dir)?;
            let Some(tls) = &config.tls else {
                anyhow::bail!("no [tls] section in the config: the hub serves plain HTTP");
            };
            config.validate()?;
            let certificate = frontdesk::office::tls::OfficeCertificate::load_or_create(
                tls,
                &config.data_dir,
                config.listen,
                jiff::Timestamp::now(),
            )?;
            if chromium_spki {
                println!("{}", certificate.spki_sha256_base64());
            } else {
                println!("{}", certificate.fingerprint());
            }
            Ok(())
        }
        Command::ImportAppointments { file, data_dir } => {
            let config = load_config(&cli.config, data_dir)?;
            let office = Office::open(config)?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let list = appointments::parse_csv(input)?;
            let count = office.state().store.get()?.import_appointments(&list)?;
            println!("imported {count} appointments");
            Ok(())
        }
    }
}

/// The office database alone (no keys, forms or server), for the user commands.
fn open_store(config: &OfficeConfig) -> anyhow::Result<StoreHandle> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    Ok(StoreHandle::open(
        &config.database,
        config.clinic_id,
        &config.data_dir,
    )?)
}

/// A password from a file or the first line of standard input, without its line end.
fn read_password(file: Option<&Path>) -> anyhow::Result<String> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line
        }
    };
    let first = text.lines().next().unwrap_or_default();
    Ok(first.to_owned())
}

fn verify_audit(config: &OfficeConfig) -> anyhow::Result<()> {
    let report = frontdesk::office::audit::verify::verify_configured(
        &config.database,
        config.clinic_id,
        &config.data_dir,
    )?;
    println!(
        "checked {} entries (last seq {}) against {} checkpoint(s) (last signed seq {}) in {:.3} s",
        report.checked,
        report.last_seq.map_or("none".into(), |s| s.to_string()),
        report.checkpoints,
        report
            .last_checkpoint
            .map_or("none".into(), |s| s.to_string()),
        report.elapsed.as_secs_f64()
    );
    if report.last_checkpoint.is_none() && report.last_seq.is_some() {
        println!("warning: no signed checkpoint yet: entries cut off the end would not show");
    }
    let Some(first) = report.findings.first() else {
        println!("ok: the audit log verifies");
        return Ok(());
    };
    for finding in &report.findings {
        println!("TAMPERED: {finding}");
    }
    anyhow::bail!("audit log does not verify: {first}")
}

fn serve(config: OfficeConfig, demo: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listen = config.listen;
        let office = Office::open(config)?;
        if demo {
            let today = office.state().today(jiff::Timestamp::now());
            let list = appointments::demo_set(today);
            office.state().store.get()?.import_appointments(&list)?;
            tracing::info!(count = list.len(), "loaded synthetic demo appointments");
        }
        reload_forms_on_sighup(office.state().clone());
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        tracing::info!(%address, "office hub listening");
        let scheme = if office.state().tls.is_some() {
            "https"
        } else {
            "http"
        };
        println!("Staff page: {scheme}://{address}/");
        let manager = ServiceManager::from_env();
        if let Err(error) = manager.ready("serving the staff page and kiosks") {
            tracing::warn!(%error, "cannot tell systemd the hub is ready");
        }
        feed_watchdog(manager, office.state().clone());
        office.serve(listener, shutdown_signal()).await?;
        if let Err(error) = manager.stopping() {
            tracing::warn!(%error, "cannot tell systemd the hub is stopping");
        }
        tracing::info!("office hub stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = ctrl_c.await;
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}

/// Feeds systemd's watchdog (when the unit has one) while the store answers within the
/// interval: a wedged database or a stuck store lock gets the hub restarted.
fn feed_watchdog(manager: ServiceManager, state: frontdesk::office::server::AppState) {
    let Some(every) = manager.watchdog_every() else {
        return;
    };
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let answered = tokio::time::timeout(every, state.db(|db| db.check())).await;
            let health = match answered {
                Ok(Ok(())) => Health::Ok,
                Ok(Err(_)) => Health::Failing("store"),
                Err(_) => Health::Failing("store (no answer)"),
            };
            if health != Health::Ok {
                tracing::error!(?health, "hub unhealthy; not feeding the watchdog");
            }
            if let Err(error) = manager.watchdog(health) {
                tracing::warn!(%error, "cannot feed systemd's watchdog");
            }
        }
    });
}

/// `kill -HUP` reads the form files again (the last good set stays if they are refused).
fn reload_forms_on_sighup(state: frontdesk::office::server::AppState) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; forms are read at start only");
        return;
    };
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match state.reload_forms().await {
                Ok(reloaded) => tracing::info!(?reloaded, "forms reloaded on SIGHUP"),
                Err(error) => tracing::error!(%error, "cannot reload forms"),
            }
        }
    });
}

//! `kiosk.toml`: every setting has a default that works on a laptop next to a local office.

use crate::devices::framing::{DEFAULT_GAP, MAX_GAP, MIN_GAP, Terminator};
use crate::devices::printer::PrinterSettings;
use crate::devices::receipt::{Columns, Layout, QrMode};
use crate::domain::KioskId;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] crate::config_file::FileError),
    #[error("office_url must start with http:// or https://")]
    OfficeUrl,
    #[error(
        "office_url is https:// but office_certificate_sha256 is not set: run `frontdesk-office tls-fingerprint` on the office and copy its output here"
    )]
    HttpsWithoutPin,
    #[error(
        "office_url is http:// to a host other than this machine: use https:// and office_certificate_sha256"
    )]
    PlainHttpNotLoopback,
    #[error("office_certificate_sha256 is set but office_url is http://: the pin needs https://")]
    PinWithoutHttps,
    #[error("idle_timeout_secs must be 10-600 and done_timeout_secs 3-60")]
    Timeouts,
    #[error("scanner gap_ms must be {}-{}", MIN_GAP.as_millis(), MAX_GAP.as_millis())]
    ScannerGap,
    #[error("card_terminal password must be 6 digits")]
    TerminalPassword,
    #[error("card_terminal payment_timeout_secs must be 30-300")]
    TerminalTimeout,
    #[error(
        "receipt_printer columns must be 24-64 (32 for 58 mm paper, 42 or 48 for 80 mm), not {0}"
    )]
    PrinterColumns(u8),
    #[error("receipt_printer baud must be one of {PRINTER_BAUDS:?}, not {0}")]
    PrinterBaud(u32),
    #[error("leave_out cannot name identify or check_in: every patient identifies and checks in")]
    LeaveOut,
    #[error(
        "camera needs exactly one of device (a V4L2 device such as /dev/video0) or simulator (a folder of card images)"
    )]
    Camera,
    #[error(transparent)]
    Display(#[from] super::display::DisplayError),
    #[error(transparent)]
    Wifi(#[from] super::wifi::WifiError),
}

impl ConfigError {
    /// Which setting is wrong, in words for the IT person, for the "setup needed" screen
    /// and the log: a TOML syntax error gives its line and message but never the text of
    /// the line (it may hold the office token).
    pub fn setup_detail(&self) -> String {
        use crate::config_file::FileError;
        match self {
            ConfigError::File(FileError::Parse { path, source }) => {
                let file = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let message = crate::config_file::without_values(source);
                match source.span().and_then(|span| place_of(path, span.start)) {
                    Some((line, Some(key))) => format!("{file}, line {line} ({key}): {message}"),
                    Some((line, None)) => format!("{file}, line {line}: {message}"),
                    None => format!("{file}: {message}"),
                }
            }
            other => other.to_string(),
        }
    }
}

/// The 1-based line of byte `at` of the file at `path`, and the key set on that line with
/// its table (`[display] backend`) when the line is `key = ...`: names only, never the
/// value.
fn place_of(path: &Path, at: usize) -> Option<(usize, Option<String>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let before = text.get(..at)?;
    let line = before.matches('\n').count() + 1;
    let bare = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .filter(|l| bare(l.trim_matches(|c| c == '[' || c == ']')));
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(key, _)| key.trim())
        .filter(|key| bare(key))
        .map(|key| match table {
            Some(table) => format!("{table} {key}"),
            None => key.to_owned(),
        });
    Some((line, key))
}

/// The `[display] backend` of a configuration file that cannot be used as a whole, so the
/// "setup needed" screen shows where the kiosk's screen is (the Pi's panel) when only
/// another key is wrong.
pub fn salvage_backend(path: &Path) -> Option<super::display::DisplayBackend> {
    use super::display::DisplayBackend;
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    match table.get("display")?.get("backend")?.as_str()? {
        "winit" => Some(DisplayBackend::Winit),
        "linuxkms" => Some(DisplayBackend::Linuxkms),
        "headless" => Some(DisplayBackend::Headless),
        _ => None,
    }
}

/// The rates ESC/POS printers offer on their serial interface.
const PRINTER_BAUDS: [u32; 7] = [2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200];

/// The serial ESC/POS receipt printer.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptPrinterConfig {
    pub port: PathBuf,
    #[serde(default = "default_printer_baud")]
    pub baud: u32,
    /// Characters per line: 32 for 58 mm paper, 42 or 48 for 80 mm (any of 24-64).
    #[serde(default = "default_columns")]
    pub columns: u8,
    /// "native" (the printer's own QR command, default) or "bitmap" (for printers without).
    #[serde(default)]
    pub qr: QrMode,
}

impl ReceiptPrinterConfig {
    /// A printer at `port` with every other setting at its default.
    pub fn new(port: PathBuf) -> Self {
        Self {
            port,
            baud: default_printer_baud(),
            columns: default_columns(),
            qr: QrMode::default(),
        }
    }

    /// The driver's settings (its timeouts at their defaults); fails only on columns that
    /// [`KioskConfig::validate`] refuses.
    pub fn settings(&self) -> Result<PrinterSettings, ConfigError> {
        let columns =
            Columns::new(self.columns).map_err(|_| ConfigError::PrinterColumns(self.columns))?;
        Ok(PrinterSettings {
            baud: self.baud,
            layout: Layout {
                columns,
                qr: self.qr,
            },
            ..PrinterSettings::new(self.port.clone())
        })
    }
}

fn default_printer_baud() -> u32 {
    38_400
}

fn default_columns() -> u8 {
    u8::try_from(Columns::NARROW.get()).unwrap_or(32)
}

/// The insurance card camera: a V4L2 device, or a folder of images served in turn (the
/// demo and tests). Exactly one of the two.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    /// A V4L2 capture device, e.g. "/dev/video0".
    #[serde(default)]
    pub device: Option<PathBuf>,
    /// A folder of PNG / JPEG card photos, served by file name in turn.
    #[serde(default)]
    pub simulator: Option<PathBuf>,
}

impl CameraConfig {
    /// The camera this section names; `None` unless exactly one source is given
    /// ([`KioskConfig::validate`] refuses that).
    pub fn open(&self) -> Option<Box<dyn crate::devices::camera::CardCamera>> {
        use crate::devices::camera::{sim::SimulatedCamera, v4l2::V4l2Camera};
        match (&self.device, &self.simulator) {
            (Some(device), None) => Some(Box::new(V4l2Camera::new(device.clone()))),
            (None, Some(dir)) => Some(Box::new(SimulatedCamera::new(dir.clone()))),
            _ => None,
        }
    }
}

/// The serial barcode scanner.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScannerConfig {
    pub port: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// The suffix the scanner is set up to send: "cr" (default), "lf", "crlf" or "tab".
    #[serde(default)]
    pub terminator: Terminator,
    /// Milliseconds of silence that end a scan (scanners without a suffix, licences).
    #[serde(default = "default_gap_ms")]
    pub gap_ms: u64,
}

impl ScannerConfig {
    /// A scanner at `port` with every other setting at its default.
    pub fn new(port: PathBuf) -> Self {
        Self {
            port,
            baud: default_baud(),
            terminator: Terminator::default(),
            gap_ms: default_gap_ms(),
        }
    }

    pub fn gap(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.gap_ms)
    }
}

/// The card terminal beside the screen. Semi-integrated: the kiosk sends an amount and
/// gets a result; card data stays in the terminal.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CardTerminalConfig {
    pub port: PathBuf,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// The protocol the terminal speaks; "zvt" (the default) is the one there is.
    #[serde(default)]
    pub protocol: TerminalProtocol,
    /// The terminal's ECR password (6 digits, from its merchant setup).
    #[serde(default = "default_terminal_password")]
    pub password: String,
    /// The longest a patient may take at the terminal before the kiosk aborts the payment.
    #[serde(default = "default_payment_timeout_secs")]
    pub payment_timeout_secs: u64,
    /// Clinic time ("21:30") after which the kiosk closes the terminal's day (end of day)
    /// once, while idle; absent: the terminal closes its own day.
    #[serde(default)]
    pub close_day_at: Option<jiff::civil::Time>,
}

impl std::fmt::Debug for CardTerminalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardTerminalConfig")
            .field("port", &self.port)
            .field("baud", &self.baud)
            .field("protocol", &self.protocol)
            .field("password", &"<secret>")
            .field("payment_timeout_secs", &self.payment_timeout_secs)
            .field("close_day_at", &self.close_day_at)
            .finish()
    }
}

impl CardTerminalConfig {
    /// A ZVT terminal at `port` with every other setting at its default.
    pub fn new(port: PathBuf) -> Self {
        Self {
            port,
            baud: default_baud(),
            protocol: TerminalProtocol::default(),
            password: default_terminal_password(),
            payment_timeout_secs: default_payment_timeout_secs(),
            close_day_at: None,
        }
    }

    pub fn payment_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.payment_timeout_secs)
    }
}

/// Which protocol the card terminal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalProtocol {
    /// ZVT over RS-232 / USB serial.
    #[default]
    Zvt,
}

fn default_terminal_password() -> String {
    "000000".into()
}

fn default_payment_timeout_secs() -> u64 {
    120
}

fn default_baud() -> u32 {
    9600
}

fn default_gap_ms() -> u64 {
    u64::try_from(DEFAULT_GAP.as_millis()).unwrap_or(100)
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    pub kiosk_id: KioskId,
    /// Where the office hub listens.
    pub office_url: String,
    /// This kiosk's secret, as listed in the office's `kiosks`.
    pub office_token: String,
    /// With an `https://` office: the SHA-256 fingerprint (`AB:CD:...`) of the office's
    /// certificate, as `frontdesk-office tls-fingerprint` prints it. The kiosk trusts that
    /// certificate and no other (not the public CA store).
    pub office_certificate_sha256: Option<crate::tls::Fingerprint>,
    /// Outbox database.
    pub data_dir: PathBuf,
    /// Seconds without a touch before the screen is wiped back to welcome.
    pub idle_timeout_secs: u64,
    /// Seconds the "take a seat" screen stays up.
    pub done_timeout_secs: u64,
    /// Absent: no scanner attached (codes cannot be scanned; the screen says to see the desk).
    pub scanner: Option<ScannerConfig>,
    /// Absent: no card terminal (patients are told to pay what is due at the desk).
    pub card_terminal: Option<CardTerminalConfig>,
    /// Absent: no receipt printer (the payment screens say nothing about a receipt).
    pub receipt_printer: Option<ReceiptPrinterConfig>,
    /// Optional steps of the standard journey this kiosk leaves out, e.g. `["consent",
    /// "questions"]` for a kiosk where patients only check in and pay (a lab's waiting
    /// room). Any of "register", "confirm", "details", "insurance", "consent", "questions",
    /// "payment";
    /// identifying and checking in cannot be left out.
    pub leave_out: Vec<crate::checkin::StepKind>,
    /// Absent: no pins (no status LED, no physical "call staff" button).
    pub gpio: Option<crate::devices::gpio::GpioConfig>,
    /// Absent: no camera (the insurance step offers scanning and typing only).
    pub camera: Option<CameraConfig>,
    /// The screen: which backend draws it and when its backlight goes off.
    pub display: super::display::DisplayConfig,
    /// Absent: the wired port only. The image joins this network at boot.
    pub wifi: Option<super::wifi::WifiConfig>,
}

impl std::fmt::Debug for KioskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskConfig")
            .field("kiosk_id", &self.kiosk_id)
            .field("office_url", &self.office_url)
            .field("office_token", &"<secret>")
            .field("office_certificate_sha256", &self.office_certificate_sha256)
            .field("data_dir", &self.data_dir)
            .field("scanner", &self.scanner)
            .field("card_terminal", &self.card_terminal)
            .field("receipt_printer", &self.receipt_printer)
            .field("gpio", &self.gpio)
            .field("camera", &self.camera)
            .field("display", &self.display)
            .field("wifi", &self.wifi)
            .finish_non_exhaustive()
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            kiosk_id: KioskId::new("lobby-1").expect("valid id"),
            office_url: "http://127.0.0.1:8480".into(),
            office_token: String::new(),
            office_certificate_sha256: None,
            data_dir: PathBuf::from("/var/lib/frontdesk/kiosk"),
            idle_timeout_secs: 60,
            done_timeout_secs: 10,
            scanner: None,
            card_terminal: None,
            receipt_printer: None,
            leave_out: Vec::new(),
            gpio: None,
            camera: None,
            display: super::display::DisplayConfig::default(),
            wifi: None,
        }
    }
}

impl KioskConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let config: Self = crate::config_file::load_toml(path)?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        use crate::checkin::StepKind;
        if self
            .leave_out
            .iter()
            .any(|s| matches!(s, StepKind::Identify | StepKind::CheckIn))
        {
            return Err(ConfigError::LeaveOut);
        }
        self.check_office_url()?;
        self.display.validate()?;
        if !(10..=600).contains(&self.idle_timeout_secs)
            || !(3..=60).contains(&self.done_timeout_secs)
        {
            return Err(ConfigError::Timeouts);
        }
        if let Some(scanner) = &self.scanner
            && !(MIN_GAP..=MAX_GAP).contains(&scanner.gap())
        {
            return Err(ConfigError::ScannerGap);
        }
        if let Some(terminal) = &self.card_terminal {
            let password = &terminal.password;
            if password.len() != 6 || !password.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigError::TerminalPassword);
            }
            if !(30..=300).contains(&terminal.payment_timeout_secs) {
                return Err(ConfigError::TerminalTimeout);
            }
        }
        if let Some(printer) = &self.receipt_printer {
            if !PRINTER_BAUDS.contains(&printer.baud) {
                return Err(ConfigError::PrinterBaud(printer.baud));
            }
            printer.settings()?;
        }
        if let Some(camera) = &self.camera
            && camera.device.is_some() == camera.simulator.is_some()
        {
            return Err(ConfigError::Camera);
        }
        if let Some(wifi) = &self.wifi {
            wifi.network()?;
        }
        Ok(())
    }

    /// HTTPS with a pinned certificate, or plain HTTP to this machine only (the demo and
    /// tests): patient data never crosses a network in the clear, and a kiosk never trusts
    /// whatever certificate a public CA signed for a self-signed office's name.
    fn check_office_url(&self) -> Result<(), ConfigError> {
        let url = reqwest::Url::parse(&self.office_url).map_err(|_| ConfigError::OfficeUrl)?;
        match (url.scheme(), self.office_certificate_sha256) {
            ("https", Some(_)) => Ok(()),
            ("https", None) => Err(ConfigError::HttpsWithoutPin),
            ("http", Some(_)) => Err(ConfigError::PinWithoutHttps),
            ("http", None) => {
                // IPv6 hosts come bracketed ("[::1]").
                let host = url.host_str().unwrap_or_default();
                let bare = host.trim_start_matches('[').trim_end_matches(']');
                let loopback = host.eq_ignore_ascii_case("localhost")
                    || bare
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if loopback {
                    Ok(())
                } else {
                    Err(ConfigError::PlainHttpNotLoopback)
                }
            }
            _ => Err(ConfigError::OfficeUrl),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_detail_names_the_line_and_key_but_never_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            "office_token = \"secret-token-0123456789\"\n[display]\nbackend = \"auto\"\n",
        )
        .unwrap();
        let detail = KioskConfig::load(&path).unwrap_err().setup_detail();
        assert!(
            detail.starts_with("kiosk.toml, line 3 ([display] backend): "),
            "{detail}"
        );
        assert!(!detail.contains("secret-token"), "{detail}");
        assert_eq!(salvage_backend(&path), None);
        std::fs::write(
            &path,
            "office_token = \"secret-token-0123456789\"\nidle_timeout_secs = 1\n[display]\nbackend = \"linuxkms\"\n",
        )
        .unwrap();
        let detail = KioskConfig::load(&path).unwrap_err().setup_detail();
        assert_eq!(
            detail,
            "idle_timeout_secs must be 10-600 and done_timeout_secs 3-60"
        );
        assert_eq!(
            salvage_backend(&path),
            Some(super::super::display::DisplayBackend::Linuxkms)
        );
        std::fs::write(&path, "office_token = \"secret-token-0123456789\n").unwrap();
        let detail = KioskConfig::load(&path).unwrap_err().setup_detail();
        assert!(detail.starts_with("kiosk.toml, line 1"), "{detail}");
        assert!(!detail.contains("secret-token"), "{detail}");
    }

    #[test]
    fn parses_and_validates() {
        let config: KioskConfig = toml::from_str(
            r#"
            kiosk_id = "lobby-2"
            office_url = "https://office.example.test:8480"
            office_token = "0123456789abcdef"
            office_certificate_sha256 = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
            [scanner]
            port = "/dev/ttyACM0"
            "#,
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(config.scanner.unwrap().baud, 9600);
        let bad = KioskConfig {
            idle_timeout_secs: 1,
            ..KioskConfig::default()
        };
        assert!(bad.validate().is_err());
        assert!(toml::from_str::<KioskConfig>("kiosk_id = \"Bad Id\"").is_err());
    }

    #[test]
    fn https_needs_a_pin_and_plain_http_stays_on_this_machine() {
        let pin = format!(
            "office_certificate_sha256 = \"{}\"\n",
            "0A:".repeat(31) + "0B"
        );
        let check = |text: &str| toml::from_str::<KioskConfig>(text).unwrap().validate();
        check(&format!("office_url = \"https://192.0.2.7:8480\"\n{pin}")).unwrap();
        for local in [
            "http://127.0.0.1:8480",
            "http://localhost:8480",
            "http://[::1]:8480",
        ] {
            check(&format!("office_url = \"{local}\"")).unwrap();
        }
        assert!(matches!(
            check("office_url = \"https://192.0.2.7:8480\""),
            Err(ConfigError::HttpsWithoutPin)
        ));
        for remote in ["http://192.0.2.7:8480", "http://office.example.test"] {
            assert!(matches!(
                check(&format!("office_url = \"{remote}\"")),
                Err(ConfigError::PlainHttpNotLoopback)
            ));
        }
        assert!(matches!(
            check(&format!("office_url = \"http://127.0.0.1:8480\"\n{pin}")),
            Err(ConfigError::PinWithoutHttps)
        ));
        assert!(matches!(
            check("office_url = \"ftp://127.0.0.1\""),
            Err(ConfigError::OfficeUrl)
        ));
        assert!(toml::from_str::<KioskConfig>("office_certificate_sha256 = \"AB:CD\"").is_err());
    }

    #[test]
    fn optional_steps_can_be_left_out_but_not_identify_or_check_in() {
        use crate::checkin::StepKind;
        let config: KioskConfig =
            toml::from_str(r#"leave_out = ["consent", "questions"]"#).unwrap();
        config.validate().unwrap();
        assert_eq!(config.leave_out, [StepKind::Consent, StepKind::Questions]);
        let config: KioskConfig = toml::from_str(r#"leave_out = ["check_in"]"#).unwrap();
        assert!(matches!(config.validate(), Err(ConfigError::LeaveOut)));
        assert!(toml::from_str::<KioskConfig>(r#"leave_out = ["lunch"]"#).is_err());
    }

    #[test]
    fn camera_is_a_device_or_a_simulator_folder() {
        let load = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kiosk.toml");
            std::fs::write(&path, text).unwrap();
            KioskConfig::load(&path)
        };
        assert_eq!(load("").unwrap().camera, None);
        let device = load("[camera]\ndevice = \"/dev/video0\"\n").unwrap();
        assert_eq!(
            device.camera.unwrap().device,
            Some(PathBuf::from("/dev/video0"))
        );
        let sim = load("[camera]\nsimulator = \"/tmp/cards\"\n").unwrap();
        assert!(sim.camera.unwrap().open().is_some());
        assert!(matches!(load("[camera]\n"), Err(ConfigError::Camera)));
        assert!(matches!(
            load("[camera]\ndevice = \"/dev/video0\"\nsimulator = \"/tmp\"\n"),
            Err(ConfigError::Camera)
        ));
        assert!(matches!(
            load("[camera]\nport = \"/dev/video0\"\n"),
            Err(ConfigError::File(_))
        ));
    }

    /// Loads a kiosk.toml with a `[scanner]` section, through the real loader.
    fn scanner(settings: &str) -> Result<ScannerConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            format!("[scanner]\nport = \"/dev/ttyACM0\"\n{settings}"),
        )
        .unwrap();
        let config = KioskConfig::load(&path)?;
        Ok(config.scanner.expect("scanner section"))
    }

    #[test]
    fn scanner_terminator_and_gap() {
        let defaults = scanner("").unwrap();
        assert_eq!(defaults, ScannerConfig::new("/dev/ttyACM0".into()));
        assert_eq!(defaults.terminator, Terminator::Cr);
        assert_eq!(defaults.gap_ms, 100);
        for (name, terminator) in [
            ("cr", Terminator::Cr),
            ("lf", Terminator::Lf),
            ("crlf", Terminator::CrLf),
            ("tab", Terminator::Tab),
        ] {
            let config = scanner(&format!("terminator = \"{name}\"\ngap_ms = 250")).unwrap();
            assert_eq!((config.terminator, config.gap_ms), (terminator, 250));
        }
        assert!(matches!(
            scanner("terminator = \"CR\""),
            Err(ConfigError::File(_))
        ));
        assert!(matches!(
            scanner("terminator = \"etx\""),
            Err(ConfigError::File(_))
        ));
        assert!(matches!(
            scanner("gap_ms = 49"),
            Err(ConfigError::ScannerGap)
        ));
        assert!(matches!(
            scanner("gap_ms = 2001"),
            Err(ConfigError::ScannerGap)
        ));
        assert!(scanner("gap_ms = 50").is_ok());
    }

    /// Loads a kiosk.toml with a `[card_terminal]` section, through the real loader.
    fn terminal(settings: &str) -> Result<CardTerminalConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            format!("[card_terminal]\nport = \"/dev/ttyUSB0\"\n{settings}"),
        )
        .unwrap();
        let config = KioskConfig::load(&path)?;
        Ok(config.card_terminal.expect("card_terminal section"))
    }

    #[test]
    fn card_terminal_settings() {
        let defaults = terminal("").unwrap();
        assert_eq!(defaults, CardTerminalConfig::new("/dev/ttyUSB0".into()));
        assert_eq!(defaults.protocol, TerminalProtocol::Zvt);
        assert_eq!(defaults.payment_timeout_secs, 120);
        let set = terminal(
            "baud = 19200\nprotocol = \"zvt\"\npassword = \"123456\"\npayment_timeout_secs = 90",
        )
        .unwrap();
        assert_eq!((set.baud, set.payment_timeout_secs), (19200, 90));
        assert_eq!(set.close_day_at, None);
        let closing = terminal("close_day_at = \"21:30\"").unwrap();
        assert_eq!(
            closing.close_day_at,
            Some(jiff::civil::Time::constant(21, 30, 0, 0))
        );
        assert!(matches!(
            terminal("close_day_at = \"25:00\""),
            Err(ConfigError::File(_))
        ));
        assert!(
            !format!("{set:?}").contains("123456"),
            "the password is never logged"
        );
        assert!(matches!(
            terminal("protocol = \"opi\""),
            Err(ConfigError::File(_))
        ));
        for bad in ["12345", "1234567", "12345a"] {
            assert!(matches!(
                terminal(&format!("password = \"{bad}\"")),
                Err(ConfigError::TerminalPassword)
            ));
        }
        for bad in [29, 301] {
            assert!(matches!(
                terminal(&format!("payment_timeout_secs = {bad}")),
                Err(ConfigError::TerminalTimeout)
            ));
        }
    }

    /// Loads a kiosk.toml with a `[receipt_printer]` section, through the real loader.
    fn receipt_printer(settings: &str) -> Result<ReceiptPrinterConfig, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            format!("[receipt_printer]\nport = \"/dev/ttyUSB0\"\n{settings}"),
        )
        .unwrap();
        let config = KioskConfig::load(&path)?;
        Ok(config.receipt_printer.expect("receipt_printer section"))
    }

    #[test]
    fn receipt_printer_defaults_and_settings() {
        let defaults = receipt_printer("").unwrap();
        assert_eq!(defaults, ReceiptPrinterConfig::new("/dev/ttyUSB0".into()));
        assert_eq!((defaults.baud, defaults.columns), (38_400, 32));
        assert_eq!(defaults.qr, QrMode::Native);
        let settings = defaults.settings().unwrap();
        assert_eq!(settings.path, PathBuf::from("/dev/ttyUSB0"));
        assert_eq!(settings.layout, Layout::default());

        let wide = receipt_printer("baud = 9600\ncolumns = 48\nqr = \"bitmap\"").unwrap();
        let settings = wide.settings().unwrap();
        assert_eq!(settings.baud, 9600);
        assert_eq!(
            settings.layout,
            Layout {
                columns: Columns::WIDE_48,
                qr: QrMode::Bitmap
            }
        );
        for columns in [24u8, 42, 64] {
            let config = receipt_printer(&format!("columns = {columns}")).unwrap();
            assert_eq!(
                config.settings().unwrap().layout.columns.get(),
                usize::from(columns)
            );
        }
    }

    #[test]
    fn receipt_printer_refuses_what_it_cannot_use() {
        assert!(matches!(
            receipt_printer("columns = 23"),
            Err(ConfigError::PrinterColumns(23))
        ));
        assert!(matches!(
            receipt_printer("columns = 65"),
            Err(ConfigError::PrinterColumns(65))
        ));
        assert!(matches!(
            receipt_printer("columns = 300"),
            Err(ConfigError::File(_))
        ));
        assert!(matches!(
            receipt_printer("baud = 38000"),
            Err(ConfigError::PrinterBaud(38_000))
        ));
        for qr in ["\"Native\"", "\"svg\"", "true"] {
            assert!(
                matches!(
                    receipt_printer(&format!("qr = {qr}")),
                    Err(ConfigError::File(_))
                ),
                "{qr}"
            );
        }
        assert!(matches!(
            receipt_printer("paper = \"80mm\""),
            Err(ConfigError::File(_))
        ));
        let message = ConfigError::PrinterColumns(23).to_string();
        assert!(
            message.contains("24-64") && message.contains("23"),
            "{message}"
        );

        // No port, no printer: a section without one is refused, not ignored.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, "[receipt_printer]\nbaud = 9600\n").unwrap();
        assert!(matches!(
            KioskConfig::load(&path),
            Err(ConfigError::File(_))
        ));
        std::fs::write(&path, "kiosk_id = \"lobby-3\"\n").unwrap();
        assert_eq!(KioskConfig::load(&path).unwrap().receipt_printer, None);
    }
}

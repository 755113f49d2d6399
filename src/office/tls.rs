//! HTTPS for the office hub: the certificate it serves (configured PEM files, or a
//! self-signed one made on first start and kept in the data directory), the rustls
//! server configuration, and the staff page's settings (the fingerprint kiosks pin).

use super::error::ApiError;
use super::server::AppState;
use crate::tls::Fingerprint;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jiff::{Timestamp, ToSpan as _};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The self-signed certificate and its key, in the data directory.
pub const SELF_SIGNED_CERT_FILE: &str = "tls-cert.pem";
pub const SELF_SIGNED_KEY_FILE: &str = "tls-key.pem";

/// How long a self-signed certificate made on first start is valid. Kiosks pin it, so a
/// new one means visiting every kiosk: long.
const SELF_SIGNED_YEARS: i16 = 10;

/// `[tls]` in `office.toml`: present means the hub serves HTTPS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain (the hub's certificate first). With `key`; both absent: a
    /// self-signed certificate made on first start.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `cert`.
    pub key: Option<PathBuf>,
    /// Host names and addresses staff and kiosks reach the hub by, written into the
    /// self-signed certificate (with `localhost`, the loopback addresses and the `listen`
    /// address). Changing them later does not remake a certificate already made.
    pub hosts: Vec<String>,
}

impl TlsConfig {
    /// Both PEM files or neither.
    pub fn is_consistent(&self) -> bool {
        self.cert.is_some() == self.key.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("[tls] needs both cert and key, or neither (a self-signed certificate is made)")]
    HalfConfigured,
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("cannot make the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot keep the self-signed certificate: {0}")]
    Write(std::io::Error),
    #[error("the certificate is not readable X.509: {0}")]
    Parse(String),
    #[error("the certificate and key are not usable together: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Where the served certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateOrigin {
    /// `[tls] cert` / `key`.
    Configured,
    /// Made by the hub on first start.
    SelfSigned,
}

/// The certificate the hub serves, ready for rustls.
pub struct OfficeCertificate {
    server_config: Arc<rustls::ServerConfig>,
    fingerprint: Fingerprint,
    spki_sha256: [u8; 32],
    not_before: Timestamp,
    not_after: Timestamp,
    origin: CertificateOrigin,
}

impl std::fmt::Debug for OfficeCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The server configuration holds the private key: leave it out.
        f.debug_struct("OfficeCertificate")
            .field("fingerprint", &self.fingerprint)
            .field("not_after", &self.not_after)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl OfficeCertificate {
    /// The configured certificate, or the self-signed one in `data_dir` (made now, valid
    /// from `now`, when there is none yet).
    pub fn load_or_create(
        config: &TlsConfig,
        data_dir: &Path,
        listen: SocketAddr,
        now: Timestamp,
    ) -> Result<Self, TlsError> {
        match (&config.cert, &config.key) {
            (Some(cert), Some(key)) => Self::load(cert, key, CertificateOrigin::Configured),
            (None, None) => {
                let cert = data_dir.join(SELF_SIGNED_CERT_FILE);
                let key = data_dir.join(SELF_SIGNED_KEY_FILE);
                // The key is written first: a certificate on disk always has its key.
                if !(cert.exists() && key.exists()) {
                    make_self_signed(data_dir, &config.hosts, listen, now)?;
                }
                Self::load(&cert, &key, CertificateOrigin::SelfSigned)
            }
            _ => Err(TlsError::HalfConfigured),
        }
    }

    fn load(cert: &Path, key: &Path, origin: CertificateOrigin) -> Result<Self, TlsError> {
        let unreadable = |path: &Path| {
            let path = path.to_owned();
            move |error: rustls::pki_types::pem::Error| TlsError::Read {
                path,
                reason: error.to_string(),
            }
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(unreadable(cert))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(unreadable(cert))?;
        let first = chain
            .first()
            .ok_or_else(|| TlsError::NoCertificate(cert.to_owned()))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(first.as_ref())
            .map_err(|error| TlsError::Parse(error.to_string()))?;
        let validity = parsed.validity();
        let instant = |seconds: i64| {
            Timestamp::from_second(seconds).map_err(|error| TlsError::Parse(error.to_string()))
        };
        let not_before = instant(validity.not_before.timestamp())?;
        let not_after = instant(validity.not_after.timestamp())?;
        let spki_sha256 = Sha256::digest(parsed.public_key().raw).into();
        let fingerprint = Fingerprint::of(first.as_ref());
        let private_key = PrivateKeyDer::from_pem_file(key).map_err(unreadable(key))?;
        let mut server_config =
            rustls::ServerConfig::builder_with_provider(crate::tls::crypto_provider())
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(chain, private_key)?;
        // HTTP/1.1 as over plain HTTP: the staff page's live stream is one long response.
        server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            server_config: Arc::new(server_config),
            fingerprint,
            spki_sha256,
            not_before,
            not_after,
            origin,
        })
    }

    /// What kiosks pin (`office_certificate_sha256`).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The SHA-256 of the certificate's public key (SubjectPublicKeyInfo) in base64, the
    /// form Chromium's `--ignore-certificate-errors-spki-list` takes.
    pub fn spki_sha256_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.spki_sha256)
    }

    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    pub fn origin(&self) -> CertificateOrigin {
        self.origin
    }

    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.server_config.clone()
    }
}

/// Makes a self-signed ECDSA P-256 certificate for `hosts`, `localhost`, the loopback
/// addresses and `listen` (unless it is the any-address), and keeps it in `data_dir`
/// with its key (mode 0600).
fn make_self_signed(
    data_dir: &Path,
    hosts: &[String],
    listen: SocketAddr,
    now: Timestamp,
) -> Result<(), TlsError> {
    let mut names: Vec<String> = hosts.iter().map(|host| host.trim().to_owned()).collect();
    names.extend(["localhost".into(), "127.0.0.1".into(), "::1".into()]);
    if !listen.ip().is_unspecified() {
        names.push(listen.ip().to_string());
    }
    names.retain(|name| !name.is_empty());
    names.sort();
    names.dedup();
    let mut params = rcgen::CertificateParams::new(names)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "frontdesk office hub");
    // Whole days in UTC, starting yesterday: a kiosk whose clock is a little behind still
    // accepts it.
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let yesterday = today.yesterday().unwrap_or(today);
    let until = today
        .checked_add(SELF_SIGNED_YEARS.years())
        .unwrap_or(today);
    let day = |date: jiff::civil::Date| {
        rcgen::date_time_ymd(
            i32::from(date.year()),
            date.month().unsigned_abs(),
            date.day().unsigned_abs(),
        )
    };
    params.not_before = day(yesterday);
    params.not_after = day(until);
    let key = rcgen::KeyPair::generate()?;
    let certificate = params.self_signed(&key)?;
    super::keys::write_private(
        data_dir,
        SELF_SIGNED_KEY_FILE,
        key.serialize_pem().as_bytes(),
    )
    .map_err(TlsError::Write)?;
    super::keys::write_private(
        data_dir,
        SELF_SIGNED_CERT_FILE,
        certificate.pem().as_bytes(),
    )
    .map_err(TlsError::Write)?;
    tracing::info!("made a self-signed certificate for HTTPS");
    Ok(())
}

/// `GET /api/staff/v1/settings`: what the staff page's Settings shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The hub serves HTTPS (otherwise plain HTTP on this machine only).
    pub https: bool,
    /// The served certificate; `None` over plain HTTP.
    pub certificate: Option<CertificateView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// What kiosks pin, `AB:CD:...`.
    pub sha256: Fingerprint,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub origin: CertificateOrigin,
}

impl SettingsView {
    pub fn of(certificate: Option<&OfficeCertificate>) -> Self {
        Self {
            https: certificate.is_some(),
            certificate: certificate.map(|certificate| CertificateView {
                sha256: certificate.fingerprint(),
                not_before: certificate.not_before(),
                not_after: certificate.not_after(),
                origin: certificate.origin(),
            }),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/staff/v1/settings", get(settings))
}

async fn settings(State(state): State<AppState>) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(SettingsView::of(state.tls.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn listen() -> SocketAddr {
        "0.0.0.0:8443".parse().unwrap()
    }

    #[test]
    fn makes_a_self_signed_certificate_once_and_reuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = TlsConfig {
            hosts: vec!["office.example.test".into(), "192.0.2.7".into()],
            ..TlsConfig::default()
        };
        let now: Timestamp = "2026-12-03T14:00:00Z".parse().unwrap();
        let first = OfficeCertificate::load_or_create(&config, dir.path(), listen(), now).unwrap();
        assert_eq!(first.origin(), CertificateOrigin::SelfSigned);
        assert_eq!(first.not_before(), "2026-12-02T00:00:00Z".parse().unwrap());
        assert_eq!(first.not_after(), "2036-12-03T00:00:00Z".parse().unwrap());
        let mode = std::fs::metadata(dir.path().join(SELF_SIGNED_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let pem = std::fs::read(dir.path().join(SELF_SIGNED_CERT_FILE)).unwrap();
        let der = CertificateDer::from_pem_slice(&pem).unwrap();
        assert_eq!(Fingerprint::of(der.as_ref()), first.fingerprint());
        let (_, parsed) = x509_parser::parse_x509_certificate(der.as_ref()).unwrap();
        use x509_parser::extensions::GeneralName;
        let names: Vec<String> = parsed
            .subject_alternative_name()
            .unwrap()
            .unwrap()
            .value
            .general_names
            .iter()
            .map(|name| match name {
                &GeneralName::DNSName(name) => name.to_owned(),
                &GeneralName::IPAddress(&[a, b, c, d]) => {
                    std::net::Ipv4Addr::new(a, b, c, d).to_string()
                }
                &GeneralName::IPAddress(bytes) => <[u8; 16]>::try_from(bytes)
                    .map(|v6| std::net::Ipv6Addr::from(v6).to_string())
                    .unwrap_or_default(),
                other => format!("{other:?}"),
            })
            .collect();
        for name in [
            "office.example.test",
            "localhost",
            "192.0.2.7",
            "127.0.0.1",
            "::1",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        // The any-address is no name to reach the hub by.
        assert!(!names.iter().any(|n| n == "0.0.0.0"), "{names:?}");

        let later = now
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap();
        let again =
            OfficeCertificate::load_or_create(&config, dir.path(), listen(), later).unwrap();
        assert_eq!(again.fingerprint(), first.fingerprint());
        assert_eq!(again.spki_sha256_base64(), first.spki_sha256_base64());
    }

    #[test]
    fn serves_a_configured_certificate_and_refuses_half_a_configuration() {
        let made = tempfile::tempdir().unwrap();
        let now = Timestamp::now();
        let own =
            OfficeCertificate::load_or_create(&TlsConfig::default(), made.path(), listen(), now)
                .unwrap();
        let configured = TlsConfig {
            cert: Some(made.path().join(SELF_SIGNED_CERT_FILE)),
            key: Some(made.path().join(SELF_SIGNED_KEY_FILE)),
            hosts: Vec::new(),
        };
        let elsewhere = tempfile::tempdir().unwrap();
        let loaded =
            OfficeCertificate::load_or_create(&configured, elsewhere.path(), listen(), now)
                .unwrap();
        assert_eq!(loaded.origin(), CertificateOrigin::Configured);
        assert_eq!(loaded.fingerprint(), own.fingerprint());
        assert!(!elsewhere.path().join(SELF_SIGNED_CERT_FILE).exists());

        let half = TlsConfig {
            key: None,
            ..configured.clone()
        };
        assert!(matches!(
            OfficeCertificate::load_or_create(&half, elsewhere.path(), listen(), now),
            Err(TlsError::HalfConfigured)
        ));
        let missing = TlsConfig {
            cert: Some(elsewhere.path().join("none.pem")),
            ..configured.clone()
        };
        assert!(matches!(
            OfficeCertificate::load_or_create(&missing, elsewhere.path(), listen(), now),
            Err(TlsError::Read { .. })
        ));
        // A key that is not the certificate's.
        let other = tempfile::tempdir().unwrap();
        OfficeCertificate::load_or_create(&TlsConfig::default(), other.path(), listen(), now)
            .unwrap();
        let mismatched = TlsConfig {
            key: Some(other.path().join(SELF_SIGNED_KEY_FILE)),
            ..configured
        };
        assert!(matches!(
            OfficeCertificate::load_or_create(&mismatched, elsewhere.path(), listen(), now),
            Err(TlsError::Rustls(_))
        ));
    }
}

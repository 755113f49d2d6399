//! The hub's PostgreSQL over TLS, run by the test command's PostgreSQL pass: it gives
//! the server a certificate for `localhost` from a CA made for the run and the test role
//! a password, and names them in `FRONTDESK_TEST_POSTGRES_TLS` (the server over TCP),
//! `FRONTDESK_TEST_POSTGRES_CA` and `FRONTDESK_TEST_POSTGRES_CERT` (PEM files).
//!
//! Trusted by its CA or by its pinned fingerprint, the server takes a hub whose every
//! session is encrypted and a check-in goes through; a certificate from another CA, one
//! for another name, or one other than the pinned one is refused before any query, and
//! the refusal says why without the password.

mod support;

use frontdesk::domain::ClinicId;
use frontdesk::office::store::{DatabaseConfig, StoreHandle};
use frontdesk::tls::Fingerprint;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use std::path::PathBuf;
use support::{check_in_first, start_office_with, wait_until};

/// The PostgreSQL pass's TLS server.
struct TlsServer {
    /// Key=value connection string, `host=localhost`, with a password.
    url: String,
    ca: PathBuf,
    certificate: PathBuf,
}

impl TlsServer {
    fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Some(Self {
            url: var("FRONTDESK_TEST_POSTGRES_TLS")?,
            ca: var("FRONTDESK_TEST_POSTGRES_CA")?.into(),
            certificate: var("FRONTDESK_TEST_POSTGRES_CERT")?.into(),
        })
    }

    /// The password in the connection string, which no error may show.
    fn password(&self) -> &str {
        self.url
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix("password="))
            .expect("the TLS URL carries a password")
    }

    /// The same server by address: its certificate names `localhost` only.
    fn by_address(&self) -> String {
        self.url.replace("host=localhost", "host=127.0.0.1")
    }

    fn pin(&self) -> Fingerprint {
        let der = CertificateDer::from_pem_file(&self.certificate).expect("server certificate");
        Fingerprint::of(der.as_ref())
    }
}

fn server() -> Option<TlsServer> {
    let server = TlsServer::from_env();
    if server.is_none() {
        eprintln!(
            "FRONTDESK_TEST_POSTGRES_TLS unset: TLS to PostgreSQL runs in the PostgreSQL pass"
        );
    }
    server
}

/// Whether the store's own session is encrypted, as the server sees it.
fn session_encrypted(handle: &StoreHandle) -> bool {
    let store = handle.get().unwrap();
    store
        .connection()
        .query_row(
            "SELECT ssl::int FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            [],
            |row| row.get::<_, i64>(0),
        )
        .unwrap()
        == 1
}

/// A unique `application_name`, to find one hub's sessions among the server's.
fn tagged(url: &str) -> (String, String) {
    let tag = format!("frontdesk-tls-{:016x}", getrandom::u64().unwrap());
    (format!("{url} application_name={tag}"), tag)
}

#[test]
fn a_hub_trusting_the_ca_checks_in_with_every_session_encrypted() {
    let Some(server) = server() else { return };
    let (url, tag) = tagged(&server.url);
    let database = DatabaseConfig {
        url: Some(url),
        ca_file: Some(server.ca.clone()),
        pool_size: Some(3),
        ..DatabaseConfig::default()
    }
    .in_fresh_schema()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let office = start_office_with(dir.path(), "127.0.0.1:0".parse().unwrap(), |config| {
        config.database = database.clone();
    });

    let id = check_in_first(&office.base);
    wait_until("the check-in in the queue", || {
        office
            .queue()
            .checked_in
            .iter()
            .any(|item| item.check_in == id)
            .then_some(())
    });

    assert!(session_encrypted(&office.state.store));
    // The pool's sessions and the one listening to other hubs.
    let (sessions, encrypted) = office
        .state
        .store
        .get()
        .unwrap()
        .connection()
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE s.ssl)
             FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
             WHERE a.application_name = ?1",
            [tag.as_str()],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
        )
        .unwrap();
    assert!(sessions >= 2, "{sessions} sessions");
    assert_eq!(encrypted, sessions);
    office.stop();
}

#[test]
fn a_pinned_certificate_is_trusted_whatever_name_it_carries() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database = DatabaseConfig {
        url: Some(server.by_address()),
        server_fingerprint: Some(server.pin()),
        ..DatabaseConfig::default()
    }
    .in_fresh_schema()
    .unwrap();
    let handle = StoreHandle::open(&database, ClinicId::new(1).unwrap(), dir.path()).unwrap();
    assert!(session_encrypted(&handle));
}

#[test]
fn an_untrusted_certificate_is_refused_saying_why_and_never_the_password() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, other.cert.pem()).unwrap();

    let refused = |database: DatabaseConfig| {
        let error = StoreHandle::open(&database, ClinicId::new(1).unwrap(), dir.path())
            .err()
            .expect("refused")
            .to_string();
        assert!(!error.contains(server.password()), "{error}");
        error
    };
    let another_ca = refused(DatabaseConfig {
        url: Some(server.url.clone()),
        ca_file: Some(other_ca),
        ..DatabaseConfig::default()
    });
    assert!(another_ca.contains("UnknownIssuer"), "{another_ca}");

    let another_name = refused(DatabaseConfig {
        url: Some(server.by_address()),
        ca_file: Some(server.ca.clone()),
        ..DatabaseConfig::default()
    });
    assert!(
        another_name.contains("not valid for name"),
        "{another_name}"
    );

    let another_pin = refused(DatabaseConfig {
        url: Some(server.url.clone()),
        server_fingerprint: Some(Fingerprint::of(other.cert.der())),
        ..DatabaseConfig::default()
    });
    assert!(another_pin.contains("certificate"), "{another_pin}");
}

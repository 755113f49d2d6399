//! Remote access over HTTPS: the hub serves its self-signed certificate, a kiosk that
//! pins it syncs, a kiosk that pins another certificate delivers nothing and keeps its
//! outbox, `tls-fingerprint` prints what the server presents, and plain HTTP never
//! leaves loopback.

mod support;

use frontdesk::api::CheckInSubmission;
use frontdesk::domain::{CheckInId, ClinicId};
use frontdesk::office::tls::{CertificateOrigin, SettingsView, TlsConfig};
use frontdesk::office::{Office, OfficeConfig, OfficeError};
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker};
use frontdesk::tls::Fingerprint;
use jiff::Timestamp;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use support::{KIOSK_TOKEN, TestOffice, fast_sync, start_office_with, wait_until};

/// An office serving HTTPS with a self-signed certificate made on its first start.
fn https_office(dir: &Path) -> TestOffice {
    start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.tls = Some(TlsConfig::default());
    })
}

fn fingerprint(office: &TestOffice) -> Fingerprint {
    office
        .state
        .tls
        .as_ref()
        .expect("serving HTTPS")
        .fingerprint()
}

fn sync_worker(base: &str, db: &Path, pin: Fingerprint) -> SyncHandle {
    SyncWorker::start(
        OfficeClient::connect(base, KIOSK_TOKEN, Duration::from_secs(5), Some(pin)).unwrap(),
        db.to_owned(),
        fast_sync(),
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap()
}

/// A signed-in staff HTTP client trusting exactly `pin`.
fn staff_client(office: &TestOffice, pin: Fingerprint) -> reqwest::blocking::Client {
    let builder = move || {
        reqwest::blocking::Client::builder()
            .use_preconfigured_tls(frontdesk::tls::pinned_client_config(pin).unwrap())
    };
    let role = frontdesk::office::signin::Role::FrontDesk;
    support::sign_in_over(builder, &office.state, &office.base, "desk-tls", role).client
}

fn queued_check_ins(office: &TestOffice, pin: Fingerprint) -> Vec<CheckInId> {
    let queue: frontdesk::office::staff::QueueView = staff_client(office, pin)
        .get(format!("{}/api/staff/v1/queue", office.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    queue.checked_in.iter().map(|item| item.check_in).collect()
}

/// A check-in for today's first appointment, in the kiosk's outbox at `db`.
fn enqueue_first_check_in(office: &TestOffice, db: &Path, pin: Fingerprint) -> CheckInId {
    let client =
        OfficeClient::connect(&office.base, KIOSK_TOKEN, Duration::from_secs(5), Some(pin))
            .unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: client.roster().unwrap().entries[0].appointment,
        arrived_at: Timestamp::now(),
    };
    let today = office.state.today(Timestamp::now());
    KioskStore::open(db)
        .unwrap()
        .enqueue(&submission, today)
        .unwrap();
    submission.id
}

#[test]
fn a_kiosk_pinning_the_office_certificate_syncs_a_check_in_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let office = https_office(&dir.path().join("office"));
    assert!(office.base.starts_with("https://"), "{}", office.base);
    let pin = fingerprint(&office);
    let db = dir.path().join("kiosk.db");
    {
        let sync = sync_worker(&office.base, &db, pin);
        wait_until("first contact over HTTPS", || {
            sync.status().office_reachable.then_some(())
        });
    }
    let check_in = enqueue_first_check_in(&office, &db, pin);
    let sync = sync_worker(&office.base, &db, pin);
    wait_until("the check-in delivered", || {
        (sync.status().delivered == 1).then_some(())
    });
    assert_eq!(KioskStore::open(&db).unwrap().depth().unwrap(), 0);
    assert_eq!(queued_check_ins(&office, pin), [check_in]);

    // The staff page's settings name the certificate.
    let settings: SettingsView = staff_client(&office, pin)
        .get(format!("{}/api/staff/v1/settings", office.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(settings.https);
    let certificate = settings.certificate.unwrap();
    assert_eq!(certificate.sha256, pin);
    assert_eq!(certificate.origin, CertificateOrigin::SelfSigned);
    assert!(certificate.not_before < Timestamp::now() && Timestamp::now() < certificate.not_after);
    drop(sync);
    office.stop();
}

#[test]
fn a_kiosk_pinning_another_certificate_delivers_nothing_and_keeps_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let office = https_office(&dir.path().join("office"));
    let pin = fingerprint(&office);
    let db = dir.path().join("kiosk.db");
    {
        let sync = sync_worker(&office.base, &db, pin);
        wait_until("first contact", || {
            sync.status().office_reachable.then_some(())
        });
    }
    let check_in = enqueue_first_check_in(&office, &db, pin);

    // The certificate of another office (as after a renewal the kiosk was not told of, or
    // a machine pretending to be the office).
    let other = Fingerprint::of(b"some other certificate");
    let sync = sync_worker(&office.base, &db, other);
    let error = wait_until("a refused round", || sync.status().last_error);
    let status = sync.status();
    assert!(!status.office_reachable, "{status:?}");
    assert!(error.contains("unreachable"), "{error}");
    assert_eq!(status.delivered, 0);
    assert_eq!(KioskStore::open(&db).unwrap().depth().unwrap(), 1);
    assert!(queued_check_ins(&office, pin).is_empty());
    drop(sync);

    // Positive control: the right pin delivers the very row that waited.
    let sync = sync_worker(&office.base, &db, pin);
    wait_until("the kept check-in delivered", || {
        (sync.status().delivered == 1).then_some(())
    });
    assert_eq!(queued_check_ins(&office, pin), [check_in]);
    drop(sync);
    office.stop();
}

#[test]
fn the_office_refuses_plain_http_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let config = OfficeConfig {
        listen: "0.0.0.0:8480".parse().unwrap(),
        data_dir: dir.path().join("office"),
        ..OfficeConfig::default()
    };
    assert!(matches!(
        Office::open(config),
        Err(OfficeError::Config(
            frontdesk::office::config::ConfigError::PlainHttpNotLoopback(_)
        ))
    ));

    // The command line says why and starts nothing.
    let config_file = dir.path().join("office.toml");
    std::fs::write(&config_file, "clinic_id = 1\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
        .arg("--config")
        .arg(&config_file)
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path().join("office"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
}

/// Accepts any certificate: only to see which one a server presents.
#[derive(Debug)]
struct AnyCertificate(rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// The certificate the server at `addr` presents in a TLS handshake.
fn presented_certificate(addr: std::net::SocketAddr) -> Vec<u8> {
    let provider = frontdesk::tls::crypto_provider();
    let verifier = AnyCertificate(provider.signature_verification_algorithms);
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    while connection.is_handshaking() {
        connection.complete_io(&mut tcp).unwrap();
    }
    connection.peer_certificates().unwrap()[0].to_vec()
}

#[test]
fn tls_fingerprint_prints_what_the_server_presents() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("office");
    let config_file = dir.path().join("office.toml");
    std::fs::write(
        &config_file,
        format!(
            "listen = \"0.0.0.0:8443\"\ndata_dir = {:?}\n[tls]\nhosts = [\"office.example.test\"]\n",
            data_dir.display().to_string()
        ),
    )
    .unwrap();
    // Run before the hub ever started: it makes the certificate the hub then serves.
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
            .arg("--config")
            .arg(&config_file)
            .arg("tls-fingerprint")
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        // Log lines (the certificate just made) go to stdout too: the answer is last.
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout.lines().last().unwrap_or_default().trim().to_owned()
    };
    let printed: Fingerprint = run(&[]).parse().unwrap();
    assert_eq!(
        run(&[]).parse::<Fingerprint>(),
        Ok(printed),
        "the same every time"
    );

    let office = start_office_with(&data_dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.tls = Some(TlsConfig::default());
    });
    let presented = presented_certificate(office.addr);
    assert_eq!(Fingerprint::of(&presented), printed);
    let certificate = office.state.tls.as_ref().unwrap();
    assert_eq!(certificate.fingerprint(), printed);
    assert_eq!(run(&["--chromium-spki"]), certificate.spki_sha256_base64());
    office.stop();
}

#[test]
fn stopping_an_https_office_ends_its_live_streams() {
    let dir = tempfile::tempdir().unwrap();
    let office = https_office(&dir.path().join("office"));
    let pin = fingerprint(&office);
    let response = staff_client(&office, pin)
        .get(format!("{}/api/staff/v1/events", office.base))
        .timeout(std::time::Duration::from_secs(3600))
        .send()
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "text/event-stream"
    );
    let (ended, has_ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read as _;
        let mut body = Vec::new();
        // Ok only for a body that ended cleanly: a connection cut when the grace period
        // ran out (a stream that ignored the stop) is an error.
        let _ = ended.send(
            { response }
                .read_to_end(&mut body)
                .map(drop)
                .map_err(|e| e.to_string()),
        );
    });
    office.stop();
    has_ended
        .recv_timeout(Duration::from_secs(30))
        .expect("the live stream ended when the office stopped")
        .expect("the stream ended cleanly, not cut off");
}

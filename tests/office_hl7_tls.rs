//! MLLP over TLS out (`[hl7] tls`): ADT^A04 to PyPI's python-hl7 MLLP peer inside Python's
//! `ssl`, trusting the EHR's CA or one pinned certificate. A peer presenting a certificate
//! that is not trusted is a connection that failed: the staff HL7 row says why, the
//! message waits, and it is delivered once when the right certificate is presented.

mod hl7_support;
mod support;

use hl7_support::{Peer, status, wait_for};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use support::{Relay, TestOffice};

/// A certificate and its key as PEM files, and the certificate's DER.
struct Certified {
    cert: PathBuf,
    key: PathBuf,
    der: Vec<u8>,
}

/// The EHR's CA (its PEM file), a peer certificate for 127.0.0.1 it issued, and a
/// self-signed one for the same address that nobody trusts.
fn certificates(dir: &Path) -> (PathBuf, Certified, Certified) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test EHR CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let ca_file = dir.join("ehr-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let write = |name: &str, cert: rcgen::Certificate, key: KeyPair| {
        let (cert_file, key_file) = (
            dir.join(format!("{name}.pem")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        Certified {
            cert: cert_file,
            key: key_file,
            der: cert.der().to_vec(),
        }
    };
    let key = KeyPair::generate().unwrap();
    let issued = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let good = write("ehr-peer", issued, key);
    let key = KeyPair::generate().unwrap();
    let own = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let rogue = write("rogue-peer", own, key);
    (ca_file, good, rogue)
}

/// An office sending over TLS to `relay`, trusting what `trust` sets.
fn office_sending_to(
    dir: &Path,
    relay: &Relay,
    trust: impl FnOnce(&mut frontdesk::office::config::Hl7Config),
) -> TestOffice {
    let peer: SocketAddr = relay.base().trim_start_matches("http://").parse().unwrap();
    hl7_support::office_sending_to(dir, peer, |hl7| {
        hl7.tls = true;
        trust(hl7);
    })
}

/// The check-in's A04 waits while the untrusted peer answers, the row saying `why`; once
/// the peer presents the right certificate, it is delivered there exactly once.
fn waits_for_the_right_certificate(
    dir: &Path,
    relay: &Relay,
    office: &TestOffice,
    rogue: &Peer,
    good: &Certified,
    why: &str,
) {
    support::check_in_first(&office.base);
    wait_for("the row to say why", || {
        status(office).outbound.last_error.as_deref() == Some(why)
    });
    let refused = status(office);
    assert!(!refused.outbound.connected);
    assert_eq!(
        (refused.outbound.waiting, refused.outbound.delivered),
        (1, 0)
    );
    assert!(
        rogue.received().is_empty(),
        "nothing sent to a peer not trusted"
    );

    let peer = Peer::start(dir, "ehr", Some((&good.cert, &good.key)));
    relay.point_to(Some(peer.addr));
    wait_for("the A04 to be acknowledged", || {
        status(office).outbound.delivered == 1
    });
    let fixed = status(office);
    assert!(fixed.outbound.connected);
    assert_eq!(fixed.outbound.waiting, 0);
    assert_eq!(fixed.outbound.last_error, None);
    let received = peer.received();
    assert_eq!(received.len(), 1, "delivered once");
    assert_eq!(received[0]["event"], "A04");
    assert_eq!(received[0]["family"], "Testpatient");
    assert!(rogue.received().is_empty());
}

#[test]
fn trusting_the_ehr_ca_a_certificate_it_did_not_issue_waits_then_delivers_once() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_file, good, rogue_cert) = certificates(dir.path());
    let rogue = Peer::start(
        dir.path(),
        "rogue",
        Some((&rogue_cert.cert, &rogue_cert.key)),
    );
    let relay = Relay::start(rogue.addr);
    let office = office_sending_to(dir.path(), &relay, |hl7| {
        hl7.peer_ca_file = Some(ca_file);
    });
    waits_for_the_right_certificate(
        dir.path(),
        &relay,
        &office,
        &rogue,
        &good,
        "TLS: the peer's certificate is not issued by the configured CA",
    );
}

#[test]
fn pinned_to_one_certificate_another_waits_then_delivers_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, good, rogue_cert) = certificates(dir.path());
    let rogue = Peer::start(
        dir.path(),
        "rogue",
        Some((&rogue_cert.cert, &rogue_cert.key)),
    );
    let relay = Relay::start(rogue.addr);
    let pin = frontdesk::tls::Fingerprint::of(&good.der);
    let office = office_sending_to(dir.path(), &relay, |hl7| {
        hl7.peer_fingerprint = Some(pin);
    });
    waits_for_the_right_certificate(
        dir.path(),
        &relay,
        &office,
        &rogue,
        &good,
        "TLS: the peer's certificate is not the pinned one",
    );
}

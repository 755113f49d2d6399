//! Certificate fingerprints and pinning, shared by both ends: the office prints the
//! SHA-256 fingerprint of the certificate it serves, and a kiosk configured with that
//! fingerprint trusts exactly that certificate (a practice's office usually has a
//! self-signed one no public CA vouches for, so the kiosk must not use the CA store).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use subtle::ConstantTimeEq as _;

/// Why a fingerprint could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error(
        "a certificate SHA-256 fingerprint is 32 bytes in hex, pairs optionally separated by ':' (AB:CD:...)"
    )]
    Malformed,
}

/// The SHA-256 of a certificate's DER bytes, written `AB:CD:...` (32 pairs), the form
/// `openssl x509 -fingerprint -sha256` and browsers show.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of(certificate_der: &[u8]) -> Self {
        Self(Sha256::digest(certificate_der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares in constant time: how much of a pin matched must not leak.
    pub fn matches(&self, other: &Fingerprint) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    /// Accepts `AB:CD:...`, lower case, and the bare 64 hex digits (as `sha256sum` prints
    /// them); surrounding spaces are ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let digits: Vec<u8> = if text.contains(':') {
            let mut digits = Vec::with_capacity(64);
            for pair in text.split(':') {
                if pair.len() != 2 {
                    return Err(FingerprintError::Malformed);
                }
                digits.extend_from_slice(pair.as_bytes());
            }
            digits
        } else {
            text.as_bytes().to_vec()
        };
        if digits.len() != 64 {
            return Err(FingerprintError::Malformed);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or(FingerprintError::Malformed)?;
            let low = hex_value(pair[1]).ok_or(FingerprintError::Malformed)?;
            *byte = high << 4 | low;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The crypto rustls uses on both ends: ring (aws-lc-rs needs cmake and clang to build).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Who is at the other end of a pinned connection, so a refusal names the right peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinnedPeer {
    /// A kiosk's connection to the office hub.
    Office,
    /// The office hub's MLLP connection to the EHR's HL7 v2 peer (`[hl7] tls`).
    Hl7Peer,
    /// The office hub's connections to its PostgreSQL server (`[database]`).
    Database,
}

impl PinnedPeer {
    /// The peer in words, as log lines name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Office => "the office",
            Self::Hl7Peer => "the HL7 peer",
            Self::Database => "the database server",
        }
    }
}

impl fmt::Display for PinnedPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Trusts the one certificate whose fingerprint is pinned, whoever signed it and whatever
/// names it carries (kiosks often reach the office by address), and still checks that the
/// server holds its private key: the handshake signature is verified with the
/// certificate's public key.
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: Fingerprint,
    peer: PinnedPeer,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    /// Trusts `pin` for connections to `peer`.
    pub fn new(pin: Fingerprint, peer: PinnedPeer, provider: &CryptoProvider) -> Self {
        Self {
            pin,
            peer,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of(end_entity.as_ref());
        if presented.matches(&self.pin) {
            return Ok(ServerCertVerified::assertion());
        }
        // Fingerprints are public; naming the one seen lets IT spot a renewed certificate.
        tracing::warn!(
            peer = self.peer.as_str(),
            %presented,
            "{} presented a certificate other than the pinned one",
            self.peer
        );
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What a TLS client trusts in a server the practice runs (the office, the EHR's peer,
/// the database server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTrust {
    /// The CA certificate(s) in a PEM file; the server's certificate must also carry the
    /// name it is reached by.
    CaFile(std::path::PathBuf),
    /// Exactly the certificate with this fingerprint (see [`PinnedVerifier`]).
    Pinned(Fingerprint),
}

/// Why a TLS client configuration cannot be made. Names the file, never its contents.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path} is unreadable or holds no PEM certificate")]
    CaFile { path: String },
    #[error("{path}: a certificate is not usable as a CA")]
    CaCertificate { path: String },
    #[error("TLS set-up: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A TLS client configuration (TLS 1.2 or 1.3, ring) trusting what `trust` says for
/// connections to `peer`.
pub fn client_config(
    trust: &ServerTrust,
    peer: PinnedPeer,
) -> Result<rustls::ClientConfig, TrustError> {
    let provider = crypto_provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    Ok(match trust {
        ServerTrust::Pinned(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(*pin, peer, &provider)))
            .with_no_client_auth(),
        ServerTrust::CaFile(path) => builder
            .with_root_certificates(ca_roots(path)?)
            .with_no_client_auth(),
    })
}

/// The CA certificates of a PEM file.
fn ca_roots(path: &std::path::Path) -> Result<rustls::RootCertStore, TrustError> {
    use rustls::pki_types::pem::PemObject as _;
    let shown = || path.display().to_string();
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect())
        .map_err(|_| TrustError::CaFile { path: shown() })?;
    if certificates.is_empty() {
        return Err(TrustError::CaFile { path: shown() });
    }
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|_| TrustError::CaCertificate { path: shown() })?;
    }
    Ok(roots)
}

/// A kiosk's TLS client configuration for the office: trusts exactly the certificate
/// `pin` names.
pub fn pinned_client_config(pin: Fingerprint) -> Result<rustls::ClientConfig, TrustError> {
    client_config(&ServerTrust::Pinned(pin), PinnedPeer::Office)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_people_copy_and_writes_the_colon_form() {
        let upper = "AB:".repeat(31) + "CD";
        let pin: Fingerprint = upper.parse().unwrap();
        assert_eq!(pin.to_string(), upper);
        assert_eq!(
            format!("  {}  ", upper.to_lowercase()).parse::<Fingerprint>(),
            Ok(pin)
        );
        assert_eq!(upper.replace(':', "").parse::<Fingerprint>(), Ok(pin));
        let digest = Fingerprint::of(b"not really a certificate");
        assert_eq!(digest.to_string().parse::<Fingerprint>(), Ok(digest));
        assert!(digest.matches(&digest) && !digest.matches(&pin));
    }

    /// Log lines written while `run` runs, as text.
    fn logged(run: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        let bytes = lines.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_refused_certificate_names_the_peer_it_came_from() {
        let provider = crypto_provider();
        let pin = Fingerprint::of(b"the pinned certificate");
        let other = CertificateDer::from(b"another certificate".to_vec());
        let name = ServerName::try_from("peer.example").unwrap();
        for (peer, named, not_named) in [
            (PinnedPeer::Hl7Peer, "the HL7 peer", "the office"),
            (PinnedPeer::Office, "the office", "the HL7 peer"),
        ] {
            let verifier = PinnedVerifier::new(pin, peer, &provider);
            let text = logged(|| {
                assert!(
                    verifier
                        .verify_server_cert(&other, &[], &name, &[], UnixTime::now())
                        .is_err()
                );
            });
            assert!(
                text.contains(&format!(
                    "{named} presented a certificate other than the pinned one"
                )),
                "{text}"
            );
            assert!(!text.contains(not_named), "{text}");
            assert!(text.contains(&Fingerprint::of(b"another certificate").to_string()));
        }
    }

    #[test]
    fn refuses_anything_else() {
        let good = "AB:".repeat(31) + "CD";
        for bad in [
            String::new(),
            "AB".into(),
            "AB:".repeat(32),
            good.replace("CD", "CG"),
            good.replace("CD", "C"),
            good.replacen(':', "::", 1),
            "A".repeat(63),
            "É".repeat(32),
            good.clone() + ":00",
        ] {
            assert_eq!(
                bad.parse::<Fingerprint>(),
                Err(FingerprintError::Malformed),
                "{bad}"
            );
        }
    }
}

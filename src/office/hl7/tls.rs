//! MLLP over TLS to the EHR's peer (`[hl7] tls`): the client configuration (trusting the
//! configured CA, or exactly the pinned certificate, as kiosks pin the office), and what
//! a failed handshake says on the staff page.

use crate::office::config::Hl7Config;
use crate::tls::{PinnedPeer, ServerTrust, TrustError, client_config};
use rustls::CertificateError;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Why TLS to the peer cannot be set up from the configuration. Says which file, never
/// its contents.
#[derive(Debug, thiserror::Error)]
pub enum Hl7TlsError {
    #[error("[hl7] peer TLS: {0}")]
    Trust(#[from] TrustError),
    #[error("tls = true needs peer_ca_file or peer_fingerprint")]
    NothingTrusted,
    #[error("the peer's name is neither a DNS name nor an IP address")]
    ServerName,
}

/// A TLS client for the configured peer: the connector and the name its certificate is
/// checked against.
#[derive(Clone)]
pub struct PeerTls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl PeerTls {
    /// From `[hl7]`; `None` when `tls` is off.
    pub fn from_config(config: &Hl7Config, peer: &str) -> Result<Option<Self>, Hl7TlsError> {
        if !config.tls {
            return Ok(None);
        }
        let trust = match (config.peer_fingerprint, &config.peer_ca_file) {
            (Some(pin), _) => ServerTrust::Pinned(pin),
            (None, Some(path)) => ServerTrust::CaFile(path.clone()),
            (None, None) => return Err(Hl7TlsError::NothingTrusted),
        };
        let client = client_config(&trust, PinnedPeer::Hl7Peer)?;
        let host = match &config.peer_server_name {
            Some(name) => name.clone(),
            None => host_of(peer).to_owned(),
        };
        let name = ServerName::try_from(host).map_err(|_| Hl7TlsError::ServerName)?;
        Ok(Some(Self {
            connector: TlsConnector::from(Arc::new(client)),
            name,
        }))
    }

    /// The TLS handshake over `stream`; a failure says why in words for the staff page.
    pub async fn connect(
        &self,
        stream: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
        self.connector
            .connect(self.name.clone(), stream)
            .await
            .map_err(|error| handshake_failure(&error))
    }
}

/// `host` of `host:port` (an IPv6 address in brackets loses them).
fn host_of(peer: &str) -> &str {
    let host = peer.rsplit_once(':').map_or(peer, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// What went wrong in a handshake, short and without PHI (there is none in a handshake).
pub fn handshake_failure(error: &std::io::Error) -> String {
    let rustls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let why = match rustls {
        Some(rustls::Error::InvalidCertificate(certificate)) => match certificate {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                "the peer's certificate is not issued by the configured CA"
            }
            CertificateError::ApplicationVerificationFailure => {
                "the peer's certificate is not the pinned one"
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the peer's certificate is not for its name"
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the peer's certificate has expired"
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the peer's certificate is not valid yet"
            }
            _ => "the peer's certificate is not acceptable",
        },
        Some(rustls::Error::AlertReceived(_)) => "the peer refused the handshake",
        Some(rustls::Error::PeerIncompatible(_) | rustls::Error::NoCertificatesPresented) => {
            "the peer does not speak TLS as required"
        }
        Some(_) => "the handshake failed",
        None => match error.kind() {
            std::io::ErrorKind::UnexpectedEof => "the peer closed the connection in the handshake",
            std::io::ErrorKind::InvalidData => "the peer does not speak TLS",
            _ => "the connection broke in the handshake",
        },
    };
    format!("TLS: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_a_peer() {
        assert_eq!(host_of("ehr.example:2575"), "ehr.example");
        assert_eq!(host_of("127.0.0.1:2575"), "127.0.0.1");
        assert_eq!(host_of("[::1]:2575"), "::1");
    }

    #[test]
    fn tls_needs_something_to_trust_and_reads_it() {
        let config = Hl7Config {
            tls: true,
            peer_ca_file: Some("/nonexistent/ca.pem".into()),
            ..Hl7Config::default()
        };
        let error = PeerTls::from_config(&config, "127.0.0.1:2575")
            .err()
            .unwrap();
        assert!(
            matches!(error, Hl7TlsError::Trust(TrustError::CaFile { .. })),
            "{error}"
        );
        assert!(
            PeerTls::from_config(&Hl7Config::default(), "x:1")
                .unwrap()
                .is_none()
        );
    }
}

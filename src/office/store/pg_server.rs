//! Where the hub's PostgreSQL server is and how it is reached (`[database]`): the parsed
//! connection string, and TLS that checks the server's certificate. Health data crosses
//! no network in the clear: without TLS the server must be on this machine (its socket,
//! or a loopback address).

use crate::domain::ClinicId;
use crate::tls::{PinnedPeer, ServerTrust, TrustError, client_config, crypto_provider};
use postgres::config::{Host, SslMode};
use std::net::IpAddr;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Why `[database]` cannot name a server the hub may use. Never quotes the URL (it may
/// carry a password).
#[derive(Debug, thiserror::Error)]
pub enum PgServerError {
    #[error("[database] url is not a PostgreSQL connection string")]
    Url,
    #[error("[database] ca_file and server_fingerprint are for a PostgreSQL url, and none is set")]
    TrustWithoutUrl,
    #[error(
        "[database] url reaches {host} over plain TCP, and health data must not cross a network in the clear: add sslmode=require (with ca_file or server_fingerprint when no public CA issued the server's certificate)"
    )]
    PlainOverNetwork { host: String },
    #[error(
        "[database] TLS is for a server reached over TCP; url names a socket, which needs none (leave out sslmode=require, ca_file and server_fingerprint)"
    )]
    TlsOverSocket,
    #[error("[database] sslmode=disable contradicts ca_file and server_fingerprint")]
    TlsDisabled,
    #[error("[database] ca_file and server_fingerprint are two ways to trust one server: set one")]
    TwoTrusts,
    #[error("[database] TLS: {0}")]
    Trust(#[from] TrustError),
    #[error("[database] TLS set-up: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A PostgreSQL server and the way to it: plain on this machine, else TLS (TLS 1.2 or
/// 1.3) with the certificate checked against `ca_file`, the pinned fingerprint, or the
/// public web CAs, and its name against the host in the URL.
#[derive(Clone)]
pub struct PgServer {
    config: postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password.
        f.debug_struct("PgServer")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl PgServer {
    /// The server `url` names, trusted as `trust` says (`None`: public CAs when the URL
    /// asks for `sslmode=require`). Asking for TLS in any way makes it required: a
    /// server that offers none is refused, never used in the clear.
    pub fn new(url: &str, trust: Option<&ServerTrust>) -> Result<Self, PgServerError> {
        let mut config: postgres::Config = url.parse().map_err(|_| PgServerError::Url)?;
        let wants_tls = trust.is_some() || config.get_ssl_mode() == SslMode::Require;
        if trust.is_some() && config.get_ssl_mode() == SslMode::Disable {
            return Err(PgServerError::TlsDisabled);
        }
        if !wants_tls {
            if let Some(host) = off_machine_host(&config) {
                return Err(PgServerError::PlainOverNetwork { host });
            }
            // `prefer` would try TLS with a connector that has none; say what happens.
            config.ssl_mode(SslMode::Disable);
            return Ok(Self { config, tls: None });
        }
        if config
            .get_hosts()
            .iter()
            .any(|host| matches!(host, Host::Unix(_)))
        {
            return Err(PgServerError::TlsOverSocket);
        }
        config.ssl_mode(SslMode::Require);
        let client = match trust {
            Some(trust) => client_config(trust, PinnedPeer::Database)?,
            None => rustls::ClientConfig::builder_with_provider(crypto_provider())
                .with_safe_default_protocol_versions()?
                .with_root_certificates(rustls::RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                })
                .with_no_client_auth(),
        };
        Ok(Self {
            config,
            tls: Some(MakeRustlsConnect::new(client)),
        })
    }

    /// The same server, with every session working for practice `clinic` (the
    /// `frontdesk.clinic` setting, given at start-up with the URL's own `options`): row-level
    /// security shows such a session that practice's rows only, and a session without it
    /// none (see schema_postgres_clinics.sql).
    pub fn for_clinic(mut self, clinic: ClinicId) -> Self {
        let setting = format!("-c frontdesk.clinic={}", clinic.get());
        let options = match self.config.get_options() {
            Some(own) if !own.trim().is_empty() => format!("{own} {setting}"),
            _ => setting,
        };
        self.config.options(&options);
        self
    }

    /// Opens a session (blocking: call it off the async threads).
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(postgres::NoTls),
        }
    }

    /// Whether sessions go over TLS.
    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }
}

/// The first host the connection string reaches over TCP that is not this machine.
/// A name other than `localhost` counts as another machine: where it points can change.
fn off_machine_host(config: &postgres::Config) -> Option<String> {
    let addresses = config.get_hostaddrs();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .find_map(|(index, host)| {
            let Host::Tcp(name) = host else {
                return None;
            };
            let local = match addresses.get(index) {
                Some(address) => address.is_loopback(),
                None => {
                    name.eq_ignore_ascii_case("localhost")
                        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
                }
            };
            (!local).then(|| name.clone())
        })
        .or_else(|| {
            // `hostaddr` without `host`.
            let remote = addresses.iter().find(|address| !address.is_loopback());
            remote
                .filter(|_| config.get_hosts().is_empty())
                .map(ToString::to_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::Fingerprint;

    fn pin() -> ServerTrust {
        ServerTrust::Pinned(("AB:".repeat(31) + "CD").parse::<Fingerprint>().unwrap())
    }

    #[test]
    fn plain_sessions_stay_on_this_machine() {
        for local in [
            "host=/var/run/postgresql dbname=frontdesk",
            "host=localhost user=frontdesk password=secret-word",
            "postgresql://frontdesk@127.0.0.1:5433/frontdesk",
            "host=::1 dbname=frontdesk",
            "host=db.example hostaddr=127.0.0.1 dbname=frontdesk",
            "dbname=frontdesk",
        ] {
            let server = PgServer::new(local, None).unwrap();
            assert!(!server.uses_tls(), "{local}");
        }
        for (remote, host) in [
            (
                "host=db.example user=frontdesk password=secret-word",
                "db.example",
            ),
            (
                "postgresql://frontdesk:secret-word@10.0.0.5/frontdesk",
                "10.0.0.5",
            ),
            ("host=localhost hostaddr=10.0.0.5", "localhost"),
            ("hostaddr=10.0.0.5 dbname=frontdesk", "10.0.0.5"),
            ("host=/run/postgresql,db.example", "db.example"),
            ("host=db.example sslmode=prefer", "db.example"),
        ] {
            let error = PgServer::new(remote, None).unwrap_err();
            assert!(
                matches!(&error, PgServerError::PlainOverNetwork { host: h } if h == host),
                "{remote}: {error}"
            );
            assert!(!error.to_string().contains("secret-word"), "{error}");
        }
    }

    #[test]
    fn asking_for_tls_in_any_way_requires_it() {
        let public = PgServer::new("host=db.example sslmode=require", None).unwrap();
        assert!(public.uses_tls());
        assert_eq!(public.config.get_ssl_mode(), SslMode::Require);
        let pinned = PgServer::new("host=db.example", Some(&pin())).unwrap();
        assert!(pinned.uses_tls());
        assert_eq!(pinned.config.get_ssl_mode(), SslMode::Require);
        let prefer = PgServer::new("host=10.0.0.5 sslmode=prefer", Some(&pin())).unwrap();
        assert_eq!(prefer.config.get_ssl_mode(), SslMode::Require);
        // Even to this machine.
        let local = PgServer::new("host=localhost", Some(&pin())).unwrap();
        assert!(local.uses_tls());
    }

    #[test]
    fn contradictions_and_bad_files_are_named() {
        assert!(matches!(
            PgServer::new("host=db.example sslmode=disable", Some(&pin())),
            Err(PgServerError::TlsDisabled)
        ));
        assert!(matches!(
            PgServer::new("host=/run/postgresql sslmode=require", None),
            Err(PgServerError::TlsOverSocket)
        ));
        assert!(matches!(
            PgServer::new("not a connection string = = =", None),
            Err(PgServerError::Url)
        ));
        let missing = ServerTrust::CaFile("/nonexistent/db-ca.pem".into());
        let error = PgServer::new("host=db.example", Some(&missing)).unwrap_err();
        assert!(
            matches!(error, PgServerError::Trust(TrustError::CaFile { .. })),
            "{error}"
        );
        assert!(
            error.to_string().contains("/nonexistent/db-ca.pem"),
            "{error}"
        );
    }
}

//! What the tests of the HL7 v2 interface out share: PyPI's python-hl7 MLLP peer
//! (tests/hl7/peer.py, plain or inside Python's `ssl`), an office sending to a peer, its
//! HL7 row on the staff page, and waiting for it.
#![allow(dead_code)]

use crate::support::{self, TestOffice};
use frontdesk::office::config::Hl7Config;
use frontdesk::office::hl7::status::Hl7Status;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a slow machine; only a broken build ever waits this long.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// python-hl7's MLLP server, logging what it parsed as JSON lines.
pub struct Peer {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Peer {
    /// A peer logging to `{name}.jsonl` in `dir`; inside TLS with `tls` (certificate and
    /// key PEM files), whose failed handshakes are not printed.
    pub fn start(dir: &Path, name: &str, tls: Option<(&Path, &Path)>) -> Self {
        let log = dir.join(format!("{name}.jsonl"));
        let mut command = Command::new("python3");
        command
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hl7/peer.py"))
            .arg(&log);
        if let Some((cert, key)) = tls {
            command
                .arg("--tls")
                .arg(cert)
                .arg(key)
                .stderr(Stdio::null());
        }
        let (child, addr) = support::spawn_listening(&mut command, "pip install hl7");
        Self { child, addr, log }
    }

    /// What the peer parsed, in the order it took it.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An office sending ADT to `peer` (acknowledgements awaited 5 s, retries at most 200 ms
/// apart), with `configure` setting the rest of `[hl7]`.
pub fn office_sending_to(
    dir: &Path,
    peer: SocketAddr,
    configure: impl FnOnce(&mut Hl7Config),
) -> TestOffice {
    support::start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.hl7.peer = Some(peer.to_string());
        config.hl7.ack_timeout_ms = 5_000;
        config.hl7.max_backoff_ms = 200;
        configure(&mut config.hl7);
    })
}

/// The interface's row on the staff page.
pub fn status(office: &TestOffice) -> Hl7Status {
    support::staff_get(format!("{}/api/staff/v1/hl7", office.base))
        .unwrap()
        .json()
        .unwrap()
}

pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

//! A program run by systemd as a `Type=notify` unit tells it when it is ready and feeds
//! its watchdog only while healthy: checked against a notify socket of our own (the
//! environment systemd gives a service), in a binary of its own because it sets the
//! process environment.

use frontdesk::service::{Health, ServiceManager};
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

#[test]
fn systemd_hears_ready_and_a_fed_watchdog_only_while_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // SAFETY: the only test in this binary that reads or writes these variables.
    unsafe {
        std::env::set_var("NOTIFY_SOCKET", &path);
        std::env::set_var("WATCHDOG_USEC", "4000000");
        std::env::remove_var("WATCHDOG_PID");
    }
    let manager = ServiceManager::from_env();
    assert_eq!(manager.watchdog_every(), Some(Duration::from_secs(2)));
    let heard = || {
        let mut buf = [0u8; 256];
        let n = socket.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    manager.ready("serving").unwrap();
    let ready = heard();
    assert!(
        ready.contains("READY=1") && ready.contains("STATUS=serving"),
        "{ready}"
    );
    assert!(manager.watchdog(Health::Ok).unwrap());
    assert_eq!(heard().trim(), "WATCHDOG=1");
    assert!(!manager.watchdog(Health::Failing("sync")).unwrap());
    let starved = heard();
    assert!(
        !starved.contains("WATCHDOG") && starved.contains("unhealthy: sync"),
        "{starved}"
    );
    manager.stopping().unwrap();
    assert_eq!(heard().trim(), "STOPPING=1");
    unsafe {
        std::env::remove_var("NOTIFY_SOCKET");
        std::env::remove_var("WATCHDOG_USEC");
    }
    assert_eq!(ServiceManager::from_env().watchdog_every(), None);
    // No socket: nothing is sent, nothing fails.
    assert!(ServiceManager::from_env().watchdog(Health::Ok).unwrap());
}

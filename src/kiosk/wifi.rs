//! The kiosk's Wi-Fi, from the `[wifi]` section of its one config file: checked like any
//! other key (a wrong one puts the "setup needed" screen up, naming the key, never its
//! value), and turned into the `wpa_supplicant` configuration the image's
//! `frontdesk-wifi.service` writes to `/run` at every boot (the root is read-only).
//!
//! Written by hand: the format is a few lines of `wpa_supplicant.conf`, and no crate
//! writes it. The SSID goes in as hex and the passphrase is printable ASCII (checked), so
//! nothing needs escaping.

use serde::Deserialize;
use std::fmt;
use std::io::Write;
use std::path::Path;

/// The `[wifi]` section as written. Checked by [`WifiConfig::network`].
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WifiConfig {
    /// Where the kiosk stands, as an ISO 3166 two-letter code (`US`): which channels and
    /// power the radio may use. Required: without it the radio keeps to the most
    /// restrictive rules and may not see the office's network.
    pub country: String,
    /// The network's name, as the office's router shows it (1-32 bytes).
    pub ssid: String,
    /// Its WPA2/WPA3-Personal passphrase (8-63 printable ASCII characters). Open networks
    /// are not offered: a clinic's kiosk belongs on a protected network.
    pub passphrase: String,
    /// The router does not announce the name (a "hidden" network): probe for it.
    #[serde(default)]
    pub hidden: bool,
}

impl fmt::Debug for WifiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WifiConfig")
            .field("country", &self.country)
            .field("ssid", &self.ssid)
            .field("passphrase", &"<secret>")
            .field("hidden", &self.hidden)
            .finish()
    }
}

/// What is wrong with `[wifi]`: the key, never its value (the passphrase is a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WifiError {
    #[error("[wifi] country must be a two-letter country code such as US")]
    Country,
    #[error("[wifi] ssid must be 1-32 bytes")]
    Ssid,
    #[error("[wifi] passphrase must be 8-63 printable ASCII characters (WPA2/WPA3-Personal)")]
    Passphrase,
}

/// An ISO 3166-1 alpha-2 code, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn new(text: &str) -> Result<Self, WifiError> {
        let code = text.trim().to_ascii_uppercase();
        // "00" is the world domain: not a place, and what an unset radio already uses.
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(WifiError::Country)
        }
    }
}

/// A network name: 1-32 bytes, any bytes (IEEE 802.11 does not make it text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssid(Vec<u8>);

impl Ssid {
    pub fn new(text: &str) -> Result<Self, WifiError> {
        if (1..=32).contains(&text.len()) {
            Ok(Self(text.as_bytes().to_vec()))
        } else {
            Err(WifiError::Ssid)
        }
    }

    fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A WPA passphrase: 8-63 characters from space to `~` (IEEE 802.11i's rule).
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(text: &str) -> Result<Self, WifiError> {
        if (8..=63).contains(&text.len()) && text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            Ok(Self(text.to_owned()))
        } else {
            Err(WifiError::Passphrase)
        }
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<secret>)")
    }
}

/// A checked `[wifi]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifiNetwork {
    pub country: CountryCode,
    pub ssid: Ssid,
    pub passphrase: Passphrase,
    pub hidden: bool,
}

impl WifiConfig {
    /// The section checked, key by key in the order they are written.
    pub fn network(&self) -> Result<WifiNetwork, WifiError> {
        Ok(WifiNetwork {
            country: CountryCode::new(&self.country)?,
            ssid: Ssid::new(&self.ssid)?,
            passphrase: Passphrase::new(&self.passphrase)?,
            hidden: self.hidden,
        })
    }
}

impl WifiNetwork {
    /// The `wpa_supplicant` configuration for this network. WPA2 and WPA3 (SAE, which takes
    /// the passphrase itself) both, with management-frame protection where the router
    /// offers it; `wpa_cli -p /run/wpa_supplicant` reaches it for root only. Holds the
    /// passphrase: written mode 0600.
    pub fn wpa_supplicant_conf(&self) -> String {
        // A passphrase is quoted; wpa_supplicant takes the string up to the *last* quote,
        // so a `"` inside it is kept, and the checked characters hold no line break.
        format!(
            "# Written at boot by frontdesk-wifi.service from [wifi] in frontdesk.toml.\n\
             ctrl_interface=DIR=/run/wpa_supplicant GROUP=root\n\
             update_config=0\n\
             country={country}\n\
             \n\
             network={{\n\
             \tssid={ssid}\n\
             \tscan_ssid={scan}\n\
             \tkey_mgmt=WPA-PSK WPA-PSK-SHA256 SAE\n\
             \tieee80211w=1\n\
             \tpsk=\"{psk}\"\n\
             }}\n",
            country = self.country.0,
            ssid = self.ssid.hex(),
            scan = u8::from(self.hidden),
            psk = self.passphrase.0,
        )
    }
}

/// Why the boot-time writer could not do its job. Never quotes the file's text.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse {
        path: std::path::PathBuf,
        message: String,
    },
    #[error(transparent)]
    Wifi(#[from] WifiError),
    #[error("cannot write the Wi-Fi configuration: {0}")]
    Write(#[from] std::io::Error),
}

/// Just the `[wifi]` table of a kiosk config file: the network comes up even when
/// another key is wrong (the kiosk then shows "setup needed", and can be reached).
#[derive(Deserialize)]
struct WifiOnly {
    wifi: Option<WifiConfig>,
}

/// What [`write_supplicant_conf`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The network's configuration is at `out`.
    Network,
    /// No `[wifi]`: nothing at `out` (an earlier file removed).
    NoWifi,
}

/// Reads `[wifi]` from the kiosk config at `config` and writes its `wpa_supplicant`
/// configuration to `out`, mode 0600, replacing it whole (written beside it, then
/// renamed); without `[wifi]`, removes `out`.
pub fn write_supplicant_conf(config: &Path, out: &Path) -> Result<Written, WriteError> {
    let text = std::fs::read_to_string(config).map_err(|source| WriteError::Read {
        path: config.to_owned(),
        source,
    })?;
    // Not toml's whole error: it quotes the line, which may be the passphrase.
    let section: WifiOnly = toml::from_str(&text).map_err(|error| WriteError::Parse {
        path: config.to_owned(),
        message: crate::config_file::without_values(&error),
    })?;
    let Some(wifi) = section.wifi else {
        match std::fs::remove_file(out) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
            _ => return Ok(Written::NoWifi),
        }
    };
    let conf = wifi.network()?.wpa_supplicant_conf();
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let mut file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?
    };
    file.write_all(conf.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, out)?;
    Ok(Written::Network)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(country: &str, ssid: &str, passphrase: &str) -> WifiConfig {
        WifiConfig {
            country: country.into(),
            ssid: ssid.into(),
            passphrase: passphrase.into(),
            hidden: false,
        }
    }

    #[test]
    fn a_network_becomes_a_supplicant_configuration_with_the_name_in_hex() {
        let mut wifi = config("us", "Clinic Kiosks ñ", "correct \"horse\" battery");
        wifi.hidden = true;
        let conf = wifi.network().unwrap().wpa_supplicant_conf();
        assert!(conf.contains("\ncountry=US\n"), "{conf}");
        // "Clinic Kiosks ñ" in UTF-8.
        assert!(conf.contains("\tssid=436c696e6963204b696f736b7320c3b1\n"));
        assert!(conf.contains("\tscan_ssid=1\n"));
        assert!(conf.contains("\tpsk=\"correct \"horse\" battery\"\n"));
        assert!(conf.contains("key_mgmt=WPA-PSK WPA-PSK-SHA256 SAE"));
        assert_eq!(conf.matches("network={").count(), 1);
    }

    #[test]
    fn each_wrong_key_is_named_and_its_value_is_not() {
        let cases = [
            (config("USA", "Net", "password1"), WifiError::Country),
            (config("", "Net", "password1"), WifiError::Country),
            (config("U1", "Net", "password1"), WifiError::Country),
            (config("US", "", "password1"), WifiError::Ssid),
            (config("US", &"n".repeat(33), "password1"), WifiError::Ssid),
            (config("US", "Net", "short"), WifiError::Passphrase),
            (config("US", "Net", &"p".repeat(64)), WifiError::Passphrase),
            (config("US", "Net", "pass\nword1"), WifiError::Passphrase),
            (config("US", "Net", "contraseña1"), WifiError::Passphrase),
        ];
        for (wifi, want) in cases {
            let error = wifi.network().unwrap_err();
            assert_eq!(error, want);
            assert!(!error.to_string().contains(&wifi.passphrase));
        }
        // The longest name and passphrase are fine.
        config("de", &"n".repeat(32), &"p".repeat(63))
            .network()
            .unwrap();
    }

    #[test]
    fn the_boot_writer_writes_the_network_private_and_removes_it_when_the_section_goes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("frontdesk.toml");
        let out = dir.path().join("wpa_supplicant-wlan0.conf");
        // Another key is wrong for the kiosk (no such backend): the network still comes up.
        std::fs::write(
            &config,
            "kiosk_id = \"lobby-1\"\n[display]\nbackend = \"nonesuch\"\n\
             [wifi]\ncountry = \"US\"\nssid = \"Testclinic\"\npassphrase = \"not-a-real-pass\"\n",
        )
        .unwrap();
        assert_eq!(
            write_supplicant_conf(&config, &out).unwrap(),
            Written::Network
        );
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(written.contains("psk=\"not-a-real-pass\""));
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        std::fs::write(&config, "kiosk_id = \"lobby-1\"\n").unwrap();
        assert_eq!(
            write_supplicant_conf(&config, &out).unwrap(),
            Written::NoWifi
        );
        assert!(!out.exists());
        assert_eq!(
            write_supplicant_conf(&config, &out).unwrap(),
            Written::NoWifi
        );

        // A passphrase of the wrong type: the message names no value.
        std::fs::write(
            &config,
            "[wifi]\ncountry = \"US\"\nssid = \"N\"\npassphrase = 87654321\n",
        )
        .unwrap();
        let error = write_supplicant_conf(&config, &out)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("87654321"), "{error}");
        assert!(!out.exists());
    }

    #[test]
    fn the_passphrase_stays_out_of_debug_output() {
        let wifi = config("US", "Net", "hunter2hunter2");
        assert!(!format!("{wifi:?}").contains("hunter2"));
        assert!(!format!("{:?}", wifi.network().unwrap()).contains("hunter2"));
    }
}

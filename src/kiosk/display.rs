//! The screen the kiosk draws on, named in `kiosk.toml` (`[display] backend`) or with
//! `--backend`, never guessed from the environment: a Pi under linuxkms that cannot open
//! its screen stops with an error (systemd restarts it and the journal says why) rather
//! than carrying on headless in front of a dark panel.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DisplayError {
    #[error("this build has no {0} backend (it was built without the `linuxkms` feature)")]
    NotBuiltIn(DisplayBackend),
    #[error("cannot open the {backend} display: {reason}")]
    Unavailable {
        backend: DisplayBackend,
        reason: String,
    },
    #[error("unknown display backend {0:?}: use winit, linuxkms or headless")]
    Unknown(String),
    #[error("[display] blank_after_secs must be 0 (never) or 30-86400, not {0}")]
    BlankAfter(u64),
}

/// What draws the kiosk's screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayBackend {
    /// A window on a desktop (X11), for development and the demo.
    #[default]
    Winit,
    /// Straight to the panel through DRM/KMS with touch through libinput: the Pi, with no
    /// X, Wayland or browser.
    Linuxkms,
    /// No screen: frames are drawn in memory (tests, the demo on a machine without one).
    Headless,
}

impl DisplayBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            DisplayBackend::Winit => "winit",
            DisplayBackend::Linuxkms => "linuxkms",
            DisplayBackend::Headless => "headless",
        }
    }

    /// Installs this backend as the process's Slint platform, drawing with the software
    /// renderer. Headless is installed by the caller ([`super::headless`]), which keeps the
    /// window to draw frames on demand; this does nothing for it.
    pub fn install(self) -> Result<(), DisplayError> {
        if self == DisplayBackend::Headless {
            return Ok(());
        }
        if self == DisplayBackend::Linuxkms && !cfg!(feature = "linuxkms") {
            return Err(DisplayError::NotBuiltIn(self));
        }
        slint::BackendSelector::new()
            .backend_name(self.as_str().into())
            .renderer_name("software".into())
            .select()
            .map_err(|error| DisplayError::Unavailable {
                backend: self,
                reason: error.to_string(),
            })
    }
}

impl std::fmt::Display for DisplayBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DisplayBackend {
    type Err = DisplayError;

    fn from_str(text: &str) -> Result<Self, DisplayError> {
        match text {
            "winit" => Ok(DisplayBackend::Winit),
            "linuxkms" => Ok(DisplayBackend::Linuxkms),
            "headless" => Ok(DisplayBackend::Headless),
            other => Err(DisplayError::Unknown(other.into())),
        }
    }
}

/// `[display]` in `kiosk.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    pub backend: DisplayBackend,
    /// Seconds on the welcome screen with nobody around before the backlight goes off;
    /// a touch or the motion sensor turns it back on. 0: never.
    pub blank_after_secs: u64,
    /// The panel's backlight, a `/sys/class/backlight/<name>` directory. Absent: the only
    /// one there is; none there (a desktop monitor): the screen is never blanked.
    pub backlight: Option<PathBuf>,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            backend: DisplayBackend::default(),
            blank_after_secs: 300,
            backlight: None,
        }
    }
}

impl DisplayConfig {
    pub fn validate(&self) -> Result<(), DisplayError> {
        match self.blank_after_secs {
            0 | 30..=86_400 => Ok(()),
            other => Err(DisplayError::BlankAfter(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_named_in_the_config_and_on_the_command_line_alike() {
        for backend in [
            DisplayBackend::Winit,
            DisplayBackend::Linuxkms,
            DisplayBackend::Headless,
        ] {
            assert_eq!(backend.as_str().parse::<DisplayBackend>().unwrap(), backend);
            let toml = format!("backend = \"{backend}\"");
            let config: DisplayConfig = toml::from_str(&toml).unwrap();
            assert_eq!(config.backend, backend);
        }
        assert!(matches!(
            "kms".parse::<DisplayBackend>(),
            Err(DisplayError::Unknown(_))
        ));
        assert!(toml::from_str::<DisplayConfig>("backend = \"auto\"").is_err());
    }

    #[test]
    fn blanking_is_off_or_at_least_half_a_minute() {
        let at = |secs| DisplayConfig {
            blank_after_secs: secs,
            ..DisplayConfig::default()
        };
        assert!(at(0).validate().is_ok());
        assert!(at(30).validate().is_ok());
        assert!(matches!(at(5).validate(), Err(DisplayError::BlankAfter(5))));
        assert!(at(86_401).validate().is_err());
    }
}

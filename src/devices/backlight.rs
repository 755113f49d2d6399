//! The panel's backlight through sysfs (`/sys/class/backlight/<name>`): `bl_power` 0 is
//! lit, 4 is off (`FB_BLANK_POWERDOWN`). Switching power rather than brightness leaves the
//! brightness the IT person chose alone. Plain file writes: no crate needed for two
//! attribute files. The packaged udev rule lets the `video` group write `bl_power`.

use std::path::{Path, PathBuf};

/// Where the kernel lists backlights.
pub const SYSFS_BACKLIGHTS: &str = "/sys/class/backlight";

const LIT: &str = "0";
const POWERED_DOWN: &str = "4";

/// Why the backlight cannot be used. Names the sysfs path, nothing else.
#[derive(Debug, thiserror::Error)]
pub enum BacklightError {
    #[error("no backlight at {0} (it needs a bl_power file)")]
    NotThere(PathBuf),
    #[error("several backlights in {dir} ({names}): name one in [display] backlight")]
    Several { dir: PathBuf, names: String },
    #[error("cannot switch the backlight at {path}: {source}")]
    Switch {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One panel's backlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlight {
    dir: PathBuf,
}

impl Backlight {
    /// The backlight at `dir` (a `/sys/class/backlight/<name>` directory).
    pub fn open(dir: &Path) -> Result<Self, BacklightError> {
        if dir.join("bl_power").is_file() {
            Ok(Self {
                dir: dir.to_path_buf(),
            })
        } else {
            Err(BacklightError::NotThere(dir.to_path_buf()))
        }
    }

    /// The one named in the config, else the only one in `class_dir` (normally
    /// [`SYSFS_BACKLIGHTS`]); `None` when there is none (a desktop monitor).
    pub fn find(named: Option<&Path>, class_dir: &Path) -> Result<Option<Self>, BacklightError> {
        if let Some(dir) = named {
            return Self::open(dir).map(Some);
        }
        let mut found: Vec<PathBuf> = match std::fs::read_dir(class_dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => return Ok(None),
        };
        found.sort();
        match found.as_slice() {
            [] => Ok(None),
            [one] => Self::open(one).map(Some),
            several => Err(BacklightError::Several {
                dir: class_dir.to_path_buf(),
                names: several
                    .iter()
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Lights the panel or powers its backlight down.
    pub fn set_lit(&self, lit: bool) -> Result<(), BacklightError> {
        let path = self.dir.join("bl_power");
        std::fs::write(&path, if lit { LIT } else { POWERED_DOWN })
            .map_err(|source| BacklightError::Switch { path, source })
    }

    /// Whether the panel is lit now (anything but "off" counts as lit).
    pub fn is_lit(&self) -> Result<bool, BacklightError> {
        let path = self.dir.join("bl_power");
        let text = std::fs::read_to_string(&path)
            .map_err(|source| BacklightError::Switch { path, source })?;
        Ok(text.trim() != POWERED_DOWN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sysfs class directory with backlights named `names`, all lit.
    fn class_dir(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let light = dir.path().join(name);
            std::fs::create_dir(&light).unwrap();
            std::fs::write(light.join("bl_power"), "0\n").unwrap();
            std::fs::write(light.join("brightness"), "200\n").unwrap();
        }
        dir
    }

    #[test]
    fn the_only_backlight_is_found_and_switched_leaving_brightness_alone() {
        let dir = class_dir(&["10-0045"]);
        let light = Backlight::find(None, dir.path()).unwrap().unwrap();
        assert!(light.is_lit().unwrap());
        light.set_lit(false).unwrap();
        assert!(!light.is_lit().unwrap());
        assert_eq!(
            std::fs::read_to_string(light.dir().join("bl_power")).unwrap(),
            "4"
        );
        light.set_lit(true).unwrap();
        assert!(light.is_lit().unwrap());
        let brightness = std::fs::read_to_string(light.dir().join("brightness")).unwrap();
        assert_eq!(brightness, "200\n");
    }

    #[test]
    fn none_is_no_backlight_and_several_must_be_named() {
        let empty = class_dir(&[]);
        assert_eq!(Backlight::find(None, empty.path()).unwrap(), None);
        assert_eq!(
            Backlight::find(None, &empty.path().join("missing")).unwrap(),
            None
        );
        let two = class_dir(&["a", "b"]);
        let error = Backlight::find(None, two.path()).unwrap_err();
        assert!(error.to_string().contains("a, b"), "{error}");
        let named = Backlight::find(Some(&two.path().join("b")), two.path()).unwrap();
        assert_eq!(named.unwrap().dir(), two.path().join("b"));
        assert!(matches!(
            Backlight::find(Some(&two.path().join("c")), two.path()),
            Err(BacklightError::NotThere(_))
        ));
    }
}

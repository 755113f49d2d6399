//! `DisplayPrefs`: how the patient at the kiosk wants the screen drawn (larger text, high
//! contrast). Held in the [`super::Session`], so the next patient starts with the normal
//! display, and carried to the shell in every [`super::Screen`].

/// The patient's display preferences; both off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisplayPrefs {
    /// Every type size, and the buttons that hold text, drawn larger.
    pub large_text: bool,
    /// A palette with at least 7:1 contrast for text and thicker outlines.
    pub high_contrast: bool,
}

impl DisplayPrefs {
    /// Turns large text on or off.
    pub fn toggle_large_text(&mut self) {
        self.large_text = !self.large_text;
    }

    /// Turns high contrast on or off.
    pub fn toggle_high_contrast(&mut self) {
        self.high_contrast = !self.high_contrast;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_toggle_flips_only_its_own_preference() {
        let mut prefs = DisplayPrefs::default();
        prefs.toggle_large_text();
        assert_eq!(
            prefs,
            DisplayPrefs {
                large_text: true,
                high_contrast: false
            }
        );
        prefs.toggle_high_contrast();
        prefs.toggle_large_text();
        assert_eq!(
            prefs,
            DisplayPrefs {
                large_text: false,
                high_contrast: true
            }
        );
    }
}

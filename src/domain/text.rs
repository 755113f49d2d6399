//! One line of free text a patient types at the kiosk (an address line, a city, a
//! preferred name): trimmed, non-empty, length-limited, no control characters.

/// Why a line of text was refused. Carries no part of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("nothing was entered")]
    Empty,
    #[error("longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains control characters")]
    ControlCharacters,
}

/// `text` trimmed, if it is 1 to `max` characters with no control characters.
pub(crate) fn clean_line(text: &str, max: usize) -> Result<String, TextError> {
    // A character is at most 4 bytes: longer input is refused before it is scanned.
    if text.len() > max.saturating_mul(4).saturating_add(64) {
        return Err(TextError::TooLong { max });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if text.chars().any(char::is_control) {
        return Err(TextError::ControlCharacters);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_limits() {
        assert_eq!(
            clean_line("  123 Example St ", 64).unwrap(),
            "123 Example St"
        );
        assert_eq!(clean_line("   ", 64), Err(TextError::Empty));
        assert_eq!(clean_line("", 64), Err(TextError::Empty));
        assert_eq!(clean_line(&"a".repeat(64), 64).unwrap().len(), 64);
        assert_eq!(
            clean_line(&"a".repeat(65), 64),
            Err(TextError::TooLong { max: 64 })
        );
        // Characters, not bytes: 64 accented letters fit.
        assert!(clean_line(&"é".repeat(64), 64).is_ok());
        assert_eq!(
            clean_line(&"x".repeat(100_000), 64),
            Err(TextError::TooLong { max: 64 })
        );
        assert_eq!(
            clean_line("Apt\u{0}1", 64),
            Err(TextError::ControlCharacters)
        );
        assert_eq!(clean_line("Apt\n1", 64), Err(TextError::ControlCharacters));
    }
}

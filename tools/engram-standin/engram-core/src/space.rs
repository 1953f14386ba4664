//! Memory space identifiers.

/// Checks a memory space id: 4 to 64 characters, lowercase ASCII letters and digits.
pub fn validate_space_id(id: &str) -> Result<(), String> {
    let len = id.chars().count();
    if !(4..=64).contains(&len) {
        return Err(format!(
            "memory space id '{id}' must be 4 to 64 characters long (has {len})"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(format!(
            "memory space id '{id}' may only contain lowercase letters and digits (found '{bad}')"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_space_id;

    #[test]
    fn accepts_lowercase_alphanumeric_ids() {
        assert!(validate_space_id("default").is_ok());
        assert!(validate_space_id("team42").is_ok());
        assert!(validate_space_id(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_short_long_and_foreign_characters() {
        assert!(validate_space_id("abc").is_err());
        assert!(validate_space_id(&"a".repeat(65)).is_err());
        assert!(validate_space_id("Team").is_err());
        assert!(validate_space_id("my-space").is_err());
        assert!(validate_space_id("my_space").is_err());
    }
}

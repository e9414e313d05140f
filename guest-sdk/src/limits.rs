//! The limits the host applies to every message a plugin returns, as `DESIGN.md` states them.
//! A message over a limit fails the whole delivery, so budget content against these rather
//! than against a copy of the numbers.

/// The most characters (Unicode scalar values) a message's content may have; content must
/// also have at least one.
///
/// ```
/// use wasmhook_sdk::{limits::MAX_CONTENT_CHARS, markdown};
///
/// let long = "x".repeat(5000);
/// let content = markdown::truncate(&long, MAX_CONTENT_CHARS);
/// assert_eq!(content.chars().count(), 4000);
/// assert!(content.ends_with('…'));
/// ```
pub const MAX_CONTENT_CHARS: usize = 4000;

/// The most characters a message's display name (`username`) may have; a display name must
/// also have a character other than whitespace.
///
/// ```
/// use wasmhook_sdk::{check_sender_overrides, limits::MAX_USERNAME_CHARS};
///
/// assert!(check_sender_overrides(Some(&"x".repeat(MAX_USERNAME_CHARS)), None).is_ok());
/// assert!(check_sender_overrides(Some(&"x".repeat(MAX_USERNAME_CHARS + 1)), None).is_err());
/// ```
pub const MAX_USERNAME_CHARS: usize = 64;

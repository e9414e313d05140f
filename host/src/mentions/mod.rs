//! Mention syntax of webhook messages: parsing and the selection rules. Pure, no I/O; the
//! store looks the parsed names up and [`select`] applies de-duplication and the cap.
//!
//! - `<@email>` and `@email` address a member of the channel's community by email
//!   (case-insensitive).
//! - `@username` addresses a member of the channel by exact, case-sensitive username made of
//!   ASCII letters, digits and underscore.
//! - `@everyone`, `@here` and `@channel` are audience mentions and are ignored for webhooks.
//! - At most [`MAX_NOTIFIED`] distinct users are notified per message, in order of appearance.
//! - Markdown code stays silent: an `@` inside a code span (`` `@x` ``), a fenced or an indented
//!   code block, or escaped with a backslash (`\@x`, shown as `@x`) mentions nobody.

/// At most this many distinct users are notified per message.
pub const MAX_NOTIFIED: usize = 50;

/// Which resolved mentions of a message count (Discord's `allowed_mentions`): every one, the
/// default, or only those of the listed users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MentionFilter {
    /// Every resolved mention notifies.
    #[default]
    All,
    /// Only these users (our user ids) are mentioned and notified.
    Only(Vec<uuid::Uuid>),
}

impl MentionFilter {
    /// Whether a mention of `user_id` counts.
    pub fn allows(&self, user_id: uuid::Uuid) -> bool {
        match self {
            MentionFilter::All => true,
            MentionFilter::Only(users) => users.contains(&user_id),
        }
    }
}

/// Distinct names looked up per message at most; beyond that, more names cannot change the
/// outcome of a message that already names far more than [`MAX_NOTIFIED`] candidates.
const MAX_CANDIDATES: usize = 500;

/// One mention found in message text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mention {
    /// `<@email>` or `@email`; the address is lower-cased.
    Email(String),
    /// `@username`, case preserved.
    Username(String),
}

/// Finds the mentions in `content`, in order of appearance, without duplicates; those in
/// Markdown code or behind a backslash do not count.
pub fn parse(content: &str) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    if !content.contains('@') {
        return found;
    }
    let code = code_ranges(content);
    for (range, mention) in spans(content) {
        // The `@` itself: `<@email>` starts one byte earlier.
        let at = range.start + usize::from(content.as_bytes()[range.start] == b'<');
        if is_escaped(content.as_bytes(), at) || code.iter().any(|c| c.contains(&at)) {
            continue;
        }
        push_unique(&mut found, mention);
        if found.len() >= MAX_CANDIDATES {
            break;
        }
    }
    found
}

/// Every mention in `content` with the byte range it covers (`<@email>` including its angle
/// brackets), in order of appearance, duplicates included. Audience mentions are skipped.
pub fn spans(content: &str) -> Vec<(std::ops::Range<usize>, Mention)> {
    let bytes = content.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = memchr_at(bytes, i) {
        i = at + 1;
        let wrapped = at > 0 && bytes[at - 1] == b'<';
        let closing = if wrapped {
            bytes[at + 1..].iter().position(|&b| b == b'>')
        } else {
            None
        };
        if let Some(len) = closing
            && is_email(&content[at + 1..at + 1 + len])
        {
            found.push((
                at - 1..at + 2 + len,
                Mention::Email(content[at + 1..at + 1 + len].to_ascii_lowercase()),
            ));
            i = at + 2 + len;
            continue;
        }
        if at > 0 && !wrapped && is_email_local_byte(bytes[at - 1]) {
            // Part of a word or of a bare address such as `dev@company.com`: not a mention.
            continue;
        }
        let rest = &content[at + 1..];
        if let Some(email) = leading_email(rest) {
            found.push((
                at..at + 1 + email.len(),
                Mention::Email(email.to_ascii_lowercase()),
            ));
            i = at + 1 + email.len();
            continue;
        }
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if name_len == 0 {
            continue;
        }
        let name = &rest[..name_len];
        i = at + 1 + name_len;
        if !matches!(name, "everyone" | "here" | "channel") {
            found.push((at..i, Mention::Username(name.to_owned())));
        }
    }
    found
}

/// Applies the notification rules to parsed mentions: keeps those `resolve` maps to a user,
/// de-duplicates users (one user may be named by email and by username) and caps the result at
/// [`MAX_NOTIFIED`].
pub fn select<T, K: PartialEq>(
    mentions: &[Mention],
    mut resolve: impl FnMut(&Mention) -> Option<T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut users: Vec<T> = Vec::new();
    for mention in mentions {
        if users.len() == MAX_NOTIFIED {
            break;
        }
        if let Some(user) = resolve(mention)
            && !users.iter().any(|u| key(u) == key(&user))
        {
            users.push(user);
        }
    }
    users
}

/// The byte ranges Markdown shows as code: code spans, fenced and indented code blocks.
fn code_ranges(content: &str) -> Vec<std::ops::Range<usize>> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    // The options the message renderer uses, so both agree on what is code.
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    Parser::new_ext(content, options)
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_))))
        .map(|(_, range)| range)
        .collect()
}

/// Whether the byte at `at` is escaped: preceded by an odd number of backslashes.
fn is_escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

fn memchr_at(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'@')
        .map(|p| p + from)
}

fn push_unique(found: &mut Vec<Mention>, mention: Mention) {
    if !found.contains(&mention) {
        found.push(mention);
    }
}

fn is_email_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// The email address at the start of `s`, if there is one (trailing dots excluded).
fn leading_email(s: &str) -> Option<&str> {
    let local = s.bytes().take_while(|&b| is_email_local_byte(b)).count();
    if local == 0 || s.as_bytes().get(local) != Some(&b'@') {
        return None;
    }
    let domain_start = local + 1;
    let domain_len = s[domain_start..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    let candidate = s[..domain_start + domain_len].trim_end_matches(['.', '-']);
    is_email(candidate).then_some(candidate)
}

/// Whether `s` is a plausible email address: `local@domain.tld`.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || !local.bytes().all(is_email_local_byte)
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Mention {
        Mention::Email(s.into())
    }
    fn user(s: &str) -> Mention {
        Mention::Username(s.into())
    }

    #[test]
    fn parses_both_email_forms_from_the_bitolink_example() {
        let text =
            "Build failed! Please review: <@developer@company.com> CC: @team-lead@company.com";
        assert_eq!(
            parse(text),
            vec![
                email("developer@company.com"),
                email("team-lead@company.com")
            ]
        );
    }

    #[test]
    fn lowercases_emails_but_keeps_username_case() {
        assert_eq!(
            parse("<@Dev@Company.COM> @Alice"),
            vec![email("dev@company.com"), user("Alice")]
        );
    }

    #[test]
    fn usernames_stop_at_characters_outside_the_alphabet() {
        assert_eq!(
            parse("hi @alice, @bob_2! @carol-x @dave.e"),
            vec![user("alice"), user("bob_2"), user("carol"), user("dave")]
        );
    }

    #[test]
    fn ignores_audience_mentions() {
        assert_eq!(
            parse("@everyone @here @channel @everyone1"),
            vec![user("everyone1")]
        );
    }

    #[test]
    fn bare_addresses_and_words_are_not_mentions() {
        assert!(parse("mail dev@company.com or foo@bar").is_empty());
        assert!(parse("@ alone, @@, <@>, @-dash").is_empty());
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_an_email() {
        assert_eq!(
            parse("ping @ops@example.org."),
            vec![email("ops@example.org")]
        );
    }

    #[test]
    fn deduplicates_in_order_of_appearance() {
        assert_eq!(
            parse("@bob @alice @bob <@a@b.io> @a@b.io"),
            vec![user("bob"), user("alice"), email("a@b.io")]
        );
    }

    #[test]
    fn handles_multibyte_text_around_mentions() {
        assert_eq!(parse("🚀 @ünïcode @żółw_ok ✅@alice"), vec![user("alice")]);
    }

    #[test]
    fn mentions_in_code_spans_are_silent() {
        assert_eq!(parse("run `@alice` then @bob"), vec![user("bob")]);
        assert_eq!(parse("``echo @alice` @carol``"), vec![]);
        assert_eq!(parse("`<@a@b.io>` and `@ops@example.org`"), vec![]);
    }

    #[test]
    fn mentions_in_code_blocks_are_silent() {
        assert_eq!(
            parse("see:\n```\n@alice <@a@b.io>\n```\n@bob"),
            vec![user("bob")]
        );
        assert_eq!(parse("~~~sh\nssh @alice\n~~~"), vec![]);
        assert_eq!(
            parse("text\n\n    indented @alice\n\nthen @bob"),
            vec![user("bob")]
        );
        // An unclosed fence runs to the end of the message.
        assert_eq!(parse("```\n@alice"), vec![]);
    }

    #[test]
    fn escaped_at_signs_are_silent() {
        assert_eq!(parse(r"\@alice and @bob"), vec![user("bob")]);
        assert_eq!(parse(r"<\@a@b.io> \@ops@example.org"), vec![]);
        // An escaped backslash leaves the `@` a mention.
        assert_eq!(parse(r"\\@alice"), vec![user("alice")]);
    }

    #[test]
    fn mentions_next_to_code_still_count() {
        assert_eq!(
            parse("`code` @alice **@bob** > @carol\n\n- @dave"),
            vec![user("alice"), user("bob"), user("carol"), user("dave")]
        );
    }

    #[test]
    fn select_dedupes_users_named_twice_and_caps_at_fifty() {
        let mentions: Vec<Mention> = (0..120).map(|i| user(&format!("u{i}"))).collect();
        let picked = select(
            &mentions,
            |m| match m {
                Mention::Username(n) => Some(n.trim_start_matches('u').parse::<u32>().unwrap() / 2),
                Mention::Email(_) => None,
            },
            |id| *id,
        );
        assert_eq!(picked.len(), MAX_NOTIFIED);
        assert_eq!(picked[..3], [0, 1, 2]);
    }

    #[test]
    fn select_skips_unknown_names() {
        let picked = select(
            &[user("ghost"), user("alice")],
            |m| (m == &user("alice")).then_some(7),
            |id| *id,
        );
        assert_eq!(picked, vec![7]);
    }
}

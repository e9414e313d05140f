//! Building message content: people, escaped text, links, and lists bounded to the content
//! limit.
//!
//! Every piece of text from the payload goes through [`text`], [`link`] or [`code`], built on
//! the SDK's [`inert`] helpers, which escape Markdown and make `@` inert, so that a commit
//! message saying `@everyone` or `@alice` mentions nobody. Only [`Context::person`] writes real
//! mentions, for the logins the configuration maps.

use std::fmt::Write as _;

use wasmhook_sdk::limits::MAX_CONTENT_CHARS;
use wasmhook_sdk::{inert, markdown};

use crate::config::Config;
use crate::model::{Repository, User};

/// Room kept for the "... and N more" line at the end of a cut list.
const MORE_RESERVE: usize = 40;
/// Longest title or first line quoted from the payload, in characters.
pub const TITLE_CHARS: usize = 120;
/// Longest body excerpt (comment, description, release notes), in characters.
const EXCERPT_CHARS: usize = 300;
/// Most lines of a body excerpt.
const EXCERPT_LINES: usize = 6;

/// What rendering needs besides the payload: the configuration's mentions.
pub struct Context<'c> {
    config: &'c Config,
}

impl<'c> Context<'c> {
    /// A context for this configuration.
    pub fn new(config: &'c Config) -> Self {
        Self { config }
    }

    /// A GitHub user: their mention when the configuration maps the login, otherwise a link to
    /// their profile (never `@login`, which could mention an unrelated wasmhook user).
    pub fn person(&self, user: &User<'_>) -> String {
        self.login(user.login, &user.html_url)
    }

    /// Like [`Context::person`], from a login and an optional profile URL.
    pub fn login(&self, login: &str, html_url: &str) -> String {
        if login.is_empty() {
            return "someone".to_owned();
        }
        if let Some(mention) = self.config.mention(login) {
            return mention;
        }
        if html_url.is_empty() {
            link(login, &format!("https://github.com/{login}"))
        } else {
            link(login, html_url)
        }
    }

    /// `None` when `branch` passes the configured branch filter, else the skip reason.
    pub fn branch_skip_reason(&self, branch: &str) -> Option<String> {
        self.config.branch_skip_reason(branch)
    }
}

/// Untrusted inline text, escaped and with inert `@`s.
pub fn text(raw: &str) -> String {
    inert::text(raw)
}

/// A link with untrusted text. Never an empty link: without a web URL (old payloads) the
/// label alone, without a label the URL as its own label.
pub fn link(label: &str, url: &str) -> String {
    match (label.trim().is_empty(), is_web_url(url)) {
        (false, true) => inert::link(label, url),
        (true, true) => inert::link(url, url),
        (false, false) => text(label),
        (true, false) => String::new(),
    }
}

/// Whether `url` is an absolute http(s) URL a link may point to.
fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
}

/// Untrusted text in a code span (branch names, tags, SHAs).
pub fn code(raw: &str) -> String {
    inert::code(raw)
}

/// A code span linked to `url`; the code span alone when `url` is not a web URL (a page
/// of a repository whose payload has no web URL) or `raw` is empty.
pub fn code_link(raw: &str, url: &str) -> String {
    if !is_web_url(url) || raw.is_empty() {
        return code(raw);
    }
    // An `@` in the URL is percent-encoded too: a branch name in a URL must not mention anyone.
    format!("[{}]({})", code(raw), inert::url(url))
}

/// `{repository page}{path}`, or nothing when the repository has no web URL.
pub fn repo_page(repository: &Repository<'_>, path: &str) -> String {
    if repository.html_url.is_empty() {
        String::new()
    } else {
        format!("{}{path}", repository.html_url)
    }
}

/// The repository as a link (its name alone without a web URL; "a repository" without a
/// name).
pub fn repo(repository: &Repository<'_>) -> String {
    if repository.full_name.trim().is_empty() {
        return link("a repository", &repository.html_url);
    }
    link(&repository.full_name, &repository.html_url)
}

/// The first line of `raw` (a commit message's title), unescaped.
pub fn first_line(raw: &str) -> &str {
    raw.lines().next().unwrap_or_default().trim_end()
}

/// `raw` trimmed and cut to [`TITLE_CHARS`] characters: for titles, which [`link`] escapes.
pub fn title(raw: &str) -> String {
    markdown::truncate(raw.trim(), TITLE_CHARS).into_owned()
}

/// The first seven characters of a commit SHA.
pub fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// A quoted excerpt of an untrusted body (a comment, a description), or nothing when empty.
/// Starts with a newline.
pub fn excerpt(body: Option<&str>) -> String {
    let body = body.unwrap_or_default().trim();
    if body.is_empty() {
        return String::new();
    }
    let mut cut = markdown::truncate(body, EXCERPT_CHARS).into_owned();
    let lines = cut.lines().count();
    if lines > EXCERPT_LINES {
        let kept: Vec<&str> = cut.lines().take(EXCERPT_LINES).collect();
        cut = format!("{}\n…", kept.join("\n"));
    }
    let mut out = String::with_capacity(cut.len() + 16);
    for line in cut.lines() {
        // A quote keeps the excerpt visibly apart; escaping keeps it from formatting.
        let _ = write!(out, "\n> {}", text(line.trim_end_matches('\r')));
    }
    out
}

/// Appends `items` to `out`, one per line, while they fit in [`MAX_CONTENT_CHARS`] together with
/// `trailer_chars` characters still to come, then "... and N more {noun}".
pub fn push_list<I>(out: &mut String, items: I, noun: &str, trailer_chars: usize)
where
    I: ExactSizeIterator<Item = String>,
{
    let total = items.len();
    let max = MAX_CONTENT_CHARS.saturating_sub(trailer_chars);
    let mut used = out.chars().count();
    for (index, item) in items.enumerate() {
        let len = 1 + item.chars().count();
        let reserve = if index + 1 < total { MORE_RESERVE } else { 0 };
        if used + len + reserve > max {
            let _ = write!(out, "\n... and {} more {noun}", total - index);
            return;
        }
        out.push('\n');
        out.push_str(&item);
        used += len;
    }
}

/// The final content: cut to [`MAX_CONTENT_CHARS`] should anything have escaped the budgets.
pub fn fit(content: String) -> String {
    match markdown::truncate(&content, MAX_CONTENT_CHARS) {
        std::borrow::Cow::Borrowed(_) => content,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

/// "1 commit", "2 commits".
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_stops_within_the_limit() {
        let mut out = String::from("header");
        let items = (0..1000).map(|i| format!("- item {i} {}", "x".repeat(50)));
        push_list(&mut out, items, "items", 10);
        assert!(out.chars().count() <= MAX_CONTENT_CHARS - 10);
        assert!(out.ends_with("more items"), "{out}");
    }

    #[test]
    fn list_keeps_everything_that_fits() {
        let mut out = String::from("h");
        push_list(
            &mut out,
            ["- a".to_owned(), "- b".to_owned()].into_iter(),
            "x",
            0,
        );
        assert_eq!(out, "h\n- a\n- b");
    }

    #[test]
    fn text_is_escaped_and_inert() {
        assert_eq!(text("hi @all *x*"), "hi @\u{2060}all \\*x\\*");
        assert_eq!(
            code_link("v1", "https://x/(a)"),
            "[`v1`](https://x/%28a%29)"
        );
    }

    #[test]
    fn links_are_never_empty() {
        assert_eq!(link("o/r", ""), "o/r");
        assert_eq!(
            link("", "https://x.io/a"),
            "[https://x.io/a](https://x.io/a)"
        );
        assert_eq!(link("", ""), "");
        assert_eq!(link("o/r", "/tree/main"), "o/r");
        assert_eq!(code_link("main", "/tree/main"), "`main`");
        assert_eq!(code_link("", "https://x.io"), "");
    }

    #[test]
    fn excerpt_quotes_and_cuts() {
        assert_eq!(excerpt(None), "");
        assert_eq!(excerpt(Some("a\n\nb")), "\n> a\n> \n> b");
        let long = "line\n".repeat(20);
        assert!(excerpt(Some(&long)).ends_with("\n> …"));
    }
}

//! Payload objects shared by several GitHub events, with only the fields the plugin reads.
//!
//! Fields that GitHub always sends as plain ASCII (logins, URLs, SHAs) borrow as `&str`; free
//! text that may hold JSON escapes is a `Cow`. Missing fields default, so that older payload
//! shapes still render.

use std::borrow::Cow;

use serde::Deserialize;

/// A GitHub account (`sender`, `user`, `assignee`, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct User<'a> {
    /// The login, such as `octocat`.
    pub login: &'a str,
    /// The profile page; empty in some old payloads.
    #[serde(borrow)]
    pub html_url: Cow<'a, str>,
}

/// The repository an event happened in.
///
/// Payloads from before 2014 (GitHub's original service hooks) have no `full_name` and no
/// `html_url`: only `name`, `owner.name` and `url`, which was then the repository's page. Both
/// are filled in from those, so every renderer sees the same shape.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "RepositoryWire<'a>", bound(deserialize = "'de: 'a"))]
pub struct Repository<'a> {
    /// `owner/name` (or just the name when the owner is unknown).
    pub full_name: Cow<'a, str>,
    /// The repository's page; empty when the payload has no web URL.
    pub html_url: Cow<'a, str>,
    /// How many people starred it (`star` and `watch` events).
    pub stargazers_count: Option<u64>,
}

/// A repository as any generation of payload sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RepositoryWire<'a> {
    #[serde(borrow)]
    full_name: Cow<'a, str>,
    #[serde(borrow)]
    html_url: Cow<'a, str>,
    stargazers_count: Option<u64>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(borrow)]
    owner: Owner<'a>,
}

/// A repository owner: `login` today, `name` in old payloads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Owner<'a> {
    #[serde(borrow)]
    login: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

impl<'a> From<RepositoryWire<'a>> for Repository<'a> {
    fn from(wire: RepositoryWire<'a>) -> Self {
        let full_name = if !wire.full_name.is_empty() {
            wire.full_name
        } else {
            let owner = if wire.owner.login.is_empty() {
                wire.owner.name
            } else {
                wire.owner.login
            };
            match (owner.is_empty(), wire.name.is_empty()) {
                (false, false) => Cow::Owned(format!("{owner}/{}", wire.name)),
                (true, false) => wire.name,
                _ => Cow::Owned(web_path(&wire.url).unwrap_or_default()),
            }
        };
        let html_url = if !wire.html_url.is_empty() {
            wire.html_url
        } else {
            web_url(&wire.url).map(Cow::Owned).unwrap_or_default()
        };
        Repository {
            full_name,
            html_url,
            stargazers_count: wire.stargazers_count,
        }
    }
}

/// The web page of a repository `url`: itself when it is a page on a GitHub host (old
/// payloads), the page it names when it is an API URL (`https://api.github.com/repos/o/r`).
fn web_url(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let scheme = &url[..url.len() - rest.len()];
    if let Some(path) = rest.strip_prefix("api.github.com/repos/") {
        return Some(format!("https://github.com/{path}"));
    }
    let (host, path) = rest.split_once('/')?;
    if let Some(path) = path.strip_prefix("api/v3/repos/") {
        // GitHub Enterprise Server's API.
        return Some(format!("{scheme}{host}/{path}"));
    }
    (!host.is_empty() && !path.is_empty()).then(|| url.trim_end_matches('/').to_owned())
}

/// `owner/name` from a repository URL, when the URL has one.
fn web_path(url: &str) -> Option<String> {
    let web = web_url(url)?;
    let path: Vec<&str> = web.splitn(4, '/').nth(3)?.split('/').collect();
    (path.len() >= 2 && !path[0].is_empty() && !path[1].is_empty())
        .then(|| format!("{}/{}", path[0], path[1]))
}

/// An issue or pull request label.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Label<'a> {
    /// The label's name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

/// A team (`requested_team`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Team<'a> {
    /// The team's name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// The team's page.
    #[serde(borrow)]
    pub html_url: Cow<'a, str>,
}

/// The `changes` of an `edited` action: the previous title, when it changed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Changes<'a> {
    /// The previous title.
    #[serde(borrow)]
    pub title: Option<Change<'a>>,
}

/// One changed field of an `edited` action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Change<'a> {
    /// The value before the edit.
    #[serde(borrow)]
    pub from: Cow<'a, str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(json: &str) -> (String, String) {
        let r: Repository<'_> = wasmhook_sdk::json::from_str(json).unwrap();
        (r.full_name.into_owned(), r.html_url.into_owned())
    }

    #[test]
    fn current_payloads_are_read_as_they_are() {
        assert_eq!(
            repo(
                r#"{"full_name":"o/r","html_url":"https://github.com/o/r","url":"https://api.github.com/repos/o/r","name":"r"}"#
            ),
            ("o/r".into(), "https://github.com/o/r".into())
        );
    }

    #[test]
    fn old_payloads_get_their_name_and_page_from_owner_name_and_url() {
        assert_eq!(
            repo(
                r#"{"name":"hook","url":"https://github.com/malditogeek/hook","owner":{"name":"malditogeek","email":"m@x.io"}}"#
            ),
            (
                "malditogeek/hook".into(),
                "https://github.com/malditogeek/hook".into()
            )
        );
        assert_eq!(
            repo(r#"{"name":"r","url":"https://api.github.com/repos/o/r"}"#),
            ("r".into(), "https://github.com/o/r".into())
        );
        assert_eq!(
            repo(r#"{"url":"https://ghe.example.com/api/v3/repos/o/r"}"#),
            ("o/r".into(), "https://ghe.example.com/o/r".into())
        );
        assert_eq!(repo(r#"{"name":"r"}"#), ("r".into(), String::new()));
        assert_eq!(repo(r#"{}"#), (String::new(), String::new()));
    }
}

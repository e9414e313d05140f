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
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Repository<'a> {
    /// `owner/name`.
    #[serde(borrow)]
    pub full_name: Cow<'a, str>,
    /// The repository's page.
    #[serde(borrow)]
    pub html_url: Cow<'a, str>,
    /// How many people starred it (`star` and `watch` events).
    pub stargazers_count: Option<u64>,
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

//! `pull_request` and `pull_request_review`.

use std::borrow::Cow;

use serde::Deserialize;
use wasmhook_sdk::{Result, json};

use crate::markup::{self, Context, code, code_link, link, repo, short_sha};
use crate::model::{Changes, Label, Repository, Team, User};
use crate::{Reply, unsupported_action};

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    pull_request: PullRequest<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
    #[serde(borrow, default)]
    requested_reviewer: Option<User<'a>>,
    #[serde(borrow, default)]
    requested_team: Option<Team<'a>>,
    #[serde(borrow, default)]
    assignee: Option<User<'a>>,
    #[serde(borrow, default)]
    label: Option<Label<'a>>,
    #[serde(borrow, default)]
    changes: Option<Changes<'a>>,
    #[serde(default)]
    before: Option<&'a str>,
    #[serde(default)]
    after: Option<&'a str>,
}

#[derive(Deserialize)]
struct PullRequest<'a> {
    #[serde(default)]
    number: u64,
    #[serde(borrow, default)]
    title: Cow<'a, str>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    user: User<'a>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    merged: Option<bool>,
    #[serde(borrow, default)]
    merged_by: Option<User<'a>>,
    #[serde(borrow, default)]
    head: Branch<'a>,
    #[serde(borrow, default)]
    base: Branch<'a>,
    #[serde(borrow, default)]
    requested_reviewers: Vec<User<'a>>,
    #[serde(borrow, default)]
    assignees: Vec<User<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Branch<'a> {
    #[serde(rename = "ref", borrow)]
    name: Cow<'a, str>,
    sha: &'a str,
}

impl PullRequest<'_> {
    /// `[#12 Title](url)`, linking to `url`.
    fn link_to(&self, url: &str) -> String {
        link(
            &format!("#{} {}", self.number, markup::title(&self.title)),
            url,
        )
    }

    /// "" when `actor` wrote the pull request, else "author's ".
    fn whose(&self, actor: &User<'_>, context: &Context<'_>) -> String {
        if self.user.login.is_empty() || self.user.login.eq_ignore_ascii_case(actor.login) {
            String::new()
        } else {
            format!("{}'s ", context.person(&self.user))
        }
    }
}

/// Renders a `pull_request` event.
pub fn pull_request(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: Event<'_> = json::from_str(payload)?;
    let pr = &event.pull_request;
    let action = event.action.as_ref();
    if let Some(reason) = context.branch_skip_reason(&pr.base.name) {
        return Ok(Reply::Skip(reason));
    }
    let merged = action == "closed" && pr.merged == Some(true);
    let actor = match (&pr.merged_by, merged) {
        (Some(by), true) if !by.login.is_empty() => by,
        _ => &event.sender,
    };
    let who = context.person(actor);
    let whose = pr.whose(actor, context);
    let pr_link = pr.link_to(&pr.html_url);
    let in_repo = format!("in {}", repo(&event.repository));
    let content = match action {
        "opened" => {
            let draft = if pr.draft { "draft " } else { "" };
            let mut out = format!(
                "{who} opened {draft}pull request {pr_link} {in_repo} ({} → {})",
                code(&pr.head.name),
                code(&pr.base.name)
            );
            people_line(&mut out, "Reviewers", &pr.requested_reviewers, context);
            people_line(&mut out, "Assignees", &pr.assignees, context);
            out.push_str(&markup::excerpt(pr.body.as_deref()));
            out
        }
        "closed" if merged => format!(
            "{who} merged {whose}pull request {pr_link} into {} {in_repo}",
            code(&pr.base.name)
        ),
        "closed" => format!("{who} closed {whose}pull request {pr_link} {in_repo} without merging"),
        "reopened" => format!("{who} reopened {whose}pull request {pr_link} {in_repo}"),
        "synchronize" => {
            let head = event.after.unwrap_or(pr.head.sha);
            let changes = match (event.before, event.after) {
                (Some(before), Some(after)) => format!(
                    " ({})",
                    link(
                        "changes",
                        &format!("{}/files/{before}..{after}", pr.html_url)
                    )
                ),
                _ => String::new(),
            };
            format!(
                "{who} pushed to {whose}pull request {pr_link} {in_repo}, head now {}{changes}",
                code_link(short_sha(head), &format!("{}/commits/{head}", pr.html_url))
            )
        }
        "ready_for_review" => {
            format!("{who} marked {whose}pull request {pr_link} {in_repo} as ready for review")
        }
        "converted_to_draft" => {
            format!("{who} converted {whose}pull request {pr_link} {in_repo} to a draft")
        }
        "review_requested" => {
            let reviewer = match (&event.requested_reviewer, &event.requested_team) {
                (Some(user), _) => context.person(user),
                (None, Some(team)) => format!("team {}", link(&team.name, &team.html_url)),
                (None, None) => "someone".to_owned(),
            };
            format!(
                "{who} requested a review from {reviewer} on {whose}pull request {pr_link} {in_repo}"
            )
        }
        "assigned" => {
            let assignee = event
                .assignee
                .as_ref()
                .map_or_else(|| "someone".to_owned(), |user| context.person(user));
            format!("{who} assigned {assignee} to {whose}pull request {pr_link} {in_repo}")
        }
        "labeled" => {
            let label = event.label.as_ref().map_or("", |label| label.name.as_ref());
            format!(
                "{who} added label {} to {whose}pull request {pr_link} {in_repo}",
                code(label)
            )
        }
        "edited" => edited(
            &who,
            &format!("{whose}pull request"),
            &pr_link,
            &in_repo,
            event.changes.as_ref(),
        ),
        other => return Err(unsupported_action("pull_request", other)),
    };
    Ok(Reply::Post(content))
}

/// "{who} edited {what} {link} {in_repo}", with the previous title when it changed.
pub fn edited(
    who: &str,
    what: &str,
    item_link: &str,
    in_repo: &str,
    changes: Option<&Changes<'_>>,
) -> String {
    match changes.and_then(|changes| changes.title.as_ref()) {
        Some(old) => format!(
            "{who} renamed {what} {item_link} {in_repo} (was: {})",
            markup::text(&markup::title(&old.from))
        ),
        None => format!("{who} edited {what} {item_link} {in_repo}"),
    }
}

/// Appends "\n{label}: a, b" when `people` is not empty.
pub fn people_line(out: &mut String, label: &str, people: &[User<'_>], context: &Context<'_>) {
    if people.is_empty() {
        return;
    }
    let names: Vec<String> = people.iter().map(|user| context.person(user)).collect();
    out.push('\n');
    out.push_str(label);
    out.push_str(": ");
    out.push_str(&names.join(", "));
}

#[derive(Deserialize)]
struct ReviewEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    review: Review<'a>,
    #[serde(borrow)]
    pull_request: PullRequest<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

#[derive(Deserialize)]
struct Review<'a> {
    #[serde(borrow, default)]
    state: Cow<'a, str>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    user: User<'a>,
}

/// Renders a `pull_request_review` event.
pub fn review(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: ReviewEvent<'_> = json::from_str(payload)?;
    let action = event.action.as_ref();
    if action != "submitted" && action != "dismissed" {
        return Err(unsupported_action("pull_request_review", action));
    }
    let pr = &event.pull_request;
    if let Some(reason) = context.branch_skip_reason(&pr.base.name) {
        return Ok(Reply::Skip(reason));
    }
    let review = &event.review;
    let url = if review.html_url.is_empty() {
        &pr.html_url
    } else {
        &review.html_url
    };
    let pr_link = pr.link_to(url);
    let in_repo = format!("in {}", repo(&event.repository));
    if action == "dismissed" {
        let who = context.person(&event.sender);
        let reviewer = context.person(&review.user);
        return Ok(Reply::Post(format!(
            "{who} dismissed {reviewer}'s review of {}pull request {pr_link} {in_repo}",
            pr.whose(&event.sender, context)
        )));
    }
    let reviewer = if review.user.login.is_empty() {
        &event.sender
    } else {
        &review.user
    };
    let who = context.person(reviewer);
    let whose = pr.whose(reviewer, context);
    let state = review.state.to_ascii_lowercase();
    let mut content = match state.as_str() {
        "approved" => format!("✅ {who} approved {whose}pull request {pr_link} {in_repo}"),
        "changes_requested" => {
            format!("❗ {who} requested changes on {whose}pull request {pr_link} {in_repo}")
        }
        _ => format!("💬 {who} reviewed {whose}pull request {pr_link} {in_repo}"),
    };
    content.push_str(&markup::excerpt(review.body.as_deref()));
    Ok(Reply::Post(content))
}

//! CI results: `workflow_run`, `workflow_job`, `check_run`, `check_suite` (completed) and
//! `status`. Each message starts with an emoji that tells success from failure at a glance.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;
use wasmhook_sdk::{Result, json};

use crate::markup::{self, Context, code, code_link, link, repo, short_sha, text};
use crate::model::{Repository, User};
use crate::{Reply, unsupported_action};

/// The emoji and the verb phrase of a check conclusion.
fn conclusion(value: Option<&str>) -> (&'static str, &'static str) {
    match value.unwrap_or_default() {
        "success" => ("✅", "succeeded"),
        "failure" => ("❌", "failed"),
        "startup_failure" => ("❌", "failed to start"),
        "timed_out" => ("⏱️", "timed out"),
        "cancelled" => ("⏹️", "was cancelled"),
        "skipped" => ("⏭️", "was skipped"),
        "action_required" => ("⚠️", "needs action"),
        "neutral" => ("⚪", "finished (neutral)"),
        "stale" => ("⚪", "went stale"),
        _ => ("❔", "completed"),
    }
}

/// A linked short SHA: `[`abc1234`](repo/commit/sha)`.
fn commit_link(repository: &Repository<'_>, sha: &str) -> String {
    code_link(
        short_sha(sha),
        &markup::repo_page(repository, &format!("/commit/{sha}")),
    )
}

/// " on `branch`", or nothing without a branch.
fn on_branch(branch: Option<&str>) -> String {
    match branch {
        Some(branch) if !branch.is_empty() => format!(" on {}", code(branch)),
        _ => String::new(),
    }
}

/// A pull request associated with a run or check.
#[derive(Deserialize)]
struct PullRequestRef {
    #[serde(default)]
    number: u64,
}

/// " for [#1](…), [#2](…)" when there are pull requests.
fn for_pull_requests(repository: &Repository<'_>, pull_requests: &[PullRequestRef]) -> String {
    if pull_requests.is_empty() {
        return String::new();
    }
    let links: Vec<String> = pull_requests
        .iter()
        .take(5)
        .map(|pr| {
            link(
                &format!("#{}", pr.number),
                &markup::repo_page(repository, &format!("/pull/{}", pr.number)),
            )
        })
        .collect();
    format!(" for {}", links.join(", "))
}

/// The branch filter's skip reason for a run's head branch, if any.
fn skip_branch(branch: Option<&str>, context: &Context<'_>) -> Option<String> {
    branch
        .filter(|branch| !branch.is_empty())
        .and_then(|branch| context.branch_skip_reason(branch))
}

#[derive(Deserialize)]
struct WorkflowRunEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    workflow_run: WorkflowRun<'a>,
    #[serde(borrow, default)]
    workflow: Option<Workflow<'a>>,
    #[serde(borrow)]
    repository: Repository<'a>,
}

#[derive(Deserialize)]
struct Workflow<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct WorkflowRun<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    display_title: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    conclusion: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    head_branch: Option<Cow<'a, str>>,
    #[serde(default)]
    head_sha: &'a str,
    #[serde(default)]
    run_number: Option<u64>,
    #[serde(borrow, default)]
    event: Cow<'a, str>,
    #[serde(borrow, default)]
    actor: Option<User<'a>>,
    #[serde(default)]
    pull_requests: Vec<PullRequestRef>,
    #[serde(borrow, default)]
    head_commit: Option<HeadCommit<'a>>,
}

#[derive(Deserialize)]
struct HeadCommit<'a> {
    #[serde(borrow, default)]
    message: Cow<'a, str>,
}

/// Renders a completed `workflow_run`.
pub fn workflow_run(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: WorkflowRunEvent<'_> = json::from_str(payload)?;
    if event.action != "completed" {
        return Err(unsupported_action("workflow_run", &event.action));
    }
    let run = &event.workflow_run;
    if let Some(reason) = skip_branch(run.head_branch.as_deref(), context) {
        return Ok(Reply::Skip(reason));
    }
    let name = [
        run.name.as_deref(),
        event.workflow.as_ref().map(|w| w.name.as_ref()),
    ]
    .into_iter()
    .flatten()
    .find(|name| !name.trim().is_empty())
    .unwrap_or("workflow");
    let label = match run.run_number {
        Some(number) => format!("{} #{number}", markup::title(name)),
        None => markup::title(name),
    };
    let (emoji, verb) = conclusion(run.conclusion.as_deref());
    let mut content = format!(
        "{emoji} Workflow {} {verb}{} in {}{}",
        link(&label, &run.html_url),
        on_branch(run.head_branch.as_deref()),
        repo(&event.repository),
        for_pull_requests(&event.repository, &run.pull_requests),
    );
    let title = match (&run.display_title, &run.head_commit) {
        (Some(title), _) if !title.trim().is_empty() => title.as_ref(),
        (_, Some(commit)) => markup::first_line(&commit.message),
        _ => "",
    };
    if !run.head_sha.is_empty() {
        let _ = write!(
            content,
            "\n{} {}",
            commit_link(&event.repository, run.head_sha),
            text(&markup::title(title))
        );
    }
    if let Some(actor) = &run.actor
        && !actor.login.is_empty()
    {
        let trigger = if run.event.is_empty() {
            "triggered".to_owned()
        } else {
            text(&run.event.replace('_', " "))
        };
        let _ = write!(content, " ({trigger} by {})", context.person(actor));
    }
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct WorkflowJobEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    workflow_job: WorkflowJob<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
}

#[derive(Deserialize)]
struct WorkflowJob<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    workflow_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    conclusion: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    head_branch: Option<Cow<'a, str>>,
    #[serde(default)]
    head_sha: &'a str,
    #[serde(borrow, default)]
    steps: Vec<Step<'a>>,
}

#[derive(Deserialize)]
struct Step<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    conclusion: Option<Cow<'a, str>>,
}

/// Renders a completed `workflow_job`, naming its failed steps.
pub fn workflow_job(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: WorkflowJobEvent<'_> = json::from_str(payload)?;
    if event.action != "completed" {
        return Err(unsupported_action("workflow_job", &event.action));
    }
    let job = &event.workflow_job;
    if let Some(reason) = skip_branch(job.head_branch.as_deref(), context) {
        return Ok(Reply::Skip(reason));
    }
    let (emoji, verb) = conclusion(job.conclusion.as_deref());
    let workflow = match job.workflow_name.as_deref() {
        Some(name) if !name.is_empty() => format!(" in workflow {}", text(&markup::title(name))),
        _ => String::new(),
    };
    let mut content = format!(
        "{emoji} Job {} {verb}{workflow}{} in {}",
        link(&markup::title(&job.name), &job.html_url),
        on_branch(job.head_branch.as_deref()),
        repo(&event.repository),
    );
    if !job.head_sha.is_empty() {
        let _ = write!(
            content,
            " ({})",
            commit_link(&event.repository, job.head_sha)
        );
    }
    let failed: Vec<String> = job
        .steps
        .iter()
        .filter(|step| matches!(step.conclusion.as_deref(), Some("failure" | "timed_out")))
        .take(5)
        .map(|step| code(&markup::title(&step.name)))
        .collect();
    if !failed.is_empty() {
        let _ = write!(content, "\nFailed: {}", failed.join(", "));
    }
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct CheckRunEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    check_run: CheckRun<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
}

#[derive(Deserialize)]
struct CheckRun<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    conclusion: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(default)]
    head_sha: &'a str,
    #[serde(borrow, default)]
    check_suite: Option<CheckSuite<'a>>,
    #[serde(borrow, default)]
    app: Option<App<'a>>,
    #[serde(borrow, default)]
    output: Option<Output<'a>>,
    #[serde(default)]
    pull_requests: Vec<PullRequestRef>,
}

#[derive(Deserialize)]
struct App<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Output<'a> {
    #[serde(borrow, default)]
    title: Option<Cow<'a, str>>,
}

/// Renders a completed `check_run`.
pub fn check_run(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: CheckRunEvent<'_> = json::from_str(payload)?;
    if event.action != "completed" {
        return Err(unsupported_action("check_run", &event.action));
    }
    let run = &event.check_run;
    let branch = run
        .check_suite
        .as_ref()
        .and_then(|suite| suite.head_branch.as_deref());
    if let Some(reason) = skip_branch(branch, context) {
        return Ok(Reply::Skip(reason));
    }
    let (emoji, verb) = conclusion(run.conclusion.as_deref());
    let mut content = format!(
        "{emoji} Check {} {verb}{} in {}{}",
        link(&markup::title(&run.name), &run.html_url),
        on_branch(branch),
        repo(&event.repository),
        for_pull_requests(&event.repository, &run.pull_requests),
    );
    let mut details = Vec::new();
    if !run.head_sha.is_empty() {
        details.push(commit_link(&event.repository, run.head_sha));
    }
    if let Some(app) = &run.app
        && !app.name.is_empty()
    {
        details.push(text(&app.name));
    }
    if !details.is_empty() {
        let _ = write!(content, " ({})", details.join(", "));
    }
    if let Some(title) = run.output.as_ref().and_then(|o| o.title.as_deref())
        && !title.trim().is_empty()
    {
        let _ = write!(content, "\n{}", text(&markup::title(title)));
    }
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct CheckSuiteEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    check_suite: CheckSuite<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
}

#[derive(Deserialize)]
struct CheckSuite<'a> {
    #[serde(borrow, default)]
    head_branch: Option<Cow<'a, str>>,
    #[serde(default)]
    head_sha: &'a str,
    #[serde(borrow, default)]
    conclusion: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    app: Option<App<'a>>,
    #[serde(default)]
    pull_requests: Vec<PullRequestRef>,
}

/// Renders a completed `check_suite`.
pub fn check_suite(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: CheckSuiteEvent<'_> = json::from_str(payload)?;
    if event.action != "completed" {
        return Err(unsupported_action("check_suite", &event.action));
    }
    let suite = &event.check_suite;
    if let Some(reason) = skip_branch(suite.head_branch.as_deref(), context) {
        return Ok(Reply::Skip(reason));
    }
    let (emoji, verb) = conclusion(suite.conclusion.as_deref());
    let app = match &suite.app {
        Some(app) if !app.name.is_empty() => format!(" of {}", text(&app.name)),
        _ => String::new(),
    };
    let mut content = format!(
        "{emoji} Check suite{app} {verb}{} in {}{}",
        on_branch(suite.head_branch.as_deref()),
        repo(&event.repository),
        for_pull_requests(&event.repository, &suite.pull_requests),
    );
    if !suite.head_sha.is_empty() {
        let _ = write!(
            content,
            " ({})",
            commit_link(&event.repository, suite.head_sha)
        );
    }
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct StatusEvent<'a> {
    #[serde(default)]
    sha: &'a str,
    #[serde(borrow, default)]
    state: Cow<'a, str>,
    #[serde(borrow, default)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    target_url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    context: Cow<'a, str>,
    #[serde(borrow, default)]
    branches: Vec<NamedBranch<'a>>,
    #[serde(borrow)]
    repository: Repository<'a>,
}

#[derive(Deserialize)]
struct NamedBranch<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
}

/// Renders a commit `status`.
pub fn status(payload: &str, _context: &Context<'_>) -> Result<Reply> {
    let event: StatusEvent<'_> = json::from_str(payload)?;
    let (emoji, verb) = match event.state.as_ref() {
        "success" => ("✅", "succeeded"),
        "failure" => ("❌", "failed"),
        "error" => ("⚠️", "errored"),
        "pending" => ("⏳", "is pending"),
        _ => ("❔", "changed"),
    };
    let name = if event.context.is_empty() {
        "status"
    } else {
        &event.context
    };
    let name = match event.target_url.as_deref() {
        Some(url) if !url.is_empty() => link(&markup::title(name), url),
        _ => text(&markup::title(name)),
    };
    let branch = event.branches.first().map(|b| b.name.as_ref());
    let mut content = format!(
        "{emoji} {name} {verb}{} in {} ({})",
        on_branch(branch),
        repo(&event.repository),
        commit_link(&event.repository, event.sha)
    );
    if let Some(description) = event.description.as_deref()
        && !description.trim().is_empty()
    {
        let _ = write!(content, "\n{}", text(&markup::title(description)));
    }
    Ok(Reply::Post(content))
}

//! The notification payloads: Alertmanager's webhook (version 4), Grafana's
//! Alertmanager-compatible webhook, and Grafana's legacy (before 8) alert webhook.
//!
//! Strings borrow from the body through [`Text`], maps are sorted (so silence filters and
//! label lists come out in a stable order), and every field is optional: older Alertmanager
//! versions send no per-alert `status`, `fingerprint` or `truncatedAlerts`.

use std::borrow::{Borrow, Cow};
use std::collections::BTreeMap;
use std::ops::Deref;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// A string from the payload, borrowed when it has no JSON escapes (also inside maps, where a
/// bare `Cow` would always allocate).
#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Labels or annotations.
pub type Labels<'a> = BTreeMap<Text<'a>, Text<'a>>;

/// One webhook notification.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Notification<'a> {
    /// `firing` or `resolved`.
    #[serde(borrow)]
    pub status: Text<'a>,
    /// The alerts; absent in legacy Grafana payloads.
    #[serde(borrow)]
    pub alerts: Option<Vec<Alert<'a>>>,
    /// The labels the alerts were grouped by.
    #[serde(borrow)]
    pub group_labels: Labels<'a>,
    /// The Alertmanager's (or Grafana's) own URL.
    #[serde(borrow, rename = "externalURL")]
    pub external_url: Text<'a>,
    /// Alerts left out because of the receiver's `max_alerts`.
    pub truncated_alerts: u64,
    /// Grafana: the organisation (only used to recognise Grafana).
    pub org_id: Option<IgnoredAny>,
    /// Grafana: the notification's title.
    #[serde(borrow)]
    pub title: Option<Text<'a>>,
    /// Grafana: `alerting`, `ok`, `no_data`, ...
    #[serde(borrow)]
    pub state: Option<Text<'a>>,
    /// Grafana: the notification's message.
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
    /// Legacy Grafana: the rule's name.
    #[serde(borrow)]
    pub rule_name: Option<Text<'a>>,
    /// Legacy Grafana: the rule's URL.
    #[serde(borrow)]
    pub rule_url: Option<Text<'a>>,
    /// Legacy Grafana: the values that triggered the rule.
    #[serde(borrow)]
    pub eval_matches: Vec<EvalMatch<'a>>,
    /// Legacy Grafana: a rendered image of the panel.
    #[serde(borrow)]
    pub image_url: Option<Text<'a>>,
}

impl Notification<'_> {
    /// Whether Grafana sent it (its payloads add `orgId`, `title` and `state`).
    pub fn is_grafana(&self) -> bool {
        self.org_id.is_some() || self.state.is_some() || self.title.is_some()
    }
}

/// One alert of a notification.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Alert<'a> {
    /// `firing` or `resolved`; absent in old Alertmanager versions.
    #[serde(borrow)]
    pub status: Option<Text<'a>>,
    /// The alert's labels (`alertname`, `severity`, ...).
    #[serde(borrow)]
    pub labels: Labels<'a>,
    /// The alert's annotations (`summary`, `description`, ...).
    #[serde(borrow)]
    pub annotations: Labels<'a>,
    /// When it started firing (RFC 3339).
    #[serde(borrow)]
    pub starts_at: Text<'a>,
    /// When it resolved; the zero time `0001-01-01T00:00:00Z` while firing.
    #[serde(borrow)]
    pub ends_at: Text<'a>,
    /// The rule's page in Prometheus (or Grafana).
    #[serde(borrow, rename = "generatorURL")]
    pub generator_url: Text<'a>,
    /// Grafana: a link to silence this alert.
    #[serde(borrow, rename = "silenceURL")]
    pub silence_url: Text<'a>,
    /// Grafana: the dashboard of the rule.
    #[serde(borrow, rename = "dashboardURL")]
    pub dashboard_url: Text<'a>,
    /// Grafana: the panel of the rule.
    #[serde(borrow, rename = "panelURL")]
    pub panel_url: Text<'a>,
    /// Grafana: the values of the rule's queries.
    #[serde(borrow)]
    pub values: BTreeMap<Text<'a>, Option<f64>>,
}

/// One value of a legacy Grafana alert.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EvalMatch<'a> {
    /// The series' name.
    #[serde(borrow)]
    pub metric: Text<'a>,
    /// Its value.
    pub value: Option<f64>,
}

//! Every plugin the artifacts crate builds is run by a test: `foreach_plugin!` names each one,
//! and [`by_plugin`] must name, under the plugin's name, the test that runs it, or this crate
//! does not compile (wasmtime's `foreach_*!` and `assert_test_exists`).

/// The test that runs each plugin, under the plugin's directory name.
mod by_plugin {
    pub(crate) use crate::builtins::every_fixture_matches_its_golden_file as github;
    pub(crate) use crate::builtins::every_fixture_matches_its_golden_file as jenkins;
    pub(crate) use crate::builtins::every_fixture_matches_its_golden_file as prometheus;
    pub(crate) use crate::contract::a_010_component_and_a_latest_one_run_side_by_side_and_only_the_new_one_checks_its_configuration as legacy;
    pub(crate) use crate::languages::the_gitlab_plugin_in_javascript_matches_every_golden_file_through_the_server as gitlab;
    pub(crate) use crate::languages::the_push_summary_is_the_same_in_rust_python_and_javascript as push_js;
    pub(crate) use crate::languages::the_push_summary_is_the_same_in_rust_python_and_javascript as push_python;
    pub(crate) use crate::languages::the_push_summary_is_the_same_in_rust_python_and_javascript as push_rust;
    pub(crate) use crate::languages::the_sentry_plugin_in_python_matches_every_golden_file_through_the_server as sentry;
    pub(crate) use crate::plugins::example_plugin_end_to_end as echo;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as badoutput;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as bigoutput;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as r#loop;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as manymessages;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as membomb;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as panic;
    pub(crate) use crate::plugins::hostile_plugins_fail_with_their_own_code_and_keep_the_request as stdoutspam;
    pub(crate) use crate::plugins::plugin_outcomes_skip_and_reject_without_storing as noop;
    pub(crate) use crate::plugins::replay_after_replacing_a_broken_plugin as flaky;
    pub(crate) use crate::plugins::upload_validation as extraimport;
    pub(crate) use crate::plugins::upload_validation as wrongworld;
    pub(crate) use crate::sandbox::a_component_importing_outgoing_http_is_refused_in_plain_words as httpimport;
    pub(crate) use crate::sandbox::javascript_fetch_names_the_missing_network_and_errors_carry_file_and_line as sandbox_js;
    pub(crate) use crate::sandbox::python_errors_carry_file_and_line_and_file_and_network_access_are_explained as sandbox_python;
    pub(crate) use crate::sandbox::rust_file_access_is_explained_as_no_filesystem_and_a_panic_log_gives_no_backtrace_advice as sandbox_rust;
}

/// Fails to compile unless [`by_plugin`] names a test for the plugin `$name`.
macro_rules! assert_test_exists {
    ($name:ident, $path:expr) => {
        #[allow(unused_imports, reason = "the import is the check")]
        use by_plugin::$name as _;
    };
}

wasmhook_test_artifacts::foreach_plugin!(assert_test_exists);

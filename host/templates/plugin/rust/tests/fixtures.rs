//! Every case under `tests/fixtures/` (request, headers, configuration) against its reviewed
//! `expected.json`. Add a case by adding a directory; `UPDATE_GOLDEN=1 cargo test` rewrites the
//! expected files (read the diff before committing).

#[test]
fn fixtures_match_their_expected_outcomes() {
    let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    wasmhook_sdk::testing::check_golden::<{{crate}}::{{type}}>(&cases);
}

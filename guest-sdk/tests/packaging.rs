//! The three SDK packages (`wasmhook-sdk` on crates.io, PyPI and npm) carry the version of the
//! WIT contract they implement, so a plugin's dependency names the contract it builds against.

fn manifest(path: &str) -> String {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The version after `package wasmhook:plugin@` in the WIT world.
fn contract_version() -> String {
    let world = manifest("wit/world.wit");
    let line = world
        .lines()
        .find_map(|l| l.trim().strip_prefix("package wasmhook:plugin@"))
        .expect("wit/world.wit declares package wasmhook:plugin@VERSION");
    line.trim_end_matches(';').to_owned()
}

#[test]
fn every_sdk_package_has_the_contract_version() {
    let wit = contract_version();
    assert_eq!(env!("CARGO_PKG_VERSION"), wit, "the Rust crate");

    let pyproject = manifest("python/pyproject.toml");
    let python = pyproject
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .expect("pyproject.toml has a version")
        .trim_matches('"');
    assert_eq!(python, wit, "the Python package");

    let package: serde_json::Value =
        serde_json::from_str(&manifest("js/package.json")).expect("package.json is JSON");
    assert_eq!(package["version"], wit.as_str(), "the npm package");
    assert_eq!(package["name"], "wasmhook-sdk");
}

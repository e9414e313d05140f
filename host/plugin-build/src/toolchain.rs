//! Whether the tools that build Python and JavaScript plugins are installed: probed before a
//! build, so that a machine without them can be told what to install (and the test artifacts
//! crate can emit a placeholder) while a plugin that fails to build with them is an error.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

use crate::Language;

/// The oldest Node.js the JavaScript SDK's build supports (`engines` in its package.json).
pub const MIN_NODE: (u32, u32) = (20, 19);

/// The Python the SDK's build runs (`WASMHOOK_PYTHON`, else `python3`).
pub fn python() -> OsString {
    std::env::var_os("WASMHOOK_PYTHON").unwrap_or_else(|| "python3".into())
}

/// What is missing to build plugins in `language` in the workspace at `root`, as a sentence
/// naming the tool and how to install it; `None` when everything is there.
pub fn missing(root: &Path, language: Language) -> Option<String> {
    match language {
        Language::Python => missing_python(&python()),
        Language::JavaScript => missing_node(OsStr::new("node"), &root.join("guest-sdk/js")),
    }
}

/// What `python` lacks to run componentize-py (Python 3.10+ with `componentize_py`).
pub fn missing_python(python: &OsStr) -> Option<String> {
    let shown = python.to_string_lossy();
    let probe = "import sys\n\
                 if sys.version_info < (3, 10): sys.exit('version ' + sys.version.split()[0])\n\
                 import componentize_py";
    let output = match Command::new(python).arg("-c").arg(probe).output() {
        Ok(output) => output,
        Err(e) => {
            return Some(format!(
                "Python (`{shown}`) is not installed or not on PATH ({e}); install Python 3.10+ \
                 and `pip install componentize-py==0.25.1` (or set WASMHOOK_PYTHON)"
            ));
        }
    };
    if output.status.success() {
        return None;
    }
    Some(python_problem(
        &shown,
        &String::from_utf8_lossy(&output.stderr),
    ))
}

/// The sentence for a Python whose probe failed with `stderr`.
fn python_problem(shown: &str, stderr: &str) -> String {
    if stderr.contains("componentize_py") {
        format!(
            "componentize-py is not installed for `{shown}`; run `pip install componentize-py==0.25.1`"
        )
    } else if let Some(version) = stderr.trim().strip_prefix("version ") {
        format!("`{shown}` is Python {version}; the Python SDK needs 3.10+")
    } else {
        format!("`{shown}` cannot run componentize-py: {}", stderr.trim())
    }
}

/// What `node` and the JavaScript SDK in `sdk_dir` lack to run componentize-js.
pub fn missing_node(node: &OsStr, sdk_dir: &Path) -> Option<String> {
    let shown = node.to_string_lossy();
    let version = match Command::new(node).arg("--version").output() {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        Ok(output) => {
            return Some(format!(
                "`{shown} --version` failed ({}); install Node.js {}.{}+",
                output.status, MIN_NODE.0, MIN_NODE.1
            ));
        }
        Err(e) => {
            return Some(format!(
                "Node.js (`{shown}`) is not installed or not on PATH ({e}); install Node.js {}.{}+",
                MIN_NODE.0, MIN_NODE.1
            ));
        }
    };
    node_problem(&version, sdk_dir)
}

/// What is missing beside a Node.js that answered `version` to `--version`.
fn node_problem(version: &str, sdk_dir: &Path) -> Option<String> {
    match node_version(version) {
        Some(v) if v >= MIN_NODE => {}
        _ => {
            return Some(format!(
                "Node.js {version} is too old; the JavaScript SDK needs {}.{}+",
                MIN_NODE.0, MIN_NODE.1
            ));
        }
    }
    if !sdk_dir
        .join("node_modules/@bytecodealliance/componentize-js")
        .is_dir()
    {
        return Some(format!(
            "componentize-js is not installed; run `npm ci --prefix {}`",
            sdk_dir.display()
        ));
    }
    None
}

/// `(major, minor)` of a `node --version` answer such as `v20.19.0`.
fn node_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_node_versions() {
        assert_eq!(node_version("v20.19.0\n"), Some((20, 19)));
        assert_eq!(node_version("v22.1.3"), Some((22, 1)));
        assert_eq!(node_version("node"), None);
    }

    #[test]
    fn an_absent_python_is_named_with_what_to_install() {
        let problem = missing_python(OsStr::new("/nonexistent/wasmhook-python3")).unwrap();
        assert!(
            problem.contains("/nonexistent/wasmhook-python3"),
            "{problem}"
        );
        assert!(problem.contains("componentize-py==0.25.1"), "{problem}");
    }

    #[test]
    fn an_absent_node_is_named_with_what_to_install() {
        let problem =
            missing_node(OsStr::new("/nonexistent/wasmhook-node"), Path::new(".")).unwrap();
        assert!(problem.contains("Node.js"), "{problem}");
        assert!(problem.contains("/nonexistent/wasmhook-node"), "{problem}");
    }

    #[test]
    fn an_old_node_and_a_missing_componentize_js_are_told_apart() {
        let dir = std::env::temp_dir().join(format!("wasmhook-toolchain-{}", std::process::id()));
        let old = node_problem("v18.20.0", &dir).unwrap();
        assert!(old.contains("v18.20.0 is too old"), "{old}");
        let sdk = node_problem("v20.19.0", &dir).unwrap();
        assert!(sdk.contains("npm ci --prefix"), "{sdk}");
        std::fs::create_dir_all(dir.join("node_modules/@bytecodealliance/componentize-js"))
            .unwrap();
        assert_eq!(node_problem("v20.19.0", &dir), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_python_without_componentize_py_or_too_old_is_told_what_to_do() {
        let missing = python_problem(
            "python3",
            "Traceback ...\nModuleNotFoundError: No module named 'componentize_py'\n",
        );
        assert!(
            missing.starts_with("componentize-py is not installed for `python3`"),
            "{missing}"
        );
        let old = python_problem("python3", "version 3.9.18\n");
        assert_eq!(
            old,
            "`python3` is Python 3.9.18; the Python SDK needs 3.10+"
        );
    }
}

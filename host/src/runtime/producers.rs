//! The language a component was written in, read from the `producers` custom sections that
//! toolchains leave in the component and its core modules (`language`, `processed-by`,
//! `sdk`). The tools that wrap an interpreter win over the interpreter's own language:
//! ComponentizeJS or StarlingMonkey (SpiderMonkey: C++ and Rust) means JavaScript, and
//! componentize-py (CPython in C, a runtime in Rust) means Python. componentize-py names itself
//! in no producers section, so its libraries do: a component that links `libpython*.so` or
//! `libcomponentize_py*.so` (the core module names of its `component-name` section) is Python.

use wasmparser::{ComponentName, KnownCustom, Parser, Payload};

/// What the producers sections of one binary say.
#[derive(Debug, Default)]
struct Producers {
    /// `language` values, in order.
    languages: Vec<String>,
    /// `processed-by` and `sdk` tool names, lower-cased.
    tools: Vec<String>,
    /// Names of the core modules the component links, lower-cased.
    modules: Vec<String>,
}

/// The language of a component (`Rust`, `Python`, `JavaScript`, `Go`, `C`, `C++`, or what
/// its producers section names), or `None` when it names none.
pub fn language(bytes: &[u8]) -> Option<String> {
    let found = producers(bytes);
    let uses = |tool: &str| found.tools.iter().any(|t| t.contains(tool));
    let links = |prefix: &str| found.modules.iter().any(|m| m.starts_with(prefix));
    if uses("componentize-js") || uses("componentizejs") || uses("starlingmonkey") {
        return Some("JavaScript".into());
    }
    if uses("componentize-py") || links("libpython") || links("libcomponentize_py") {
        return Some("Python".into());
    }
    if uses("tinygo") {
        return Some("Go".into());
    }
    let named = |wanted: &str| {
        found
            .languages
            .iter()
            .any(|l| l.eq_ignore_ascii_case(wanted))
    };
    if named("Rust") || uses("rustc") {
        return Some("Rust".into());
    }
    if let Some(first) = found.languages.first() {
        return Some(display_name(first));
    }
    None
}

/// A `language` value as people write it (`C11` is C, `C_plus_plus_14` is C++).
fn display_name(language: &str) -> String {
    let lower = language.to_ascii_lowercase();
    if lower.starts_with("c_plus_plus") || lower.starts_with("c++") {
        "C++".into()
    } else if lower == "c"
        || (lower.starts_with('c') && lower[1..].chars().all(|c| c.is_ascii_digit()))
    {
        "C".into()
    } else {
        language.to_owned()
    }
}

/// Collects every producers section of the binary and its nested modules and components;
/// stops quietly at the first thing it cannot parse (the component was validated before).
fn producers(bytes: &[u8]) -> Producers {
    let mut found = Producers::default();
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        let Payload::CustomSection(section) = payload else {
            continue;
        };
        match section.as_known() {
            KnownCustom::Producers(reader) => {
                for field in reader.into_iter().flatten() {
                    for value in field.values.into_iter().flatten() {
                        match field.name {
                            "language" => found.languages.push(value.name.to_owned()),
                            "processed-by" | "sdk" => {
                                found.tools.push(value.name.to_ascii_lowercase())
                            }
                            _ => {}
                        }
                    }
                }
            }
            KnownCustom::ComponentName(reader) => {
                for names in reader.into_iter().flatten() {
                    if let ComponentName::CoreModules(map) = names {
                        for naming in map.into_iter().flatten() {
                            found.modules.push(naming.name.to_ascii_lowercase());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_values_read_as_people_write_them() {
        assert_eq!(display_name("C11"), "C");
        assert_eq!(display_name("C"), "C");
        assert_eq!(display_name("C_plus_plus_14"), "C++");
        assert_eq!(display_name("Zig"), "Zig");
        assert_eq!(display_name("Cobol"), "Cobol");
    }

    #[test]
    fn a_binary_without_producers_has_no_language() {
        assert_eq!(language(b"\0asm\x0d\0\x01\0"), None);
        assert_eq!(language(b"not wasm"), None);
    }
}

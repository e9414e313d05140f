//! Where the at-rest key comes from: `--secret-key` (or `WASMHOOK_SECRET_KEY`), else a key
//! file, created owner-only with a random key on first start; `--old-secret-keys` (or further
//! lines of the key file) during a rotation.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::keyring::{KEY_LEN, Keyring};

/// The key flags of `wasmhook serve` and `wasmhook migrate`.
#[derive(Clone, clap::Args)]
pub struct SecretKeyOptions {
    /// Key that encrypts secrets at rest (signing secrets, IM credentials, plugin
    /// configurations, the VAPID key): 32 bytes in base64, e.g. from `openssl rand -base64 32`.
    /// Default: the key file.
    #[arg(
        id = "SECRET_KEY",
        long = "secret-key",
        env = "WASMHOOK_SECRET_KEY",
        hide_env_values = true
    )]
    pub key: Option<String>,
    /// Key file: the key on its first line, keys being rotated out on the lines after it.
    /// Created owner-only (0600) with a random key when missing and no `--secret-key` is given
    /// (default: `secret.key` beside a SQLite database, else ./wasmhook-data/secret.key).
    #[arg(
        id = "SECRET_KEY_FILE",
        long = "secret-key-file",
        env = "WASMHOOK_SECRET_KEY_FILE"
    )]
    pub key_file: Option<PathBuf>,
    /// Earlier keys (comma-separated base64) still accepted while rotating: at startup every
    /// secret sealed with one of them is sealed again with the current key.
    #[arg(
        id = "OLD_SECRET_KEYS",
        long = "old-secret-keys",
        env = "WASMHOOK_OLD_SECRET_KEYS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub old_keys: Vec<String>,
}

impl std::fmt::Debug for SecretKeyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeyOptions")
            .field("key", &self.key.as_ref().map(|_| super::REDACTED))
            .field("key_file", &self.key_file)
            .field("old_keys", &self.old_keys.len())
            .finish()
    }
}

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key is not 32 bytes of base64.
    #[error("{origin}: a secret key must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)")]
    Malformed {
        /// Which flag, or which line of which file.
        origin: String,
    },
    /// The key file exists but holds no key.
    #[error("{}: the key file holds no key", path.display())]
    Empty {
        /// The key file.
        path: PathBuf,
    },
    /// The key file could not be read or created.
    #[error("{}: {error}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
}

/// The keyring and a description of where its current key came from, for error messages.
#[derive(Debug)]
pub struct LoadedKeys {
    /// The keys.
    pub keyring: Keyring,
    /// `--secret-key` or the key file's path.
    pub origin: String,
}

impl SecretKeyOptions {
    /// Loads the keys; the key file (`key_file`, else `default_file`) is created with a random
    /// key when no `--secret-key` is given and it does not exist.
    pub fn load(&self, default_file: &Path) -> Result<LoadedKeys, KeyError> {
        let mut old = self
            .old_keys
            .iter()
            .map(|k| decode(k, "--old-secret-keys"))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(key) = &self.key {
            let current = decode(key, "--secret-key")?;
            return Ok(LoadedKeys {
                keyring: Keyring::new(&current, &old),
                origin: "--secret-key".to_owned(),
            });
        }
        let path = self.key_file.as_deref().unwrap_or(default_file);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path)?,
            Err(error) => {
                return Err(KeyError::Io {
                    path: path.to_owned(),
                    error,
                });
            }
        };
        warn_if_shared(path);
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            keys.push(decode(line, &format!("{} line {}", path.display(), n + 1))?);
        }
        let Some((current, file_old)) = keys.split_first() else {
            return Err(KeyError::Empty {
                path: path.to_owned(),
            });
        };
        old.extend_from_slice(file_old);
        Ok(LoadedKeys {
            keyring: Keyring::new(current, &old),
            origin: path.display().to_string(),
        })
    }
}

/// A new random key in base64, as the key file and `--secret-key` hold it.
pub fn generate_key() -> String {
    STANDARD.encode(rand::random::<[u8; KEY_LEN]>())
}

fn decode(text: &str, origin: &str) -> Result<[u8; KEY_LEN], KeyError> {
    STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; KEY_LEN]>::try_from(bytes).ok())
        .ok_or_else(|| KeyError::Malformed {
            origin: origin.to_owned(),
        })
}

/// Creates the key file owner-only with a fresh key (another process may win the race: its
/// file is then read).
fn create_key_file(path: &Path) -> Result<String, KeyError> {
    let io = |error| KeyError::Io {
        path: path.to_owned(),
        error,
    };
    if let Some(parent) = path.parent() {
        create_private_dir(parent).map_err(io)?;
    }
    let text = format!(
        "{}\n# wasmhook's key for secrets at rest. Back it up apart from the database: without it,\n\
         # the secrets in the database cannot be read. Rotation: README, \"Secrets at rest\".\n",
        generate_key()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            tracing::info!(path = %path.display(), "created a new secret key file");
            Ok(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read_to_string(path).map_err(io)
        }
        Err(e) => Err(io(e)),
    }
}

/// Creates `dir` and its missing parents owner-only (0700); existing ones keep their mode.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the secret key file can be read by other users: chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> SecretKeyOptions {
        SecretKeyOptions {
            key: None,
            key_file: None,
            old_keys: Vec::new(),
        }
    }

    /// The keyring of `key` given by flag (no file is read or written).
    fn ring(key: &str) -> Keyring {
        SecretKeyOptions {
            key: Some(key.to_owned()),
            ..options()
        }
        .load(Path::new("/nonexistent/unused"))
        .unwrap()
        .keyring
    }

    #[test]
    fn a_missing_key_file_is_created_owner_only_and_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("data").join("secret.key");
        let first = options().load(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        let again = options().load(&path).unwrap();
        assert_eq!(first.keyring.current_id(), again.keyring.current_id());
        assert_eq!(again.origin, path.display().to_string());
    }

    #[test]
    fn the_flag_wins_and_old_keys_open() {
        let tmp = tempfile::tempdir().unwrap();
        let (new, old) = (generate_key(), generate_key());
        let sealed = ring(&old).seal("t.c:1", b"x");
        let loaded = SecretKeyOptions {
            key: Some(new),
            old_keys: vec![old],
            ..options()
        }
        .load(&tmp.path().join("unused"))
        .unwrap();
        assert_eq!(loaded.origin, "--secret-key");
        assert!(!tmp.path().join("unused").exists());
        assert!(
            loaded
                .keyring
                .open("t.c:1", sealed.as_bytes())
                .unwrap()
                .stale
        );
    }

    #[test]
    fn further_lines_of_the_key_file_are_old_keys() {
        let tmp = tempfile::tempdir().unwrap();
        let (new, old) = (generate_key(), generate_key());
        let sealed = ring(&old).seal("t.c:1", b"x");
        let path = tmp.path().join("k");
        std::fs::write(&path, format!("{new}\n# retired\n{old}\n")).unwrap();
        let loaded = options().load(&path).unwrap();
        assert!(
            loaded
                .keyring
                .open("t.c:1", sealed.as_bytes())
                .unwrap()
                .stale
        );
    }

    #[test]
    fn malformed_keys_name_their_origin() {
        let tmp = tempfile::tempdir().unwrap();
        let err = SecretKeyOptions {
            key: Some("c2hvcnQ=".into()),
            ..options()
        }
        .load(tmp.path())
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--secret-key: a secret key must be 32 bytes")
        );
        let path = tmp.path().join("k");
        std::fs::write(&path, format!("{}\nnot base64\n", generate_key())).unwrap();
        let err = options().load(&path).unwrap_err();
        assert!(
            err.to_string()
                .contains("k line 2: a secret key must be 32 bytes"),
            "{err}"
        );
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(matches!(options().load(&path), Err(KeyError::Empty { .. })));
    }
}

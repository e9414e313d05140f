//! The compiled-plugin cache files: `NAME.cwasm` holds exactly what `Component::serialize`
//! wrote (so wasmtime can map it), `NAME.cwasm.tag` the HMAC of those bytes under this host's
//! key. Only a file whose tag verifies is ever deserialized.
//!
//! The check and the mapping read the same file: [`load`] opens the `.cwasm` once, computes
//! the HMAC through that descriptor, and has wasmtime map `/proc/self/fd/N`, the very inode it
//! checked, so renaming another file into place between the check and the mapping changes
//! nothing. Changing the checked inode in place needs write access to it: files are written
//! read-only (0400) by the server's user in its own cache directory, and whoever can rewrite
//! them runs as that user and could change the server binary too.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The file next to a compiled component that carries its tag.
pub fn tag_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tag");
    PathBuf::from(name)
}

fn mac(key: &[u8; 32]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key size")
}

/// Writes `serialized` and its tag atomically (each to a temporary name, then renamed; the tag
/// first, so a `.cwasm` never appears without one).
pub fn write(path: &Path, key: &[u8; 32], serialized: &[u8]) -> std::io::Result<()> {
    let mut mac = mac(key);
    mac.update(serialized);
    let tag: [u8; 32] = mac.finalize().into_bytes().into();
    write_atomically(&tag_path(path), &tag)?;
    write_atomically(path, serialized)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o400);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Whether `file`'s contents carry `tag` under `key`, read in chunks (no copy of the file).
fn verifies(mut file: &File, key: &[u8; 32], tag: &[u8]) -> std::io::Result<bool> {
    let mut mac = mac(key);
    let mut chunk = vec![0; 256 << 10];
    loop {
        match file.read(&mut chunk)? {
            0 => break,
            n => mac.update(&chunk[..n]),
        }
    }
    Ok(mac.verify_slice(tag).is_ok())
}

/// Loads the compiled component at `path`, mapped from the file, if its tag verifies; `None`
/// if there is no such file or it is not this host's (logged).
pub fn load(engine: &Engine, path: &Path, key: &[u8; 32]) -> Option<Component> {
    let file = File::open(path).ok()?;
    let tag = std::fs::read(tag_path(path)).ok()?;
    if !verifies(&file, key, &tag).unwrap_or(false) {
        tracing::warn!(path = %path.display(), "ignoring a compiled-plugin file this host did not write");
        return None;
    }
    match map(engine, &file, path) {
        Ok(component) => Some(component),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not load a compiled plugin");
            None
        }
    }
}

#[expect(
    unsafe_code,
    reason = "deserializing compiled code: only a file authenticated as this host's own"
)]
fn map(engine: &Engine, file: &File, path: &Path) -> wasmtime::Result<Component> {
    // The descriptor just checked, reopened through procfs: the same inode, whatever the
    // directory entry now points to.
    #[cfg(target_os = "linux")]
    let path = {
        use std::os::fd::AsRawFd;
        let _ = path;
        PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
    };
    #[cfg(not(target_os = "linux"))]
    let _ = file;
    // SAFETY: the bytes were produced by `Component::serialize` of an engine with the same
    // compatibility hash (it is in the file name) and carry this host's HMAC tag, so they are
    // exactly what this host wrote (see the module documentation for the mapping); wasmtime
    // also re-checks the engine configuration.
    unsafe { Component::deserialize_file(engine, path) }
}

//! The lock file: an exclusive `flock` for `generate`, a shared one for `check`.
//!
//! The lock file must be a regular file. It is opened without following a symlink and without
//! blocking (a FIFO planted there would otherwise block the open forever), and its type is
//! checked on the opened handle, so nothing can be swapped in between the check and the use.
//! A lock file deleted (or replaced) while a run holds it does not wedge the repository: the
//! next run creates a new one; a run that finds, once it holds the lock, that the path no
//! longer names the file it locked starts over on the new file.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, ErrorKind};
use std::path::Path;

use anyhow::{Context as _, bail};

/// How many times a run retries when the lock file is replaced under it.
const ATTEMPTS: usize = 3;

/// A held lock; released when dropped.
#[derive(Debug)]
pub(super) struct Lock {
    file: File,
}

impl Drop for Lock {
    /// Unlocks explicitly: closing the file releases the `flock` only once the last reference
    /// to the open file is gone, which can be later than this close (a process reading
    /// `/proc/PID/fd` holds one for a moment), and the next run would then find it locked.
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive lock of `generate`, creating the lock file when needed. Fails fast when
/// another run holds it.
pub(super) fn exclusive(path: &Path, name: &str) -> anyhow::Result<Lock> {
    for _ in 0..ATTEMPTS {
        refuse_special(path, name)?;
        let file = open(path, true)
            .with_context(|| format!("cannot create the lock file {}", path.display()))?;
        ensure_regular(&file, name)?;
        file.try_lock().map_err(|e| lock_error(path, e))?;
        let lock = Lock { file };
        if still_named(path, &lock.file)? {
            return Ok(lock);
        }
    }
    bail!(
        "the lock file {} keeps being replaced while tofugen takes it; stop whatever removes it \
         and retry",
        path.display()
    )
}

/// Takes the shared lock of `check` when the lock file exists (`None` when it does not: `check`
/// writes nothing, not even the lock file). Fails fast when a `generate` holds it.
pub(super) fn shared(path: &Path, name: &str) -> anyhow::Result<Option<Lock>> {
    refuse_special(path, name)?;
    let file = match open(path, false) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
    };
    ensure_regular(&file, name)?;
    file.try_lock_shared().map_err(|e| lock_error(path, e))?;
    Ok(Some(Lock { file }))
}

/// Opens `path` without following a final symlink and without blocking on a FIFO.
fn open(path: &Path, create: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    if create {
        options.write(true).create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Refuses a lock path that is a symlink, directory or special file, with a clear error.
fn refuse_special(path: &Path, name: &str) -> anyhow::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => bail!(
            "the lock file {name} is a {}, not a regular file; tofugen refuses to use it: remove \
             it and retry",
            super::kind_of(&m.file_type())
        ),
        _ => Ok(()),
    }
}

/// Checks the opened handle: the file may have been swapped since [`refuse_special`].
fn ensure_regular(file: &File, name: &str) -> anyhow::Result<()> {
    let meta = file
        .metadata()
        .with_context(|| format!("cannot inspect the lock file {name}"))?;
    if !meta.is_file() {
        bail!(
            "the lock file {name} is a {}, not a regular file; tofugen refuses to use it: remove \
             it and retry",
            super::kind_of(&meta.file_type())
        );
    }
    Ok(())
}

/// Whether `path` still names the file `file` was opened from (it may have been deleted or
/// replaced between the open and the lock).
fn still_named(path: &Path, file: &File) -> anyhow::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let held = file.metadata().context("cannot inspect the lock file")?;
        Ok(fs::symlink_metadata(path)
            .is_ok_and(|now| now.dev() == held.dev() && now.ino() == held.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        Ok(true)
    }
}

fn lock_error(path: &Path, e: TryLockError) -> anyhow::Error {
    match e {
        TryLockError::WouldBlock => anyhow::anyhow!(
            "another `tofugen generate` is running in this repository (it holds the lock {}); \
             retry when it has finished",
            path.display()
        ),
        TryLockError::Error(e) => {
            anyhow::Error::new(e).context(format!("cannot lock {}", path.display()))
        }
    }
}

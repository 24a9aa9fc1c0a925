//! The backup job script (`modules/backups/backup.sh`) run for real, by `sh` (and by busybox's
//! `sh`, the shell of the `scaleway/cli` image, when it is installed), against a fake `scw`
//! that keeps backups in a directory. Each scenario is a state of the day's backups; the job
//! must exit 0 only when the day's backup is `ready`, and never make two backups of a day.

use std::path::{Path, PathBuf};
use std::process::Command;

const TODAY: &str = "2026-12-06";

/// A fake `scw` with just the `rdb backup` commands the script uses. Backups are files
/// `b-<id>` holding `<id> <status> <name>`; every call is appended to `calls`.
/// FAKE_FINAL (status a `creating` backup reaches when waited for; default `ready`),
/// FAKE_WAIT_TIMEOUT=1 (the wait times out, the backup stays `creating`), FAKE_LIST_FAILS=1.
const FAKE_SCW: &str = r#"#!/bin/sh
state=$FAKE_STATE
echo "$*" >> "$state/calls"
verb="$1 $2 $3"
shift 3
case "$verb" in
  "rdb backup list")
    [ -z "${FAKE_LIST_FAILS:-}" ] || { echo "API error" >&2; exit 1; }
    for f in "$state"/b-*; do
      [ -e "$f" ] || continue
      cat "$f"
    done
    ;;
  "rdb backup create")
    for a in "$@"; do case $a in name=*) name=${a#name=} ;; esac; done
    id="id$(ls "$state" | grep -c '^b-')"
    echo "$id creating $name" > "$state/b-$id"
    printf '%s' "$id"
    ;;
  "rdb backup wait")
    read -r id status name < "$state/b-$1"
    if [ "$status" = creating ]; then
      [ -z "${FAKE_WAIT_TIMEOUT:-}" ] || exit 1
      echo "$id ${FAKE_FINAL:-ready} $name" > "$state/b-$id"
    fi
    ;;
  "rdb backup get")
    read -r id status name < "$state/b-$1"
    printf '%s' "$status"
    ;;
  "rdb backup delete")
    rm "$state/b-$1"
    ;;
  *)
    echo "fake scw: unexpected $verb" >&2
    exit 2
    ;;
esac
"#;

struct Scenario {
    dir: tempfile::TempDir,
}

impl Scenario {
    /// A state holding `backups`, each `(id, status, name)`.
    fn new(backups: &[(&str, &str, &str)]) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let scw = dir.path().join("scw");
        std::fs::write(&scw, FAKE_SCW).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&scw, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::write(state.join("calls"), "").unwrap();
        for (id, status, name) in backups {
            std::fs::write(
                state.join(format!("b-{id}")),
                format!("{id} {status} {name}\n"),
            )
            .unwrap();
        }
        Scenario { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Runs the script with `shell` (e.g. `["sh"]`, `["busybox", "sh"]`) and `env`; returns
    /// the exit code and the output.
    fn run(&self, shell: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/backups/backup.sh");
        let mut cmd = Command::new(shell[0]);
        cmd.args(&shell[1..])
            .arg(&script)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SCW", self.dir.path().join("scw"))
            .env("FAKE_STATE", self.state())
            .env("TODAY", TODAY)
            .env("TIER", "weekly")
            .env("INSTANCE_ID", "99999999-8888-7777-6666-555555555555")
            .env("DATABASE_NAME", "evalap")
            .env("RETENTION_DAYS", "90")
            .env("WAIT_TIMEOUT", "350m");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the backup script");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.state().join("calls"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn creates(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.starts_with("rdb backup create"))
            .count()
    }

    fn backups(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.state())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("b-"))
            .map(|n| std::fs::read_to_string(self.state().join(n)).unwrap())
            .map(|s| s.trim().to_string())
            .collect();
        out.sort();
        out
    }
}

/// The shells to run the script with: `sh`, plus busybox's when installed.
fn shells() -> Vec<Vec<&'static str>> {
    let mut shells = vec![vec!["sh"]];
    if Command::new("busybox")
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        shells.push(vec!["busybox", "sh"]);
    } else {
        eprintln!("note: busybox is not installed; the script runs under sh only");
    }
    shells
}

const NAME: &str = "weekly-2026-12-06";

#[test]
fn a_new_backup_that_becomes_ready_succeeds() {
    for shell in shells() {
        let s = Scenario::new(&[]);
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 1, "{shell:?}: {:?}", s.calls());
        assert_eq!(s.backups(), vec![format!("id0 ready {NAME}")]);
        let create = s
            .calls()
            .into_iter()
            .find(|c| c.starts_with("rdb backup create"))
            .unwrap();
        assert_eq!(
            create,
            format!(
                "rdb backup create instance-id=99999999-8888-7777-6666-555555555555 \
                 database-name=evalap name={NAME} expires-at=+90d -o template={{{{ .ID }}}}"
            )
        );
    }
}

#[test]
fn a_backup_that_ends_in_error_fails_the_run() {
    for shell in shells() {
        let s = Scenario::new(&[]);
        let (code, out) = s.run(&shell, &[("FAKE_FINAL", "error")]);
        assert_eq!(code, 1, "{shell:?}: {out}");
        assert!(out.contains("is error, not ready"), "{out}");
    }
}

#[test]
fn a_ready_backup_of_the_day_is_reused() {
    for shell in shells() {
        let s = Scenario::new(&[("old", "ready", NAME)]);
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 0, "{:?}", s.calls());
    }
}

#[test]
fn a_failed_backup_of_the_day_is_replaced_not_kept_beside_a_new_one() {
    for shell in shells() {
        let s = Scenario::new(&[("bad", "error", NAME)]);
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 1);
        assert!(s.calls().contains(&"rdb backup delete bad".to_string()));
        assert_eq!(s.backups().len(), 1, "{:?}", s.backups());
    }
}

#[test]
fn a_backup_still_being_made_is_waited_for_not_duplicated() {
    for shell in shells() {
        let s = Scenario::new(&[("running", "creating", NAME)]);
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 0, "{:?}", s.calls());
        assert_eq!(s.backups(), vec![format!("running ready {NAME}")]);
    }
}

#[test]
fn a_timed_out_wait_fails_and_the_retry_resumes_it() {
    for shell in shells() {
        let s = Scenario::new(&[]);
        let (code, out) = s.run(&shell, &[("FAKE_WAIT_TIMEOUT", "1")]);
        assert_eq!(code, 1, "{shell:?}: {out}");
        assert!(out.contains("is creating, not ready"), "{out}");
        // The job's retry: same day, the backup is still there.
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 1, "one backup for the day: {:?}", s.calls());
        assert_eq!(s.backups(), vec![format!("id0 ready {NAME}")]);
    }
}

#[test]
fn other_days_and_tiers_are_not_mistaken_for_the_day() {
    for shell in shells() {
        let s = Scenario::new(&[
            ("a", "ready", "weekly-2026-11-29"),
            ("b", "ready", "monthly-2026-12-06"),
            ("c", "ready", "weekly-2026-12-06-manual"),
        ]);
        let (code, out) = s.run(&shell, &[]);
        assert_eq!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 1, "{:?}", s.calls());
        assert_eq!(s.backups().len(), 4);
    }
}

#[test]
fn a_failed_listing_stops_before_creating_anything() {
    for shell in shells() {
        let s = Scenario::new(&[]);
        let (code, out) = s.run(&shell, &[("FAKE_LIST_FAILS", "1")]);
        assert_ne!(code, 0, "{shell:?}: {out}");
        assert_eq!(s.creates(), 0, "{:?}", s.calls());
    }
}

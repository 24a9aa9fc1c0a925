//! Helpers shared by the integration tests. Each test crate uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Copies `src` to `dst` recursively (regular files and directories only), leaving out
/// OpenTofu's working files (`.terraform/`, lock files) that a developer's local `tofu test`
/// leaves in `modules/`.
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name == ".terraform.lock.hcl" {
            continue;
        }
        let ty = entry.file_type().unwrap();
        let to = dst.join(&name);
        if ty.is_dir() {
            copy_tree(&entry.path(), &to);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Skips what needs `what` (saying so on stderr), unless `TOFUGEN_REQUIRE_TOOLS=1` (CI), where
/// a missing tool fails the test instead.
pub fn skip_unless_required(what: &str) {
    assert!(
        std::env::var("TOFUGEN_REQUIRE_TOOLS").as_deref() != Ok("1"),
        "{what} is required (TOFUGEN_REQUIRE_TOOLS=1)"
    );
    eprintln!("SKIPPED: {what} not found");
}

/// Whether every one of `commands` runs (`<command> --version`); when one does not, see
/// [`skip_unless_required`].
pub fn commands_available(commands: &[&str]) -> bool {
    let found = commands.iter().all(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        skip_unless_required(&commands.join(" and "));
    }
    found
}

/// The jq the generated workflows' scripts meet on GitHub's `ubuntu-24.04` runners.
pub const RUNNER_JQ: &str = "jq-1.7.1";

/// The `PATH` for a test that runs the generated workflows' scripts with bash and jq: `first`,
/// then the directory of the runners' jq ([`RUNNER_JQ`], built on first use by `.ci/toolchain
/// --jq` into its cache outside the repository, about 30 s cold), then `rest`. `None` (the test
/// skips, saying so) when bash is missing, or when that jq cannot be built here and the `PATH`
/// has no jq either; another jq on the `PATH` (Debian 12's 1.6, 8 times slower to start) is used
/// then, saying so. With `TOFUGEN_REQUIRE_TOOLS=1` (CI) only the runners' jq will do.
pub fn path_with_runner_jq(first: &Path, rest: &str) -> Option<String> {
    let jq_dir = runner_jq_dir();
    if !commands_available(&["bash"]) {
        return None;
    }
    match jq_dir {
        Some(dir) => Some(format!("{}:{dir}:{rest}", first.display())),
        None => {
            assert!(
                std::env::var("TOFUGEN_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "the runners' {RUNNER_JQ} is required (TOFUGEN_REQUIRE_TOOLS=1): .ci/toolchain --jq failed"
            );
            if !commands_available(&["jq"]) {
                return None;
            }
            eprintln!("NOTE: the runners' {RUNNER_JQ} could not be built: using the PATH's jq");
            Some(format!("{}:{rest}", first.display()))
        }
    }
}

/// The directory of the runners' jq ([`RUNNER_JQ`]), built on first use by `.ci/toolchain
/// --jq`; `None` when it cannot be built here.
pub fn runner_jq_dir() -> Option<&'static str> {
    static JQ_DIR: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    JQ_DIR
        .get_or_init(|| {
            let out = std::process::Command::new("bash")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/toolchain"))
                .arg("--jq")
                .stderr(std::process::Stdio::inherit())
                .output()
                .ok()
                .filter(|o| o.status.success())?;
            let dir = String::from_utf8(out.stdout).ok()?.trim_end().to_string();
            let version = std::process::Command::new(Path::new(&dir).join("jq"))
                .arg("--version")
                .output()
                .ok()?;
            (String::from_utf8_lossy(&version.stdout).trim() == RUNNER_JQ).then_some(dir)
        })
        .as_deref()
}

/// Whether remembered results are off: `TOFUGEN_TEST_CACHE=off` runs every scenario and proof
/// ([`Remembered`]); `.ci/run` sets it, so CI always executes them all. `TOFUGEN_TOFU_CACHE=off`,
/// its name before it covered more than the real-OpenTofu proofs, still works.
pub fn remembering_off() -> bool {
    ["TOFUGEN_TEST_CACHE", "TOFUGEN_TOFU_CACHE"]
        .iter()
        .any(|v| std::env::var(v).as_deref() == Ok("off"))
}

/// Passes of deterministic scenarios, remembered the way Bazel remembers test results: one
/// small file per pass (naming the test) in a directory outside the repository, named by the
/// SHA-256 of
/// everything the scenario's outcome depends on ([`Remembered::key`]: its name, the test's
/// source, the bytes it takes from the repository or from tofugen, and the tools it runs). The
/// same bytes run by the same tools give the same result, so a warm `cargo test` runs only the
/// scenarios whose inputs changed; failures are never recorded.
pub struct Remembered {
    dir: Option<PathBuf>,
}

impl Remembered {
    /// The passes recorded under `dir` (created on first use); none when
    /// [`remembering_off`].
    pub fn under(dir: PathBuf) -> Remembered {
        if remembering_off() {
            return Remembered { dir: None };
        }
        let _ = std::fs::create_dir_all(&dir);
        Remembered { dir: Some(dir) }
    }

    /// A store that remembers nothing (no place to keep passes).
    pub fn nowhere() -> Remembered {
        Remembered { dir: None }
    }

    /// The key of `parts` (each length-prefixed, so that no two lists collide).
    pub fn key(parts: &[&[u8]]) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        for part in parts {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether a pass with this key was recorded.
    pub fn contains(&self, key: &str) -> bool {
        self.dir.as_ref().is_some_and(|d| d.join(key).is_file())
    }

    /// Records a pass (the file holds `label`, for people).
    pub fn record(&self, key: &str, label: &str) {
        if let Some(d) = &self.dir {
            let _ = std::fs::write(d.join(key), label);
        }
    }
}

/// The offline validators' directory (`TOFUGEN_VALIDATORS`, as `.ci/run` installs them, else
/// `~/.cache/tofugen-ci/validators`), with actionlint and zizmor in `venv/bin/`; `None`
/// (printed) when absent and not required ([`skip_unless_required`]).
pub fn validators() -> Option<PathBuf> {
    let dir = std::env::var_os("TOFUGEN_VALIDATORS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tofugen-ci/validators"))
        })
        .filter(|d| d.join("venv/bin/actionlint").is_file());
    if dir.is_none() {
        skip_unless_required("actionlint and zizmor (set TOFUGEN_VALIDATORS)");
    }
    dir
}

/// The identity of a tool in the key of a remembered verdict: its path, size and modification
/// time, and what it prints for `version_flag` (asked once per test process: a wrapper script,
/// as pip installs, keeps its size when the tool behind it changes). A reinstalled or upgraded
/// tool has another identity.
pub fn tool_identity(path: &Path, version_flag: &str) -> String {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static VERSIONS: OnceLock<Mutex<HashMap<(PathBuf, String), String>>> = OnceLock::new();
    let versions = VERSIONS.get_or_init(|| Mutex::new(HashMap::new()));
    let id = (path.to_path_buf(), version_flag.to_string());
    // Not run under the lock: a slow tool would hold every other thread.
    let known = versions.lock().unwrap().get(&id).cloned();
    let version = known.unwrap_or_else(|| {
        let v = std::process::Command::new(path)
            .arg(version_flag)
            .stdin(std::process::Stdio::null())
            .output()
            .map(|o| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
            .unwrap_or_default();
        versions.lock().unwrap().insert(id, v.clone());
        v
    });
    // A bare name (`PROMTOOL=promtool`) is the file the `PATH` finds.
    let file = if path.components().count() == 1 {
        on_path(&path.to_string_lossy()).unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    match std::fs::metadata(&file) {
        Ok(m) => format!(
            "{} {} {:?} {version}",
            file.display(),
            m.len(),
            m.modified().ok()
        ),
        Err(_) => format!("{} {version}", path.display()),
    }
}

/// The first `name` on the `PATH`, for [`tool_identity`] (a tool another tool runs, as
/// actionlint runs shellcheck).
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The passes of the offline validators (actionlint, zizmor, promtool) on given bytes,
/// remembered outside the repository (`~/.cache/tofugen-ci/passed-tools`): the same tool run
/// with the same arguments on the same bytes gives the same verdict. `None` when `what` passed
/// before on them (said on stderr): the key holds `caller` (the calling test file's source, its
/// assertions included), [`tool_identity`] of every tool that runs (path and version flag),
/// every argument, and every input file's name and bytes ([`Remembered::key`]). Otherwise the
/// store and the key to [`Remembered::record`] once every tool passed. `TOFUGEN_TEST_CACHE=off`
/// (CI) runs them all.
pub fn tool_verdict(
    what: &str,
    caller: &[u8],
    tools: &[(&Path, &str)],
    args: &[&str],
    files: &[(&[u8], &[u8])],
) -> Option<(Remembered, String)> {
    let store = match std::env::var_os("HOME") {
        Some(home) => Remembered::under(PathBuf::from(home).join(".cache/tofugen-ci/passed-tools")),
        None => Remembered::nowhere(),
    };
    let mut parts: Vec<Vec<u8>> = vec![caller.to_vec(), include_bytes!("mod.rs").to_vec()];
    for (tool, flag) in tools {
        parts.push(tool_identity(tool, flag).into_bytes());
    }
    parts.extend(args.iter().map(|a| a.as_bytes().to_vec()));
    for (name, bytes) in files {
        parts.push(name.to_vec());
        parts.push(bytes.to_vec());
    }
    let key = Remembered::key(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    if store.contains(&key) {
        say_reused(what);
        return None;
    }
    Some((store, key))
}

/// Says on stderr that `what` passed before on the same bytes and is not run again: straight
/// to stderr, since the harness hides a passing test's `eprintln!`.
pub fn say_reused(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "{what}: passed before on the same bytes with the same tools, not run again \
         (TOFUGEN_TEST_CACHE=off runs it)"
    );
}

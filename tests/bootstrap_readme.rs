//! The shell commands `generated/bootstrap/README.md` tells a human to run, executed: each
//! `scw secret version create` line of section 3 runs in bash with the real `jq`, a stand-in
//! `tofu` printing the bootstrap's `<env>_operator_secret_ids` output as OpenTofu does (name ->
//! regional ID `<region>/<uuid>`, modules/secrets), and a stand-in `scw` recording its
//! arguments. scw CLI v2.61.0 puts a positional secret ID into the request path unchanged
//! (`/secrets/{secret_id}/versions`), so it must receive the bare UUID.
//!
//! Needs bash; jq is Ubuntu 24.04's 1.7.1, built on first use by `.ci/toolchain --jq` (see
//! `common::path_with_runner_jq`).

mod common;

use std::path::Path;
use std::process::Command;

/// The bootstrap README compiled from `config` (relative to the repository).
fn bootstrap_readme(config: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(config);
    let yaml = std::fs::read(&path).unwrap();
    let c = tofugen::pipeline::compile(config, &yaml, true);
    assert!(!c.has_errors(), "{config}: {:#?}", c.diagnostics);
    c.files["generated/bootstrap/README.md"].clone()
}

/// Every operator-secret row of section 3: (secret name, the command as a shell line). The
/// command is the row's last cell, a code span whose `|` are escaped for the table.
fn store_commands(readme: &str) -> Vec<(String, String)> {
    let section = readme
        .split("## 3. Store the operator secrets")
        .nth(1)
        .expect("section 3");
    section
        .lines()
        .filter(|l| l.contains("`scw secret version create "))
        .map(|line| {
            let name = line
                .strip_prefix("| `")
                .and_then(|l| l.split_once('`'))
                .map(|(n, _)| n.to_string())
                .expect("the secret's name in the first cell");
            let start = line.find("`scw secret").unwrap() + 1;
            let end = line.rfind("` |").expect("the code span closes the row");
            (name, line[start..end].replace("\\|", "|"))
        })
        .collect()
}

const UUID: &str = "3f2a9c1e-0b7d-4e5f-8a6b-9c0d1e2f3a4b";

#[test]
fn the_operator_secret_commands_give_scw_the_bare_uuid() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // `tofu output -json <env>_operator_secret_ids`: every secret of $SECRET_NAME at its
    // regional ID (only the name the command asks for matters).
    let tofu = bin.join("tofu");
    std::fs::write(
        &tofu,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"output -json\" ] || exit 64\n\
             case \"$3\" in *_operator_secret_ids) ;; *) exit 65 ;; esac\n\
             printf '{{\"%s\":\"%s/{UUID}\",\"OTHER\":\"%s/00000000-0000-4000-8000-000000000000\"}}\\n' \
             \"$SECRET_NAME\" \"$SECRET_REGION\" \"$SECRET_REGION\"\n"
        ),
    )
    .unwrap();
    let scw = bin.join("scw");
    std::fs::write(
        &scw,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
    )
    .unwrap();
    for f in [&tofu, &scw] {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // jq 1.7.1, Ubuntu 24.04's (an operator's machine may have another).
    let Some(path) = common::path_with_runner_jq(&bin, &std::env::var("PATH").unwrap_or_default())
    else {
        return;
    };

    let mut ran = 0;
    for config in [
        "environments.yaml",
        "tests/fixtures/valid/three-envs.yaml",
        "tests/fixtures/valid/every-field.yaml",
    ] {
        let commands = store_commands(&bootstrap_readme(config));
        assert!(!commands.is_empty(), "{config}: no operator secret command");
        for (name, command) in commands {
            let region = command
                .split_whitespace()
                .find_map(|w| w.strip_prefix("region="))
                .expect("region=")
                .to_string();
            let out = Command::new("bash")
                .args(["-euo", "pipefail", "-c", &command])
                .env("PATH", &path)
                .env("SECRET_NAME", &name)
                .env("SECRET_REGION", &region)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{config}: `{command}` failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let args: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            assert_eq!(
                args,
                [
                    "secret",
                    "version",
                    "create",
                    UUID,
                    &format!("region={region}"),
                    "data=@FILE"
                ],
                "{config}: `{command}` must give scw the bare UUID of {name}, not {region}/{UUID}"
            );
            ran += 1;
        }
    }
    assert!(ran >= 10, "{ran} commands run");
}

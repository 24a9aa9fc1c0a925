//! Golden test of the modules' interfaces: every module's input variables (type, required or
//! optional) and outputs, as the module checker reads them from `modules/*/`. A change to an
//! interface shows up here, next to the generated calls that depend on it.

use std::fmt::Write as _;
use std::path::Path;

use tofugen::prove::modules::Interface;

#[test]
fn module_interfaces() {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules");
    let mut dirs: Vec<_> = std::fs::read_dir(&modules)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected every module of the spec, found {dirs:?}"
    );
    let mut out = String::new();
    for dir in dirs {
        let mut interface = Interface::default();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let path = file.display().to_string();
            let (_, id) = tofugen::source::SourceMap::single(&path);
            let parsed = tofugen::prove::provider::HclFile::parse(&path, id, &text)
                .unwrap_or_else(|e| panic!("{path}: {}", e.message));
            interface.add_body(&parsed.body);
        }
        let name = dir.file_name().unwrap().to_string_lossy();
        let _ = writeln!(out, "module {name}");
        for (var, v) in &interface.variables {
            let need = if v.has_default {
                "optional"
            } else {
                "required"
            };
            let _ = writeln!(out, "  in  {var}: {} ({need})", v.ty);
        }
        for o in &interface.outputs {
            let _ = writeln!(out, "  out {o}");
        }
        assert!(!interface.outputs.is_empty(), "{name} has no outputs");
    }
    insta::assert_snapshot!(out);
}

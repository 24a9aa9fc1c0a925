//! The Inputs and Outputs tables of every module README (`modules/*/README.md`) are generated
//! from the module's `variables.tf` and `outputs.tf`, so they cannot drift from the code that
//! tofugen vendors into users' repositories. Each table sits between two marker lines:
//!
//! ```text
//! <!-- inputs:start -->   ...   <!-- inputs:end -->
//! <!-- outputs:start -->  ...   <!-- outputs:end -->
//! ```
//!
//! A README that differs fails the test, with the diff. `TOFUGEN_UPDATE_README=1 cargo test
//! --test module_readmes` rewrites the tables instead (the convention of the rules table of the
//! top-level README). The prose around the markers is written by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use hcl::format::{Format, Formatter};

const INPUTS: (&str, &str) = ("<!-- inputs:start -->", "<!-- inputs:end -->");
const OUTPUTS: (&str, &str) = ("<!-- outputs:start -->", "<!-- outputs:end -->");

#[derive(Debug, PartialEq)]
struct Input {
    name: String,
    /// The type expression as written, on one line.
    ty: String,
    /// The default as written, on one line; `None` when the input is required.
    default: Option<String>,
    description: String,
}

#[derive(Debug, PartialEq)]
struct Output {
    name: String,
    description: String,
    sensitive: bool,
}

fn modules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("modules")
}

fn module_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(modules_dir())
        .expect("modules/ is readable")
        .map(|e| e.expect("modules/ entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// An expression on one line, in HCL syntax (objects and tuples inline, `{ a = b, c = d }`).
fn one_line(expr: &hcl::Expression) -> String {
    let mut f = Formatter::builder()
        .compact(true)
        .prefer_ident_keys(true)
        .build_vec();
    expr.format_string(&mut f)
        .expect("an expression always formats")
}

/// The value of a `description = "..."` attribute: a plain string literal.
fn literal(block: &str, attr: &hcl::Attribute) -> Result<String, String> {
    match attr.expr() {
        hcl::Expression::String(s) => Ok(s.clone()),
        other => Err(format!(
            "{block}: `{}` must be a plain string, not `{}`",
            attr.key(),
            one_line(other)
        )),
    }
}

/// The inputs and outputs declared in `text` (one `.tf` file), in file order.
fn parse_interface(text: &str) -> Result<(Vec<Input>, Vec<Output>), String> {
    let body = hcl::parse(text).map_err(|e| e.to_string())?;
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for block in body.blocks() {
        let kind = block.identifier();
        if kind != "variable" && kind != "output" {
            continue;
        }
        let [label] = block.labels() else {
            return Err(format!("a `{kind}` block needs exactly one label"));
        };
        let name = label.as_str().to_owned();
        let what = format!("{kind} \"{name}\"");
        let mut description = None;
        let mut ty = None;
        let mut default = None;
        let mut sensitive = false;
        for attr in block.body().attributes() {
            match attr.key() {
                "description" => description = Some(literal(&what, attr)?),
                "type" => ty = Some(one_line(attr.expr())),
                "default" => default = Some(one_line(attr.expr())),
                "sensitive" => sensitive = matches!(attr.expr(), hcl::Expression::Bool(true)),
                _ => {}
            }
        }
        let description = description
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| format!("{what} has no description: the README table needs one"))?;
        if kind == "variable" {
            inputs.push(Input {
                name,
                ty: ty.unwrap_or_else(|| "any".into()),
                default,
                description,
            });
        } else {
            outputs.push(Output {
                name,
                description,
                sensitive,
            });
        }
    }
    Ok((inputs, outputs))
}

/// Every input and output of the module in `dir`: `variables.tf` and `outputs.tf` first, then
/// any other `.tf` file (in name order) that declares some. (Other files are parsed only when a
/// line starts a `variable` or `output` block: parsing is most of this test's time.)
fn module_interface(dir: &Path) -> Result<(Vec<Input>, Vec<Output>), String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .map(|e| e.expect("module entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    let rank = |p: &PathBuf| match p.file_name().and_then(|n| n.to_str()) {
        Some("variables.tf") => 0,
        Some("outputs.tf") => 1,
        _ => 2,
    };
    files.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let declares = |kw: &str| {
            text.lines().any(|l| {
                l.strip_prefix(kw)
                    .is_some_and(|r| r.starts_with([' ', '\t', '"']))
            })
        };
        if rank(&file) == 2 && !declares("variable") && !declares("output") {
            continue;
        }
        let (i, o) = parse_interface(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        inputs.extend(i);
        outputs.extend(o);
    }
    Ok((inputs, outputs))
}

/// A code span holding `s` (one line), its `|` escaped for the table.
fn code_cell(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    // A fence longer than any run of backticks inside.
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if longest > 0 { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

/// Description text for a table cell. Backtick code spans are kept (descriptions use them);
/// outside them, `|` and newlines cannot stand in a cell, `<` would start an HTML tag (GitHub
/// drops `<uuid>`), `\` escapes, and a `*` or `_` that could open or close emphasis is escaped.
fn text_cell(s: &str) -> String {
    let chars: Vec<char> = s.chars().filter(|&c| c != '\r').collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            // The closing run of exactly `run` backticks, if any.
            let mut j = i + run;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let r = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if r == run {
                        close = Some(j);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            match close {
                Some(j) => {
                    let inner: String = chars[i..j + run].iter().collect();
                    out.push_str(&inner.replace('|', "\\|").replace('\n', " "));
                    i = j + run;
                }
                None => {
                    for _ in 0..run {
                        out.push_str("\\`");
                    }
                    i += run;
                }
            }
            continue;
        }
        let before = i.checked_sub(1).map(|k| chars[k]);
        let after = chars.get(i + 1).copied();
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\<"),
            '\n' => out.push_str("<br>"),
            '*' if !(before.is_none_or(char::is_whitespace)
                && after.is_none_or(char::is_whitespace)) =>
            {
                out.push_str("\\*");
            }
            '_' if !(before.is_some_and(char::is_alphanumeric)
                && after.is_some_and(char::is_alphanumeric)) =>
            {
                out.push_str("\\_");
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn inputs_table(inputs: &[Input]) -> String {
    let mut out = String::from(
        "\n| Name | Type | Default | Description |\n|------|------|---------|-------------|\n",
    );
    for i in inputs {
        let default = i
            .default
            .as_deref()
            .map_or_else(|| "—".to_owned(), code_cell);
        let _ = writeln!(
            out,
            "| {} | {} | {default} | {} |",
            code_cell(&i.name),
            code_cell(&i.ty),
            text_cell(&i.description)
        );
    }
    if inputs.is_empty() {
        out = "\nThis module has no inputs.\n".into();
    }
    out
}

fn outputs_table(outputs: &[Output]) -> String {
    let mut out =
        String::from("\n| Name | Description | Sensitive |\n|------|-------------|-----------|\n");
    for o in outputs {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code_cell(&o.name),
            text_cell(&o.description),
            if o.sensitive { "yes" } else { "no" }
        );
    }
    if outputs.is_empty() {
        out = "\nThis module has no outputs.\n".into();
    }
    out
}

/// `readme` with the text between the `markers` replaced by `content`.
fn splice(readme: &str, (start, end): (&str, &str), content: &str) -> Result<String, String> {
    let line = |marker: &str, from: usize| {
        readme[from..]
            .match_indices(marker)
            .map(|(at, _)| from + at)
            .find(|&at| {
                (at == 0 || readme[..at].ends_with('\n'))
                    && readme[at + marker.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == '\n' || c == '\r')
            })
    };
    let s = line(start, 0).ok_or_else(|| format!("has no `{start}` line"))? + start.len();
    let e = line(end, s).ok_or_else(|| format!("has no `{end}` line after `{start}`"))?;
    if line(start, s).is_some() {
        return Err(format!("has more than one `{start}` line"));
    }
    Ok(format!("{}{content}{}", &readme[..s], &readme[e..]))
}

/// The README of a module with its generated tables, from the module's inputs and outputs.
fn render(readme: &str, inputs: &[Input], outputs: &[Output]) -> Result<String, String> {
    let readme = splice(readme, INPUTS, &inputs_table(inputs))?;
    splice(&readme, OUTPUTS, &outputs_table(outputs))
}

fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(1)
        .header("README.md (committed)", "README.md (from the module)")
        .to_string()
}

#[test]
fn module_readme_tables_are_generated_from_the_modules() {
    let update = std::env::var_os("TOFUGEN_UPDATE_README").is_some();
    let dirs = module_dirs();
    assert!(dirs.len() >= 10, "expected every module, found {dirs:?}");
    let mut problems = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let path = dir.join("README.md");
        let rel = format!("modules/{name}/README.md");
        let result = std::fs::read_to_string(&path)
            .map_err(|e| format!("{rel}: {e}"))
            .and_then(|readme| {
                let (inputs, outputs) =
                    module_interface(&dir).map_err(|e| format!("modules/{name}: {e}"))?;
                let expected =
                    render(&readme, &inputs, &outputs).map_err(|e| format!("{rel} {e}"))?;
                Ok((readme, expected))
            });
        match result {
            Err(e) => problems.push(e),
            Ok((readme, expected)) if readme != expected => {
                if update {
                    std::fs::write(&path, &expected).expect("README.md is writable");
                } else {
                    problems.push(format!(
                        "{rel}: the Inputs/Outputs tables differ from modules/{name}/*.tf:\n{}",
                        diff(&readme, &expected)
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nRun `TOFUGEN_UPDATE_README=1 cargo test --test module_readmes` to rewrite the \
         tables between the `<!-- inputs:start -->`/`<!-- inputs:end -->` and \
         `<!-- outputs:start -->`/`<!-- outputs:end -->` markers, and review the prose around \
         them.",
        problems.join("\n\n")
    );
}

const SAMPLE: &str = r#"
variable "name" {
  type        = string
  description = "Name, e.g. \"shop-production\" | <uuid>."
}

variable "probe" {
  type = object({
    path     = optional(string)
    tcp      = optional(bool, false)
    interval = string
  })
  description = "A probe.\nSecond line: `a|b` stays code."
  default     = null
}

variable "names" {
  type        = list(string)
  description = "Names."
  default     = ["a", "b"]
}

output "id" {
  description = "The ID."
  value       = "x"
}

output "key" {
  description = "The secret key."
  value       = "y"
  sensitive   = true
}
"#;

const SAMPLE_README: &str = "# modules/sample\n\nProse.\n\n## Inputs\n\n<!-- inputs:start -->\n<!-- inputs:end -->\n\n## Outputs\n\n<!-- outputs:start -->\n| stale |\n<!-- outputs:end -->\n";

#[test]
fn tables_render_names_types_defaults_descriptions_and_sensitivity() {
    let (inputs, outputs) = parse_interface(SAMPLE).unwrap();
    let readme = render(SAMPLE_README, &inputs, &outputs).unwrap();
    let expected = "# modules/sample\n\nProse.\n\n## Inputs\n\n<!-- inputs:start -->\n\
        | Name | Type | Default | Description |\n\
        |------|------|---------|-------------|\n\
        | `name` | `string` | — | Name, e.g. \"shop-production\" \\| \\<uuid>. |\n\
        | `probe` | `object({ path = optional(string), tcp = optional(bool, false), interval = string })` | `null` | A probe.<br>Second line: `a\\|b` stays code. |\n\
        | `names` | `list(string)` | `[\"a\", \"b\"]` | Names. |\n\
        <!-- inputs:end -->\n\n## Outputs\n\n<!-- outputs:start -->\n\
        | Name | Description | Sensitive |\n\
        |------|-------------|-----------|\n\
        | `id` | The ID. | no |\n\
        | `key` | The secret key. | yes |\n\
        <!-- outputs:end -->\n";
    assert_eq!(readme, expected, "\n{readme}");
    // Rendering is idempotent: the prose and markers are kept.
    assert_eq!(render(&readme, &inputs, &outputs).unwrap(), readme);
}

/// A table that no longer matches the module (a removed input, an added output) is caught.
#[test]
fn a_stale_table_is_detected() {
    let (inputs, outputs) = parse_interface(SAMPLE).unwrap();
    let fresh = render(SAMPLE_README, &inputs, &outputs).unwrap();
    let stale = fresh.replace(
        "| `names` | `list(string)` | `[\"a\", \"b\"]` | Names. |\n",
        "| `url_secret_name` | `string` | — | Gone. |\n",
    );
    assert_ne!(render(&stale, &inputs, &outputs).unwrap(), stale);
    let d = diff(&stale, &render(&stale, &inputs, &outputs).unwrap());
    assert!(
        d.contains("-| `url_secret_name`") && d.contains("+| `names`"),
        "{d}"
    );
}

#[test]
fn markers_must_be_lines_of_their_own() {
    let (inputs, outputs) = parse_interface(SAMPLE).unwrap();
    let missing = SAMPLE_README.replace("<!-- outputs:end -->\n", "");
    assert!(
        render(&missing, &inputs, &outputs)
            .unwrap_err()
            .contains("<!-- outputs:end -->")
    );
    let doubled = format!("{SAMPLE_README}<!-- inputs:start -->\n");
    assert!(
        render(&doubled, &inputs, &outputs)
            .unwrap_err()
            .contains("more than one")
    );
    // A marker quoted in prose is not a marker.
    let quoted = SAMPLE_README.replace("Prose.", "Prose about `<!-- inputs:start -->`.");
    assert!(render(&quoted, &inputs, &outputs).is_ok());
}

#[test]
fn cells_escape_what_markdown_would_misread() {
    assert_eq!(text_cell("a | b"), "a \\| b");
    assert_eq!(text_cell("one\ntwo"), "one<br>two");
    assert_eq!(text_cell("fr-par/<uuid>"), "fr-par/\\<uuid>");
    assert_eq!(text_cell("`<uuid> | x`"), "`<uuid> \\| x`");
    assert_eq!(text_cell("IPAM *.internal"), "IPAM \\*.internal");
    assert_eq!(text_cell("cron \"0 3 * * 0\""), "cron \"0 3 * * 0\"");
    assert_eq!(text_cell("user_name and _admin"), "user_name and \\_admin");
    assert_eq!(text_cell("a\\b"), "a\\\\b");
    assert_eq!(text_cell("an ` alone"), "an \\` alone");
    assert_eq!(code_cell("a|b"), "`a\\|b`");
    assert_eq!(code_cell("a`b"), "`` a`b ``");
}

#[test]
fn an_input_or_output_without_description_is_refused() {
    let e = parse_interface("variable \"x\" {\n  type = string\n}\n").unwrap_err();
    assert!(e.contains("variable \"x\" has no description"), "{e}");
    let e = parse_interface("output \"y\" {\n  value = 1\n}\n").unwrap_err();
    assert!(e.contains("output \"y\" has no description"), "{e}");
}

/// Declarations outside variables.tf and outputs.tf are found too, after theirs.
#[test]
fn declarations_in_other_files_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "variables.tf",
        "variable \"a\" {\n  description = \"A.\"\n}\n",
    );
    write(
        "outputs.tf",
        "output \"b\" {\n  description = \"B.\"\n  value = 1\n}\n",
    );
    write(
        "main.tf",
        "locals {\n  x = 1\n}\n\noutput \"c\" {\n  description = \"C.\"\n  value = 2\n}\n",
    );
    write(
        "versions.tf",
        "terraform {\n  required_version = \">= 1.12.2\"\n}\n",
    );
    let (inputs, outputs) = module_interface(dir.path()).unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].ty, "any");
    let names: Vec<_> = outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["b", "c"]);
}

/// Every module's README says the truth about its own tests (sweep 55d, #2: three said "no
/// `tofu test` suite of its own" after suites were added): its `## Tests` section names each
/// `tests/*.tftest.hcl` file, gives the number of its `run` blocks right where it says
/// "(N runs" (optional: checked when given), and says it has none only when it has none.
#[test]
fn module_readmes_name_their_test_suites() {
    let mut problems = Vec::new();
    for dir in module_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let readme = std::fs::read_to_string(dir.join("README.md")).expect("README.md");
        let mut suites: Vec<(String, usize)> = std::fs::read_dir(dir.join("tests"))
            .map(|entries| {
                entries
                    .map(|e| e.expect("entry").path())
                    .filter(|p| p.to_string_lossy().ends_with(".tftest.hcl"))
                    .map(|p| {
                        let text = std::fs::read_to_string(&p).expect("suite");
                        let runs = text.lines().filter(|l| l.starts_with("run \"")).count();
                        (p.file_name().unwrap().to_string_lossy().to_string(), runs)
                    })
                    .collect()
            })
            .unwrap_or_default();
        suites.sort();
        // The README's `## Tests` section, where a suite is described.
        let tests_section = readme
            .split_once("\n## Tests\n")
            .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
            .unwrap_or("");
        let says_none = tests_section
            .to_lowercase()
            .contains("no `tofu test` suite");
        if suites.is_empty() != says_none {
            problems.push(format!(
                "{name}: {} suite(s), and the README {} it has none",
                suites.len(),
                if says_none { "says" } else { "does not say" }
            ));
        }
        for (file, runs) in &suites {
            if !tests_section.contains(&format!("`tests/{file}`")) {
                problems.push(format!(
                    "{name}: the README's `## Tests` does not name `tests/{file}`"
                ));
            }
            // A count, where the section gives one as "(N runs": optional, checked when given.
            if suites.len() == 1
                && let Some(stated) = tests_section
                    .split_once(" runs")
                    .and_then(|(before, _)| before.rsplit_once('(').map(|(_, n)| n))
                    .and_then(|n| n.parse::<usize>().ok())
                && stated != *runs
            {
                problems.push(format!(
                    "{name}: the README says {stated} runs, `tests/{file}` has {runs}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! The command line: `generate`, `check`, `validate`, `schema`, `explain`, `diff`, `rules`,
//! `completions`.
//!
//! Exit codes: 0 success / up to date; 1 invalid configuration; 2 usage error; 3 the generated
//! tree differs from what `generate` would write (`check` only).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diagnostics::{self, Diagnostic, Format};
use crate::pipeline::{self, Compilation};
use crate::source::SourceMap;
use crate::{load, locate, policy, report, schema_check, write};

/// Exit code: the configuration is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: usage error (also clap's).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the generated tree is stale.
pub const EXIT_STALE: u8 = 3;

/// Largest `--changed-paths` file read (one path per line).
const MAX_CHANGED_PATHS_BYTES: usize = 16 * 1024 * 1024;

/// tofugen compiles environments.yaml into committed OpenTofu roots, Cockpit alert rules and
/// GitHub Actions workflows.
#[derive(Debug, Parser)]
#[command(name = "tofugen", version, about, long_about = None)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = "environments.yaml")]
    pub config: PathBuf,
    /// Repository root the generated tree is written under (default: the nearest directory
    /// holding `.git`, from the config's directory up; else the config's directory).
    #[arg(long, global = true)]
    pub root: Option<PathBuf>,
    /// How diagnostics are printed.
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// Colors in human output (`NO_COLOR` is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Most MiB of files one configuration may generate (`generate`, `check`, `affected`):
    /// the limit bounds the work a configuration can cause; raise it for a very large one.
    #[arg(long, global = true, value_name = "MIB", default_value_t = write::MAX_GENERATED_BYTES / (1024 * 1024), value_parser = parse_max_output)]
    pub max_output_mib: usize,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The byte cap `--max-output-mib` sets (checked by [`parse_max_output`]).
    fn max_output_bytes(&self) -> usize {
        self.max_output_mib << 20
    }
}

/// Parses `--max-output-mib` ([`write::max_output_bytes`] says what is accepted).
fn parse_max_output(s: &str) -> Result<usize, String> {
    let mib: usize = s.parse().map_err(|_| {
        format!(
            "expected a whole number of MiB, 1 to {}",
            write::MAX_OUTPUT_MIB_CEILING
        )
    })?;
    write::max_output_bytes(mib).map(|_| mib)
}

/// When to color output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a repository: write a starter environments.yaml (one HTTP service, a database,
    /// staging and production) and a .gitignore, then generate. Never overwrites a file.
    Init {
        /// Project name, the prefix of every Scaleway resource (default: from the directory).
        #[arg(long)]
        project: Option<String>,
        /// Scaleway region.
        #[arg(long, default_value = "fr-par")]
        region: String,
    },
    /// Write the generated tree (roots, bootstrap, alert rules, workflows, schema).
    Generate {
        /// Overwrite generated files that were edited by hand.
        #[arg(long)]
        force: bool,
    },
    /// Compare what generate would write with what is on disk (read-only; exit 3 if stale).
    Check,
    /// Report every diagnostic without writing anything.
    Validate,
    /// Print the JSON Schema of environments.yaml.
    Schema,
    /// Show the effective configuration of an environment (or one service), with origins.
    Explain {
        /// Environment name.
        env: String,
        /// Service name.
        service: Option<String>,
    },
    /// Show the effective differences between two environments.
    Diff {
        /// First environment.
        env_a: String,
        /// Second environment.
        env_b: String,
    },
    /// List the policy rules and their codes, or show one rule's rationale and examples.
    Rules {
        /// A rule code (`TG012`) or name (`plaintext-secret`): show that rule in full.
        rule: Option<String>,
        /// Print as Markdown: the table (the README's rules table), or the one rule.
        #[arg(long)]
        markdown: bool,
    },
    /// List tofugen's runbooks (one per built-in alert and procedure), or print one.
    Runbook {
        /// A runbook's name (`container-error`): print that runbook.
        name: Option<String>,
        /// Print the whole page (to commit where `alerts.runbook_url` points).
        #[arg(long, conflicts_with = "name")]
        all: bool,
    },
    /// List tofugen's guides (deploy flow, runbooks, security), or print one: the pages the
    /// generated workflows and READMEs refer to, from this tofugen version.
    Docs {
        /// A guide's name (`deploy-flow`): print that page.
        name: Option<String>,
    },
    /// Print (JSON) the environments whose effective configuration or generated files differ
    /// from the base configuration: the plan matrix of a pull request.
    Affected {
        /// The base branch's environments.yaml (missing or empty: every environment).
        base_config: PathBuf,
        /// Paths changed by the pull request, one per line (`git diff --name-only`).
        #[arg(long)]
        changed_paths: Option<PathBuf>,
        /// modules/ changed: every environment is affected.
        #[arg(long)]
        modules_changed: bool,
    },
    /// Print shell completions.
    Completions {
        /// Shell.
        shell: clap_complete::Shell,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let code = run(&cli);
    if let Some(e) = OUTPUT_FAILED.get() {
        err(&format!("error: cannot write to standard output: {e}\n"));
        return ExitCode::from(code.max(EXIT_INVALID));
    }
    ExitCode::from(code)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: &Cli) -> u8 {
    let color = use_color(cli.color);
    match &cli.command {
        Command::Schema => {
            out_raw(schema_check::schema_json().as_bytes());
            return 0;
        }
        Command::Rules { rule, markdown } => return rules(rule.as_deref(), *markdown),
        Command::Runbook { name, all } => return runbook(name.as_deref(), *all),
        Command::Docs { name } => return docs(name.as_deref()),
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
            let mut buffer = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "tofugen", &mut buffer);
            out_raw(&buffer);
            return 0;
        }
        _ => {}
    }
    if let Command::Init { project, region } = &cli.command {
        return init(cli, project.clone(), region.clone());
    }
    let file = cli.config.to_string_lossy().into_owned();
    let bytes = {
        let (sources, id) = SourceMap::single(&file);
        if let Some((message, help)) = locate::escapes_repository(&cli.config, cli.root.as_deref())
        {
            let d = Diagnostic::error("io", message)
                .at(id, None)
                .expected("a configuration file of the repository")
                .help(help);
            print_diagnostics(&[d], &sources, cli.format, color);
            return EXIT_INVALID;
        }
        match load::read_config(&cli.config, &sources, id) {
            Ok(b) => b,
            Err(mut d) => {
                if !cli.config.exists() && !point_above(&mut d, &cli.config) {
                    point_to_manifest(&mut d, cli);
                }
                print_diagnostics(&[d], &sources, cli.format, color);
                return EXIT_INVALID;
            }
        }
    };
    // The repository root: the configuration is named relative to it in everything generated.
    // (The commands that emit files emit what they need themselves, one environment at a
    // time: `compile` below only validates and resolves.) Every command refuses a path
    // `generate` refuses, so that `validate` in a hook does not pass a configuration
    // `generate` then refuses (sweep 45, #5: a name with a space).
    let placement = match locate::locate(&cli.config, cli.root.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            err(&format!("error: {e}\n"));
            return EXIT_USAGE;
        }
    };
    let display_name = placement.config.clone();
    let max_bytes = cli.max_output_bytes();
    let compile_head = || pipeline::compile_with_limit(&display_name, &bytes, false, max_bytes);
    // `affected` compiles the base configuration too: on a second thread, as the head compiles.
    let (mut compilation, base) = match &cli.command {
        Command::Affected { base_config, .. } => std::thread::scope(|scope| {
            // `None` inside: the base has the head's bytes, and the head's compilation is used.
            let base = scope.spawn(|| {
                load::read_regular(base_config, load::MAX_FILE_BYTES, true)
                    .map(|base| {
                        (base != bytes)
                            .then(|| crate::affected::compile_base(&display_name, &base, max_bytes))
                    })
                    .map_err(|e| e.to_string())
            });
            let head = compile_head();
            let base = base
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (head, Some(base))
        }),
        _ => (compile_head(), None),
    };
    // The repository's own modules, listed once: checked here, proved by `check`.
    let mut own_modules = None;
    if matches!(
        cli.command,
        Command::Generate { .. } | Command::Check | Command::Validate
    ) {
        let p = &placement;
        // Checked with the configuration's other errors too, once `modules.path` itself is
        // valid (sweep 30, F9: it was checked only once everything else was fixed).
        if let Some((path, span)) = modules_path_of(&compilation) {
            let listing = crate::modules::list_own(&p.root, &path);
            let missing = missing_modules_dir(&compilation, &p.root, (&path, span), &listing);
            compilation.push_late(missing);
            own_modules = Some(listing);
        }
        if !compilation.has_errors() {
            let sources = no_tofugen_sources(&compilation, &p.root);
            compilation.push_late(sources);
        }
    }
    // Diagnostics name the file as the user gave it (the generated headers name it relative
    // to the repository root: `display_name`).
    compilation.sources.rename(compilation.file, &file);
    let diags: Vec<Diagnostic> = compilation.diagnostics.clone();
    // `check` prints these with the HCL findings and the workflows over GitHub's limit, in
    // one document or one report. `generate` prints the configuration's warnings with its own
    // refusal in every format: in one report with one summary line (sweep 29, F8: a tree over
    // the size cap printed "0 error(s), 1 warning(s)", then the refusal and "1 error(s), 0
    // warning(s)"; review of stop 57, R7: `check` did so with a workflow over the limit).
    let merged = matches!(cli.command, Command::Generate { .. } | Command::Check)
        && !compilation.has_errors();
    // `explain`, `diff` and `affected` print their own output on stdout once the configuration
    // is valid: their diagnostics (warnings then) go to stderr in every format, so that stdout
    // stays one document.
    let own_stdout = matches!(
        cli.command,
        Command::Explain { .. } | Command::Diff { .. } | Command::Affected { .. }
    ) && !compilation.has_errors();
    if own_stdout {
        print_diagnostics_on(&diags, &compilation.sources, cli.format, color, false);
    } else if !merged {
        print_diagnostics(&diags, &compilation.sources, cli.format, color);
    }
    if compilation.has_errors() {
        return EXIT_INVALID;
    }
    let root = placement.root;
    if matches!(cli.command, Command::Generate { .. } | Command::Check)
        && let Some(resolved) = &mut compilation.resolved
    {
        resolved.forget_origins();
        compilation.forget_tree();
        crate::alloc::release_freed_pages();
    }
    match &cli.command {
        Command::Validate => {
            if cli.format == Format::Human && diags.is_empty() {
                // The path is one line even when it holds a newline (`err` keeps newlines).
                err(&format!(
                    "{}: valid\n",
                    diagnostics::escape_for_terminal(&file)
                ));
            }
            0
        }
        Command::Generate { force } => generate(
            &root,
            &compilation,
            *force,
            max_bytes,
            Printing {
                diags: &diags,
                format: cli.format,
                color,
            },
        ),
        Command::Check => check(
            &root,
            max_bytes,
            &compilation,
            own_modules.as_ref(),
            &diags,
            cli.format,
            color,
        ),
        Command::Explain { env, service } => explain(cli, &compilation, env, service.as_deref()),
        Command::Diff { env_a, env_b } => diff(cli, &compilation, env_a, env_b),
        Command::Affected {
            base_config,
            changed_paths,
            modules_changed,
        } => affected(
            cli,
            max_bytes,
            &compilation,
            base_config,
            base.unwrap_or(Ok(Some(None))),
            changed_paths.as_deref(),
            *modules_changed,
        ),
        Command::Schema
        | Command::Rules { .. }
        | Command::Runbook { .. }
        | Command::Docs { .. }
        | Command::Completions { .. }
        | Command::Init { .. } => 0,
    }
}

/// `tofugen rules [CODE|NAME] [--markdown]`.
fn rules(rule: Option<&str>, markdown: bool) -> u8 {
    let Some(text) = rule else {
        if markdown {
            out(&policy::rules_markdown());
        } else {
            out(&policy::rules_text());
        }
        return 0;
    };
    if let Some(r) = policy::find_rule(text) {
        if markdown {
            out(&policy::describe_rule_markdown(r));
        } else {
            out(&policy::describe_rule(r));
        }
        return 0;
    }
    if let Some(r) = policy::find_retired(text) {
        out(&format!("{} {}: retired; {}\n", r.code, r.name, r.reason));
        return 0;
    }
    let hint = match policy::suggest_rule(text) {
        Some(m) => format!("; did you mean `{m}`?"),
        None => "; `tofugen rules` lists them".to_string(),
    };
    err(&format!(
        "error: no rule has the code or name `{}`{hint}\n",
        text.escape_debug()
    ));
    EXIT_USAGE
}

/// `tofugen runbook [NAME] [--all]`: the listing, one runbook, or the whole page.
fn runbook(name: Option<&str>, all: bool) -> u8 {
    let text = match name {
        None if all => crate::runbooks::PAGE.to_string(),
        None => crate::runbooks::listing(),
        Some(name) => match crate::runbooks::runbook(name) {
            Some(text) => format!("{text}\n"),
            None => {
                return unknown_name(
                    "runbook",
                    name,
                    crate::runbooks::names().iter().copied(),
                    "runbook",
                );
            }
        },
    };
    // tofugen's own text, not configuration: printed as is.
    out_raw(text.as_bytes());
    0
}

/// `tofugen docs [NAME]`: the list of guides, or one ([`crate::guides`]).
fn docs(name: Option<&str>) -> u8 {
    let text = match name {
        None => crate::guides::listing(),
        Some(name) => match crate::guides::guide(name) {
            Some(g) => g.text.to_string(),
            None => {
                return unknown_name(
                    "guide",
                    name,
                    crate::guides::GUIDES.iter().map(|g| g.name),
                    "docs",
                );
            }
        },
    };
    // tofugen's own text, not configuration: printed as is.
    out_raw(text.as_bytes());
    0
}

/// The usage error of `tofugen runbook NAME` or `tofugen docs NAME` when no `what` has that
/// name: a did-you-mean among `names`, else the command that lists them. At most 64 characters
/// of the name are echoed back (sweep 28, W4: 100 000 echoed).
fn unknown_name<'n>(
    what: &str,
    name: &str,
    names: impl Iterator<Item = &'n str>,
    command: &str,
) -> u8 {
    let hint = match diagnostics::did_you_mean(name, names) {
        Some(m) => format!("; did you mean `{m}`?"),
        None => format!("; `tofugen {command}` lists them"),
    };
    let shown: String = name.chars().take(64).collect();
    let cut = if shown.len() < name.len() { "…" } else { "" };
    err(&format!(
        "error: no {what} is named `{}{cut}`{hint}\n",
        shown.escape_debug()
    ));
    EXIT_USAGE
}

/// Prints `diags` (their files in `sources`) in `format`: the machine formats on stdout, the
/// human one on stderr.
fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap, format: Format, color: bool) {
    // Machine formats go to stdout so tools can read them.
    let stdout = matches!(format, Format::Json | Format::Github);
    print_diagnostics_on(diags, sources, format, color, stdout);
}

/// [`print_diagnostics`] on stdout when `stdout`, else on stderr (the commands whose stdout is
/// their own output). Nothing is printed for no diagnostic, except JSON's empty array on stdout.
fn print_diagnostics_on(
    diags: &[Diagnostic],
    sources: &SourceMap,
    format: Format,
    color: bool,
    stdout: bool,
) {
    if diags.is_empty() && !(format == Format::Json && stdout) {
        return;
    }
    let text = diagnostics::render(diags, sources, format, color);
    // Rendering escaped every value: the text is written as it is (it may hold colors).
    if stdout {
        out_raw(text.as_bytes());
    } else {
        write_quietly(&mut std::io::stderr().lock(), text.as_bytes());
    }
}

/// Writes `bytes` and flushes, ignoring failures: a closed pipe (`tofugen … | head`) or a
/// closed terminal ends the output quietly instead of panicking like `print!` does.
fn write_quietly(w: &mut impl Write, bytes: &[u8]) {
    let _ = w.write_all(bytes).and_then(|()| w.flush());
}

/// Why stdout could not be written, other than a closed pipe (a full disk, an I/O error): the
/// command then fails, whatever it found, instead of exiting 0 with its output lost (sweep 37,
/// F5: the pull-request workflow redirects `affected` into a file).
static OUTPUT_FAILED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Writes bytes that are already safe for a terminal (JSON, completions) to stdout: a closed
/// pipe (`tofugen … | head`) ends the output quietly; any other failure is remembered in
/// [`OUTPUT_FAILED`].
fn out_raw(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = OUTPUT_FAILED.set(e.to_string());
    }
}

/// A configuration that is not where it was looked for but is in a directory above, within
/// the repository ([`locate::found_above`]): the help names the directory to run from and the
/// `--config` to pass instead (tofugen reads the configuration it is given, never another one).
/// Whether it did.
fn point_above(d: &mut Diagnostic, config: &Path) -> bool {
    let Ok(cwd) = std::env::current_dir() else {
        return false;
    };
    let Some((levels, dir)) = locate::found_above(&cwd, config) else {
        return false;
    };
    let up = "../".repeat(levels);
    d.help = Some(format!(
        "{up}{} exists: run tofugen from {}, or pass --config {up}{}",
        config.display(),
        dir.display(),
        config.display()
    ));
    true
}

/// A configuration that is not there, in a repository whose generated tree names another one
/// in its manifest ([`write::manifest_config`]), when [`point_above`] found none: the help
/// names the `--config` to pass, from the current directory (a tree generated with
/// `--config infra/envs.yaml` and checked without it was told to run `tofugen init`, which
/// refuses an existing tree; sweep 27, F2).
fn point_to_manifest(d: &mut Diagnostic, cli: &Cli) {
    let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize()) else {
        return;
    };
    let dir = cwd.join(cli.config.parent().unwrap_or(Path::new("")));
    let Some(root) = locate::repository_for(&cli.config, cli.root.as_deref()) else {
        return;
    };
    let given = dir
        .canonicalize()
        .ok()
        .zip(cli.config.file_name())
        .and_then(|(dir, name)| Some(dir.join(name).strip_prefix(&root).ok()?.to_path_buf()))
        .and_then(|p| p.to_str().map(|p| p.replace('\\', "/")))
        .unwrap_or_default();
    let Some(config) = write::manifest_config(&root, &given) else {
        return;
    };
    let from_cwd = match cwd.strip_prefix(&root) {
        Ok(below) => {
            // The path from the current directory: up to the part it shares with the root's.
            let below: Vec<_> = below.iter().filter_map(|p| p.to_str()).collect();
            let parts: Vec<&str> = config.split('/').collect();
            let shared = below
                .iter()
                .zip(&parts)
                .take(parts.len() - 1)
                .take_while(|(a, b)| a == b)
                .count();
            format!(
                "{}{}",
                "../".repeat(below.len() - shared),
                parts[shared..].join("/")
            )
        }
        Err(_) => root.join(&config).display().to_string(),
    };
    d.help = Some(format!(
        "{} says `{config}` generated this repository's tree: pass --config {from_cwd}",
        write::MANIFEST_PATH
    ));
}

/// Writes text that may hold configuration values to stdout, terminal controls escaped.
fn out(text: &str) {
    out_raw(diagnostics::escape_for_terminal_text(text).as_bytes());
}

/// Writes text that may hold configuration values to stderr, terminal controls escaped.
fn err(text: &str) {
    let text = diagnostics::escape_for_terminal_text(text);
    write_quietly(&mut std::io::stderr().lock(), text.as_bytes());
}

/// `tofugen init`: the starter files, then `generate` on them.
fn init(cli: &Cli, project: Option<String>, region: String) -> u8 {
    let placement = match locate::locate(&cli.config, cli.root.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            err(&format!("error: {e}\n"));
            return EXIT_USAGE;
        }
    };
    let derived = project.is_none();
    let options = crate::init::Options { project, region };
    let created = match crate::init::init(&placement.root, &placement.config, &options) {
        Ok(c) => c,
        Err(e) => {
            err(&format!("error: {e}\n"));
            return EXIT_USAGE;
        }
    };
    for f in &created.files {
        out(&format!("created {f}\n"));
    }
    if !created.gitignore_missing.is_empty() {
        err(&format!(
            "note: .gitignore exists and was left as it is; add these lines to it:\n{}\n",
            created.gitignore_missing.join("\n")
        ));
    }
    let code = init_generate(cli, &placement);
    if code != 0 {
        // Nothing half done: what this run created goes (each file was created new by it, so
        // it is its own), and a second `init` can run once the problem above is fixed; it
        // refused before, the configuration being there.
        let mut removed = Vec::new();
        for f in &created.files {
            if std::fs::remove_file(placement.root.join(f)).is_ok() {
                removed.push(format!("`{f}`"));
            }
        }
        if !removed.is_empty() {
            err(&format!(
                "note: removed {} again: fix the problem above, then run `tofugen init` again\n",
                removed.join(" and ")
            ));
        }
        return code;
    }
    if code == 0 {
        let config = &placement.config;
        // A derived name may have lost characters (`é-café` gives `caf`): say where it came
        // from and how to choose another (sweep 38, R8).
        let origin = if derived {
            // Shortened or changed: the directory's name is shown, so that the cut is seen
            // (sweep of stop 55, L6: `acme-payments-platform-infra` became
            // `acme-payments-platfo` without a word).
            let dir = placement
                .root
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default();
            let from = if dir == created.project {
                "from the directory's name".to_string()
            } else {
                format!(
                    "from the directory's name `{}`, made a valid project name of at most {} characters",
                    dir.escape_debug(),
                    crate::init::MAX_PROJECT
                )
            };
            format!(
                " ({from}; to choose another, change `project:` in {} before the first apply)",
                placement.config
            )
        } else {
            String::new()
        };
        out(&format!(
            "\nproject `{}`{origin}: edit {config}, run `{}`, and commit everything.\n\
             Then create the Scaleway projects and CI keys: generated/bootstrap/README.md.\n\
             The workflows install tofugen {} from crates.io (`cargo install tofugen@{}`); \
             until that version is published there, pin a commit of tofugen's repository \
             in {config}: `ci.tofugen: {{ install: git, git: <url>, rev: <40-hex commit> }}` \
             (the line is there, commented).\n",
            created.project,
            crate::emit::command(config, "generate"),
            env!("CARGO_PKG_VERSION"),
            env!("CARGO_PKG_VERSION"),
        ));
    }
    code
}

/// The `generate` that follows `init`: loads the starter it wrote, proves it and writes the tree.
fn init_generate(cli: &Cli, placement: &locate::Placement) -> u8 {
    let path = placement.root.join(&placement.config);
    let bytes = {
        let (sources, id) = SourceMap::single(&placement.config);
        match load::read_config(&path, &sources, id) {
            Ok(b) => b,
            Err(d) => {
                print_diagnostics(&[d], &sources, cli.format, use_color(cli.color));
                return EXIT_INVALID;
            }
        }
    };
    let compilation = pipeline::compile(&placement.config, &bytes, false);
    if compilation.has_errors() {
        // A bug: the starter is tested to be valid in every region.
        print_diagnostics(
            &compilation.diagnostics,
            &compilation.sources,
            cli.format,
            use_color(cli.color),
        );
        return EXIT_INVALID;
    }
    generate(
        &placement.root,
        &compilation,
        false,
        cli.max_output_bytes(),
        Printing {
            diags: &[],
            format: Format::Human,
            color: use_color(cli.color),
        },
    )
}

/// How `generate` prints: the configuration's diagnostics (printed by it in a machine format,
/// in one document with a refusal for size), the format and colors.
struct Printing<'d> {
    diags: &'d [Diagnostic],
    format: Format,
    color: bool,
}

fn generate(
    root: &Path,
    compilation: &Compilation,
    force: bool,
    max_bytes: usize,
    printing: Printing<'_>,
) -> u8 {
    let Printing {
        diags,
        format,
        color,
    } = printing;
    let run = || -> anyhow::Result<crate::stream::Generated> {
        let Some(resolved) = &compilation.resolved else {
            anyhow::bail!("the configuration did not resolve (a tofugen bug: it has no errors)");
        };
        crate::stream::generate(root, resolved, force, max_bytes)
    };
    let result = run();
    // A workflow file GitHub would not run: a warning of the configuration.
    let oversized = oversized_workflows(
        result
            .as_ref()
            .map(|g| g.oversized.as_slice())
            .unwrap_or_default(),
        compilation,
    );
    // The configuration's diagnostics are printed here, in one report with a refusal for size
    // (and, in a machine format, with the warning of each environment whose root was removed:
    // the human summary has them on lines of their own).
    if format == Format::Human {
        let refused = result
            .as_ref()
            .err()
            .filter(|e| e.downcast_ref::<write::TooLarge>().is_some())
            .map(|e| refusal(e, compilation));
        let all: Vec<Diagnostic> = diags
            .iter()
            .cloned()
            .chain(oversized)
            .chain(refused)
            .collect();
        print_diagnostics(&all, &compilation.sources, format, color);
    } else {
        let refused = result.as_ref().err().map(|e| refusal(e, compilation));
        let retired = result
            .as_ref()
            .map(|g| g.retired.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|warning| {
                Diagnostic::warning("environment-removed", warning.clone())
                    .expected("every environment whose resources exist in the configuration")
                    .help("retire the environment as the message says, or restore it")
            });
        let all: Vec<Diagnostic> = diags
            .iter()
            .cloned()
            .chain(oversized)
            .chain(refused)
            .chain(retired)
            .collect();
        print_diagnostics(&all, &compilation.sources, format, color);
    }
    match result {
        Ok(crate::stream::Generated { summary, .. }) => {
            // In the machine formats stdout carries one document (the diagnostics): the summary
            // goes to stderr, as `check`'s status line does.
            if format == Format::Human {
                out(&format!("{summary}\n"));
            } else {
                err(&format!("{summary}\n"));
            }
            0
        }
        Err(e) => {
            // A refusal for size is in the report above; any other error is one line.
            if e.downcast_ref::<write::TooLarge>().is_none() {
                err(&format!("error: {e:#}\n"));
            }
            EXIT_INVALID
        }
    }
}

/// The warnings of the workflow files `generate` or `check` emitted over GitHub's limit
/// ([`crate::emit::workflows::too_large`]), at the configuration's `environments:` key.
fn oversized_workflows(
    oversized: &[(String, usize)],
    compilation: &Compilation,
) -> Vec<Diagnostic> {
    oversized
        .iter()
        .map(|(path, bytes)| {
            crate::emit::workflows::too_large(
                compilation.file,
                compilation.environments_key(),
                path,
                *bytes,
            )
        })
        .collect()
}

/// Prints an error of `generate` or `check`: a tree refused for its size is a diagnostic of
/// the configuration ([`too_large`]); any other error is one line.
fn report_error(e: &anyhow::Error, compilation: &Compilation, format: Format, color: bool) {
    match e.downcast_ref::<write::TooLarge>() {
        Some(t) => {
            print_diagnostics(
                &[too_large(t, compilation)],
                &compilation.sources,
                format,
                color,
            );
        }
        None => err(&format!("error: {e:#}\n")),
    }
}

/// Why `generate` or `check` refused to act, as a diagnostic of the machine formats: a tree
/// refused for its size ([`too_large`]), or the writer's refusal (a file edited by hand, a
/// symlink, an obstruction), which a tool reading `--format json` saw as `[]` before.
fn refusal(e: &anyhow::Error, compilation: &Compilation) -> Diagnostic {
    match e.downcast_ref::<write::TooLarge>() {
        Some(t) => too_large(t, compilation),
        None => Diagnostic::error("write", format!("{e:#}"))
            .expected("a tree in which tofugen may write every generated file")
            .help("do what the message says (it names the path), then run the command again"),
    }
}

/// A tree refused for its size, as a diagnostic of the configuration: at its `environments:`
/// key (what multiplies the output), so that the line is shown.
fn too_large(t: &write::TooLarge, compilation: &Compilation) -> Diagnostic {
    let mut d = t.diagnostic(compilation.file, compilation.environments_key());
    d.message = format!("refusing to write: {}", d.message);
    d
}

/// `tofugen check`: [`crate::stream::check`], then the report.
fn check(
    root: &Path,
    max_bytes: usize,
    compilation: &Compilation,
    own_modules: Option<&crate::modules::Listing>,
    diags: &[Diagnostic],
    format: Format,
    color: bool,
) -> u8 {
    let Some(resolved) = &compilation.resolved else {
        err("error: the configuration did not resolve (a tofugen bug: it has no errors)\n");
        return EXIT_INVALID;
    };
    let crate::stream::Checked {
        differences: result,
        proof,
        files: file_count,
        oversized,
    } = crate::stream::check(root, resolved, max_bytes, own_modules);
    let oversized = oversized_workflows(&oversized, compilation);
    // The configuration's diagnostics and the proof's findings (moved to one map), and the
    // stale files, in one map.
    let mut sources = compilation.sources.clone();
    let findings = proof.into_map(&mut sources);
    let differences = match result {
        Ok(d) => d,
        Err(e) => {
            if format == Format::Human {
                // The configuration's warnings, then the refusal: one summary line when the
                // refusal is a diagnostic (a tree too large), the warnings' own otherwise.
                match e.downcast_ref::<write::TooLarge>() {
                    Some(t) => {
                        let all: Vec<Diagnostic> = diags
                            .iter()
                            .cloned()
                            .chain([too_large(t, compilation)])
                            .collect();
                        print_diagnostics(&all, &compilation.sources, format, color);
                    }
                    None => {
                        print_diagnostics(diags, &compilation.sources, format, color);
                        report_error(&e, compilation, format, color);
                    }
                }
            } else {
                // One document: the refusal is one of its diagnostics.
                let all: Vec<Diagnostic> = diags
                    .iter()
                    .chain(&oversized)
                    .chain(&findings)
                    .cloned()
                    .chain([refusal(&e, compilation)])
                    .collect();
                print_diagnostics(&all, &sources, format, color);
                if e.downcast_ref::<write::TooLarge>().is_none() {
                    err(&format!("error: {e:#}\n"));
                }
            }
            return EXIT_INVALID;
        }
    };
    if format == Format::Human {
        let shown: Vec<Diagnostic> = diags
            .iter()
            .chain(&oversized)
            .chain(&findings)
            .cloned()
            .collect();
        print_diagnostics(&shown, &sources, Format::Human, color);
        // A hand edit can put a secret in a generated file: the diff does not show it (CI
        // logs keep what `check` prints), as diagnostics of the configuration do not.
        let texts: String = differences
            .iter()
            .map(|d| crate::policy::secret_scan::hide_prose(&d.text()).into_owned())
            .collect();
        out(&texts);
    } else {
        // One document: the configuration's diagnostics, the HCL findings, the stale files.
        let stale: Vec<Diagnostic> = differences
            .iter()
            .map(|d| stale_diagnostic(d, &mut sources))
            .collect();
        let all: Vec<Diagnostic> = diags
            .iter()
            .chain(&oversized)
            .chain(&findings)
            .cloned()
            .chain(stale)
            .collect();
        print_diagnostics(&all, &sources, format, color);
    }
    // A status line, on stderr: stdout carries only diffs and machine-readable findings.
    if differences.is_empty() {
        if findings.is_empty() {
            err(&format!(
                "generated tree is up to date ({file_count} files)\n"
            ));
        } else {
            err(&format!(
                "generated tree matches the configuration ({} files), but {} finding(s) above \
                 say it would not work\n",
                file_count,
                findings.len()
            ));
        }
    } else {
        err(&stale_summary(&differences));
    }
    if !findings.is_empty() {
        EXIT_INVALID
    } else if differences.is_empty() {
        0
    } else {
        EXIT_STALE
    }
}

/// A stale file as a diagnostic of the machine formats (`--format json|github`), its path
/// added to `sources`.
fn stale_diagnostic(d: &write::Difference, sources: &mut SourceMap) -> Diagnostic {
    // A refusal's message is `generate`'s: what is wrong, then the fix on its second line.
    if let Some((message, fix)) = d
        .message
        .split_once('\n')
        .filter(|_| d.kind == write::DifferenceKind::Refused)
    {
        return Diagnostic::error(d.kind.code(), message)
            .at(sources.intern(&d.path), None)
            .expected("a tree `tofugen generate` accepts to regenerate")
            .help(fix);
    }
    let help = if d.kind.needs_force() {
        "move any change into the configuration, then run `tofugen generate --force`"
    } else if d.kind.fixed_by_generate() {
        "run `tofugen generate`, review and commit"
    } else {
        "move or delete it by hand: tofugen never deletes what it did not write"
    };
    Diagnostic::error(d.kind.code(), d.message.clone())
        .at(sources.intern(&d.path), None)
        .expected("the file as `tofugen generate` writes it")
        .help(help)
}

/// The closing line of a stale `check`: how many files, and what resolves them.
fn stale_summary(differences: &[write::Difference]) -> String {
    // A refusal's message ends with its fix, on a line of its own. Nothing can be regenerated
    // until it is resolved, and the other differences are what this tofugen and this
    // configuration would write: the refusal's fix is the advice.
    if let Some(refused) = differences
        .iter()
        .find(|d| d.kind == write::DifferenceKind::Refused)
    {
        let fix = refused.message.split_once('\n').map_or("", |(_, fix)| fix);
        return format!(
            "`tofugen generate` refuses this tree as it is ({} above): {fix}; the other \
             differences above are what this tofugen and this configuration would write\n",
            write::MANIFEST_PATH
        );
    }
    let forced = differences.iter().filter(|d| d.kind.needs_force()).count();
    let by_hand = differences
        .iter()
        .filter(|d| !d.kind.fixed_by_generate())
        .count();
    let plain = differences.len() - forced - by_hand;
    // Counted as `generate` counts what it writes: the manifest apart (sweep 38, R8: `check`
    // said 5 files were out of date, the `generate` that followed "4 written").
    let manifest = differences.iter().any(|d| {
        d.path == write::MANIFEST_PATH && d.kind.fixed_by_generate() && !d.kind.needs_force()
    });
    let plain = plain - usize::from(manifest);
    let mut parts = Vec::new();
    if plain > 0 {
        let and_manifest = if manifest { " (and the manifest)" } else { "" };
        parts.push(format!(
            "{plain} file(s){and_manifest} are out of date: run `tofugen generate`, review and \
             commit"
        ));
    } else if manifest {
        parts.push(
            "the manifest is out of date: run `tofugen generate`, review and commit".to_string(),
        );
    }
    if forced > 0 {
        parts.push(format!(
            "{forced} file(s) were edited by hand or not written by tofugen: move the changes \
             into the configuration, then run `tofugen generate --force` to overwrite them"
        ));
    }
    if by_hand > 0 {
        parts.push(format!(
            "{by_hand} file(s) must be moved or deleted by hand (tofugen never deletes what it \
             did not write)"
        ));
    }
    format!("{}\n", parts.join("; "))
}

fn affected(
    cli: &Cli,
    max_bytes: usize,
    head: &Compilation,
    base_config: &Path,
    base: Result<Option<Option<Compilation>>, String>,
    changed_paths: Option<&Path>,
    modules_changed: bool,
) -> u8 {
    let read = |path: &Path| load::read_regular(path, MAX_CHANGED_PATHS_BYTES, true);
    let changed = match changed_paths.map(read).transpose() {
        Ok(bytes) => crate::affected::parse_changed_paths(&String::from_utf8_lossy(
            bytes.as_deref().unwrap_or_default(),
        )),
        Err(e) => {
            let path = changed_paths
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let why = match &e {
                load::ReadError::Io(io) => io.to_string(),
                other => format!("it {other}"),
            };
            err(&format!(
                "error: cannot read --changed-paths `{}`: {why}; pass a regular file (one \
                 changed path per line)\n",
                path.escape_debug()
            ));
            return EXIT_USAGE;
        }
    };
    let compiled;
    let base: Option<&Compilation> = match base {
        Ok(Some(base)) => {
            compiled = base;
            compiled.as_ref()
        }
        // The base has the head's bytes (the head compiled without errors, so it is not blank).
        Ok(None) => Some(head),
        Err(e) => {
            err(&format!(
                "note: cannot read {}: {e}; every environment is affected\n",
                base_config.display()
            ));
            None
        }
    };
    if base.is_some_and(Compilation::has_errors) {
        err("note: the base configuration is invalid: every environment is affected\n");
    }
    let envs = crate::affected::affected(base, head, &changed, modules_changed, max_bytes);
    for env in &envs {
        err(&format!("{}: {}\n", env.name, env.reasons.join("; ")));
    }
    // Nothing plans a removed environment: say what removing it leaves behind (a pull request
    // removing one planned nothing, in silence). These warnings are diagnostics in `--format`:
    // the pull request workflow asks for `github`, so that they are annotations on the pull
    // request, not lines in a green job's log (sweep 39, #2).
    let removed = crate::affected::removed(base, head).into_iter().map(|name| {
        Diagnostic::warning(
            "environment-removed",
            format!(
                "environment `{name}` is removed: no plan shows it, and its Scaleway resources stay until destroyed by hand (tofugen runbook environment-retire)"
            ),
        )
        .at(
            head.file,
            head.tree
                .as_ref()
                .and_then(|t| t.entry("environments"))
                .map(|(k, _)| k.span),
        )
        .expected("every environment whose resources exist in the configuration")
        .help("retire the environment as the runbook says, or restore it")
    });
    let unsafe_changes =
        crate::affected::unsafe_changes(base, head)
            .into_iter()
            .map(|(warning, span)| {
                Diagnostic::warning("unsafe-change", warning)
                    .at(head.file, span)
                    .expected("a change that the pull request's plans show")
                    .help(
                        "make sure the reviewers see this warning: no plan or data guard stops it",
                    )
            });
    let warnings: Vec<Diagnostic> = removed.chain(unsafe_changes).collect();
    if !warnings.is_empty() {
        // The lines they show, masked as every diagnostic's are.
        let mut sources = head.sources.clone();
        if let Some(text) = sources.text_mut(head.file) {
            crate::pipeline::mask_shown_lines(text, &warnings);
        }
        // On stderr in every format: stdout is the plan matrix (GitHub reads workflow
        // commands on both).
        print_diagnostics_on(&warnings, &sources, cli.format, use_color(cli.color), false);
    }
    let json = crate::affected::to_json(&envs);
    out_raw(format!("{}\n", diagnostics::json_for_terminal(&json)).as_bytes());
    0
}

fn unknown_environment(cli: &Cli, compilation: &Compilation, name: &str) -> u8 {
    let names: Vec<&str> = compilation
        .resolved
        .iter()
        .flat_map(|r| r.environments.iter().map(|e| e.name.as_str()))
        .collect();
    let mut d = Diagnostic::error(
        "unknown-environment",
        format!("no environment named `{name}`"),
    )
    .at(compilation.file, None)
    .expected(format!("one of: {}", names.join(", ")));
    if let Some(s) = diagnostics::did_you_mean(name, names.iter().copied()) {
        d = d.help(format!("did you mean `{s}`?"));
    }
    print_diagnostics(&[d], &compilation.sources, cli.format, use_color(cli.color));
    EXIT_USAGE
}

/// An error when `modules.path` names no directory under the repository root `root`, or one
/// without every module of tofugen's library (`<path>/<module>/*.tf`): an empty directory
/// passed, and `generate` wrote roots calling modules that do not exist (sweep 33); then one
/// holding only the three modules the bootstrap root calls passed `generate` and `validate`,
/// and `tofu init` failed on the roots' calls of the others (sweep 27, F4). The roots call most
/// of the library, the rest by configuration (a database, backups): the directory holds it all,
/// as a copy of `generated/modules/` does. `generate` and `validate` report this, and `check`
/// reports it instead of each call (the calls' interfaces are proved by `check` only).
/// `listing` is the directory's one walk ([`crate::modules::list_own`]): a symlink there is an
/// error too (sweep 28, F2).
fn missing_modules_dir(
    compilation: &Compilation,
    root: &Path,
    (path, span): (&str, Option<diagnostics::Span>),
    listing: &crate::modules::Listing,
) -> Option<Diagnostic> {
    use crate::modules::Listing;
    let dir = root.join(path);
    let has_tf = |module: &str| {
        std::fs::read_dir(dir.join(module)).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                e.file_type().is_ok_and(|t| t.is_file())
                    && e.file_name().to_string_lossy().ends_with(".tf")
            })
        })
    };
    let message = if !dir.is_dir() {
        format!(
            "`modules.path` names `{path}`, which is not a directory of this repository: the generated roots would call modules that do not exist"
        )
    } else if let Listing::Symlink(link) = listing {
        format!(
            "`modules.path` names `{path}`, and `{link}` is a symlink: OpenTofu would read modules from where it points, and a change there is not a change under `{path}/`, so `tofugen affected` would plan no environment for it"
        )
    } else {
        let missing: Vec<String> = crate::modules::names()
            .into_iter()
            .filter(|m| match listing {
                Listing::Complete(own) => !own.with_tf.contains(*m),
                _ => !has_tf(m),
            })
            .map(|m| format!("`{path}/{m}`"))
            .collect();
        if missing.is_empty() {
            return None;
        }
        format!(
            "`modules.path` names `{path}`, which lacks modules of tofugen's library ({}): the generated roots would call modules that do not exist",
            missing.join(", ")
        )
    };
    Some(
        Diagnostic::error("modules-path", message)
        .at(compilation.file, span)
        .expected("a directory under the repository root holding the modules (`<path>/<name>/*.tf`)")
        .help("remove `modules:` to have tofugen vendor its module library into generated/modules/, or copy every module of generated/modules/ there (a `generate` without `modules:` writes them)"),
    )
}

/// `modules.path` and its position: the resolved one, or, when the configuration has other
/// errors, the tree's, if it is a string no error points into (the schema's pattern holds it
/// under the repository: no `..`, no leading `/`).
fn modules_path_of(compilation: &Compilation) -> Option<(String, Option<diagnostics::Span>)> {
    let node = compilation
        .tree
        .as_ref()
        .and_then(|t| t.get("modules"))
        .and_then(|m| m.get("path"));
    let span = node.map(|n| n.span);
    if let Some(resolved) = &compilation.resolved {
        return resolved.modules_path.clone().map(|p| (p, span));
    }
    let node = node?;
    let crate::load::NodeKind::Str(path) = &node.kind else {
        return None;
    };
    let flagged = compilation.diagnostics.iter().any(|d| {
        d.level == diagnostics::Level::Error
            && d.span.is_some_and(|s| {
                s.start < node.span.end.max(node.span.start + 1)
                    && node.span.start < s.end.max(s.start + 1)
            })
    });
    let schema_ok =
        schema_check::domains::find("repository-dir").is_some_and(|d| d.validate(path).is_ok());
    (!flagged && schema_ok).then(|| (path.clone(), span))
}

/// An error when `ci.tofugen.install: source` is set in a repository that is not tofugen's
/// (no `Cargo.toml` of package `tofugen` and no `Cargo.lock` at the root `root`): the generated
/// workflows run `cargo build --locked --release --bin tofugen` there, which would fail in every
/// job (sweep 27, F7: `validate` and `generate` passed in a plain infrastructure repository).
fn no_tofugen_sources(compilation: &Compilation, root: &Path) -> Option<Diagnostic> {
    let resolved = compilation.resolved.as_ref()?;
    if resolved.ci.tofugen.install != crate::model::InstallMethod::Source {
        return None;
    }
    let manifest = load::read_regular(&root.join("Cargo.toml"), 1 << 20, true).ok();
    // The `name` of the `[package]` table (not a `[[bin]]`'s or a dependency's: sweep 28, W2).
    let is_tofugen = manifest.as_deref().is_some_and(|m| {
        let mut in_package = false;
        String::from_utf8_lossy(m)
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").replace([' ', '\t'], ""))
            .any(|l| {
                if l.starts_with('[') {
                    in_package = l == "[package]";
                    return false;
                }
                in_package && l == "name=\"tofugen\""
            })
    });
    let locked = root.join("Cargo.lock").is_file();
    if is_tofugen && locked {
        return None;
    }
    let what = match (manifest.is_some(), is_tofugen) {
        (false, _) => "has no `Cargo.toml`",
        (true, false) => "has a `Cargo.toml` of another package than `tofugen`",
        (true, true) => "has no `Cargo.lock` (the build is `--locked`)",
    };
    let span = compilation
        .tree
        .as_ref()
        .and_then(|t| t.get("ci"))
        .and_then(|c| c.get("tofugen"))
        .and_then(|t| t.get("install"))
        .map(|n| n.span);
    Some(
        Diagnostic::error(
            "tofugen-source",
            format!(
                "`ci.tofugen.install: source` builds tofugen from this repository, which {what}: every generated workflow would fail at `cargo build --locked --release --bin tofugen`"
            ),
        )
        .at(compilation.file, span)
        .expected("tofugen's own repository (its `Cargo.toml` and `Cargo.lock` at the root)")
        .help("remove `install: source` to install the version that generated the tree from crates.io, or use `install: git` with `git:` and `rev:`"),
    )
}

fn explain(cli: &Cli, compilation: &Compilation, env: &str, service: Option<&str>) -> u8 {
    let Some(resolved) = &compilation.resolved else {
        return EXIT_INVALID;
    };
    let Some(e) = resolved.environment(env) else {
        return unknown_environment(cli, compilation, env);
    };
    if let Some(s) = service
        && e.service(s).is_none()
    {
        let names: Vec<&str> = e.services.iter().map(|s| s.name.as_str()).collect();
        // Written in the file but not deployed here: disabled (`enabled: false`), not unknown
        // (sweep 38b R4: "has no service named `docs`" of a service the file declares).
        let tree = compilation.tree.as_ref();
        let written = tree.is_some_and(|t| {
            t.get("defaults")
                .into_iter()
                .chain(t.get("environments").and_then(|envs| envs.get(env)))
                .filter_map(|n| n.get("services"))
                .any(|services| services.get(s).is_some())
        });
        let message = if written {
            format!(
                "service `{s}` is disabled in environment `{env}` (`enabled: false`): it is not deployed there"
            )
        } else {
            format!("environment `{env}` has no service named `{s}`")
        };
        let mut d = Diagnostic::error("unknown-service", message)
            .at(compilation.file, None)
            .expected(format!("one of: {}", names.join(", ")));
        if written {
            d = d.help(format!(
                "`tofugen explain {env}` shows the environment; set `enabled: true` for `{s}` to deploy it there"
            ));
        } else if let Some(m) = diagnostics::did_you_mean(s, names.iter().copied()) {
            d = d.help(format!("did you mean `{m}`?"));
        }
        print_diagnostics(&[d], &compilation.sources, cli.format, use_color(cli.color));
        return EXIT_USAGE;
    }
    let name = cli
        .config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out(&without_secrets(
        compilation,
        report::explain(resolved, e, &name, service),
    ));
    0
}

/// `text` with every value the configuration's secret scan flags (TG012's, whatever the rule's
/// level) masked as the diagnostics mask them: `explain` and `diff` print values, and with
/// TG012 lowered to a warning they printed the token it had just masked (sweep 38, F3).
fn without_secrets(compilation: &Compilation, mut text: String) -> String {
    use crate::policy::secret_scan;
    let Some(tree) = &compilation.tree else {
        return text;
    };
    let secrets = secret_scan::not_public(secret_scan::secrets_in(tree), tree);
    if secrets.is_empty() {
        return text;
    }
    secret_scan::redact_text(&mut text, &secrets);
    text
}

fn diff(cli: &Cli, compilation: &Compilation, a: &str, b: &str) -> u8 {
    let Some(resolved) = &compilation.resolved else {
        return EXIT_INVALID;
    };
    let Some(ea) = resolved.environment(a) else {
        return unknown_environment(cli, compilation, a);
    };
    let Some(eb) = resolved.environment(b) else {
        return unknown_environment(cli, compilation, b);
    };
    let name = cli
        .config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out(&without_secrets(
        compilation,
        report::diff(resolved, ea, eb, &name),
    ));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_command_finds_codes_names_and_refuses_others() {
        assert_eq!(rules(None, false), 0);
        assert_eq!(rules(None, true), 0);
        assert_eq!(rules(Some("TG012"), false), 0);
        assert_eq!(rules(Some("plaintext-secret"), false), 0);
        assert_eq!(rules(Some("TG021"), false), 0);
        assert_eq!(rules(Some("TG999"), false), EXIT_USAGE);
    }
}

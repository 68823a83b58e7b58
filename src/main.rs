//! The `communique` command line: parse arguments, call the library, map results to exit codes.

// Diagnostics are returned by value on cold paths only (as in the library).
#![allow(clippy::result_large_err)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

/// mimalloc: a build allocates and frees millions of small strings across threads; glibc's
/// allocator spends a measurable share of the build on that (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use communique::{BuildError, BuildOptions, Diagnostic, Diagnostics, SiteDirs};

/// A static site generator for policy briefs.
#[derive(Parser)]
#[command(name = "communique", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Site root folder (default: the current folder). `init`'s folder is relative to it.
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Configuration file (default: communique.toml in the root).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (stage timings; each object `deploy` uploads, deletes or keeps).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Args)]
struct SiteArgs {
    /// Replace the configured base URL.
    #[arg(long)]
    base_url: Option<String>,
    /// Include drafts.
    #[arg(long)]
    drafts: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    #[command(
        after_help = "Example:\n  communique build --output-dir public --base-url https://briefs.example.org"
    )]
    Build {
        /// Output folder (relative to the root).
        #[arg(long, default_value = "public")]
        output_dir: PathBuf,
        /// Build into a non-empty folder communique did not create, replacing files at paths
        /// the site produces; files communique did not write are still never deleted.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Check the site: everything `build` does except writing, then every link, anchor and
    /// asset of every page; report every problem.
    #[command(
        after_help = "Examples:\n  communique check --drafts\n  communique check --format json > check.json\n  communique check --format github --external"
    )]
    Check {
        /// How to print what is found: `text` for people, `json` for CI (see docs/content.md),
        /// `github` for GitHub Actions annotations on the pull request.
        #[arg(long, value_parser = ["text", "json", "github"], default_value = "text")]
        format: String,
        /// Also check links to other sites (see `[check]` in communique.toml).
        #[arg(long)]
        external: bool,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Write a new draft brief with complete front matter.
    #[command(after_help = "Example:\n  communique new briefs/ceasefire-talks")]
    New {
        /// Section and slug, e.g. briefs/ceasefire-talks.
        path: String,
    },
    /// Create a new site that builds as it is, using the built-in theme.
    #[command(
        after_help = "Example:\n  communique init my-briefs && cd my-briefs && communique build"
    )]
    Init {
        /// Folder to create (relative to --root; default: the root itself).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Copy the built-in theme into templates/ and static/ to edit it (the copies then no
        /// longer follow fixes to the built-in theme).
        #[arg(long)]
        eject_theme: bool,
    },
    /// List the site's templates and theme files: which are the site's and which are built in.
    #[command(after_help = "Example:\n  communique theme")]
    Theme,
    /// Make a new site from a Hugo or Zola site, which is only read; report what was not converted.
    #[command(
        after_help = "Example:\n  communique import hugo ../old-site my-briefs && cd my-briefs && communique build"
    )]
    Import {
        /// The kind of site to import.
        #[arg(value_parser = ["hugo", "zola"])]
        from: String,
        /// The folder of the site to import.
        src: PathBuf,
        /// The folder to create (new or empty).
        new_site: PathBuf,
    },
    /// Serve the site locally, rebuild on changes and reload the browser.
    #[command(after_help = "Example:\n  communique serve --port 1111 --open")]
    Serve {
        /// Interface to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        interface: String,
        /// Port to listen on.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Also answer requests for this host name (repeatable); by default only localhost,
        /// 127.0.0.1, [::1] and the --interface address are answered.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_host: Vec<String>,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Upload the site to S3-compatible object storage: only new and changed files; delete what
    /// is gone. Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws.
    #[command(
        after_help = "Example:\n  communique deploy s3://briefs-site/policy --endpoint https://ACCOUNT.r2.cloudflarestorage.com --dry-run"
    )]
    Deploy(DeployArgs),
}

#[derive(Args)]
struct DeployArgs {
    /// s3://BUCKET[/PREFIX] (default: target under [deploy] in communique.toml).
    target: Option<String>,
    /// Endpoint URL of an S3-compatible service (R2, MinIO, …).
    #[arg(long)]
    endpoint: Option<String>,
    /// Region (default: [deploy] region, AWS_REGION, the profile's, or us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// List what would be uploaded and deleted; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep objects under the prefix that the site no longer has.
    #[arg(long)]
    no_delete: bool,
    /// Deploy this already built folder instead of building the site into public/ first.
    #[arg(long)]
    output_dir: Option<PathBuf>,
    #[command(flatten)]
    site: SiteArgs,
}

/// Prints messages and diagnostics. Standard output closing early (`communique theme | head -1`)
/// is not an error: the first failed write is remembered, later ones are skipped, and `main`
/// exits quietly.
struct Reporter {
    colour: bool,
    quiet: bool,
    verbose: bool,
    closed: std::sync::atomic::AtomicBool,
}

impl communique::serve::Console for Reporter {
    fn info(&self, message: &str) {
        Reporter::info(self, message);
    }

    fn diagnostics(&self, diagnostics: &Diagnostics) {
        Reporter::diagnostics(self, diagnostics);
    }
}

impl Reporter {
    fn diagnostics(&self, diagnostics: &Diagnostics) {
        let mut err = std::io::stderr().lock();
        for d in diagnostics.iter() {
            if self.quiet && !d.is_error() {
                continue;
            }
            // Nowhere left to report a failure to write to standard error.
            let _ = writeln!(err, "{}\n", d.render_terminal(self.colour));
        }
    }

    /// Prints a line on standard output unless `--quiet`.
    fn info(&self, message: &str) {
        if !self.quiet {
            self.say(message);
        }
    }

    /// Prints a line on standard output; after the reader has gone, nothing.
    fn say(&self, message: &str) {
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        if writeln!(std::io::stdout().lock(), "{message}").is_err() {
            self.closed.store(true, Ordering::Relaxed);
        }
    }

    /// Prints `message` and a closing count on standard error.
    fn error(&self, diagnostics: &Diagnostics, written: &str) {
        self.diagnostics(diagnostics);
        let n = diagnostics.error_count();
        let plural = if n == 1 { "" } else { "s" };
        if written.is_empty() {
            eprintln!("{n} error{plural} found");
        } else {
            eprintln!("{n} error{plural} found; {written}");
        }
    }
}

fn today() -> String {
    jiff::ZonedDateTime::now().date().to_string()
}

/// Why a command failed, and so its exit code.
enum Failure {
    /// Problems in the site (exit 1); `written` says what happened to the files.
    Site {
        diagnostics: Diagnostics,
        written: &'static str,
    },
    /// The preview server stopped (exit 1).
    Serve(Diagnostics),
    /// The command cannot run here: no such root, not a site (exit 2, like clap's usage errors).
    Usage(Diagnostic),
    /// Problems already printed in the format asked for (`check --format json`; exit 1).
    Reported,
}

impl Failure {
    fn site(diagnostics: impl Into<Diagnostics>) -> Failure {
        Failure::Site {
            diagnostics: diagnostics.into(),
            written: NOTHING_WRITTEN,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let reporter = Arc::new(Reporter {
        colour,
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
        closed: false.into(),
    });
    match run(cli, reporter.clone()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Site {
            diagnostics,
            written,
        }) => {
            reporter.error(&diagnostics, written);
            ExitCode::from(1)
        }
        Err(Failure::Serve(diagnostics)) => {
            // The server's reporter may be quiet; why it stopped is always shown.
            let loud = Reporter {
                quiet: false,
                verbose: false,
                closed: false.into(),
                ..*reporter
            };
            loud.error(&diagnostics, NOTHING_WRITTEN);
            ExitCode::from(1)
        }
        Err(Failure::Usage(diagnostic)) => {
            reporter.error(&diagnostic.into(), "");
            ExitCode::from(2)
        }
        Err(Failure::Reported) => ExitCode::from(1),
    }
}

/// Runs one command.
fn run(cli: Cli, reporter: Arc<Reporter>) -> Result<(), Failure> {
    let root = cli
        .global
        .root
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    existing_root(&root).map_err(Failure::Usage)?;
    let dirs = SiteDirs::new(&root, cli.global.config.clone());
    if let Command::Init { dir, eject_theme } = cli.command {
        // `init`'s folder is relative to --root when one is given.
        let dir = match &cli.global.root {
            Some(root) => root.join(dir),
            None => dir,
        };
        return init(&reporter, &dir, eject_theme);
    }
    if let Command::Import {
        from,
        src,
        new_site,
    } = cli.command
    {
        return import(&reporter, &from, &src, &new_site);
    }
    in_a_site(&dirs, cli.global.config.is_some()).map_err(Failure::Usage)?;
    site_command(cli.command, dirs, reporter)
}

/// The commands that work on an existing site.
fn site_command(command: Command, dirs: SiteDirs, reporter: Arc<Reporter>) -> Result<(), Failure> {
    match command {
        Command::Build {
            output_dir,
            force,
            site,
        } => build(&reporter, &dirs, &options(&site), &output_dir, force),
        Command::Check {
            format,
            external,
            site,
        } => {
            let check_options = communique::check::CheckOptions {
                external,
                external_settings: None,
            };
            check(&reporter, &dirs, &options(&site), &check_options, &format)
        }
        Command::New { path } => new(&reporter, &dirs, &path),
        Command::Theme => theme(&reporter, &dirs),
        Command::Serve {
            interface,
            port,
            open,
            allow_host,
            site,
        } => {
            let options = communique::serve::ServeOptions {
                interface,
                port,
                open,
                allowed_hosts: allow_host,
                limits: communique::serve::server::Limits::from_environment(),
                build: options(&site),
            };
            communique::serve::serve(dirs, options, reporter).map_err(|d| Failure::Serve(d.into()))
        }
        Command::Deploy(args) => deploy(&reporter, &dirs, &args),
        // Need no site; `run` handles them.
        Command::Init { .. } | Command::Import { .. } => Ok(()),
    }
}

fn options(site: &SiteArgs) -> BuildOptions {
    BuildOptions {
        drafts: site.drafts,
        base_url: site.base_url.clone(),
        now: None,
        keep_going: false,
    }
}

/// `--root` must name an existing folder (whatever the command).
fn existing_root(root: &Path) -> Result<(), Diagnostic> {
    if root.is_dir() {
        return Ok(());
    }
    let what = if root.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(
        Diagnostic::error(format!("the site root {} {what}", shown(root)))
            .hint("pass --root the folder of a site (one with communique.toml), or create one with `communique init my-briefs`"),
    )
}

/// Commands other than `init` run in a site: a folder with its configuration file.
fn in_a_site(dirs: &SiteDirs, config_given: bool) -> Result<(), Diagnostic> {
    if dirs.config_file.exists() {
        return Ok(());
    }
    if config_given {
        return Err(Diagnostic::error(format!(
            "the configuration file {} does not exist",
            shown(&dirs.config_file)
        ))
        .hint("pass --config an existing file, or leave it out to use communique.toml in the site root"));
    }
    Err(Diagnostic::error(format!(
        "{} is not a communique site: it has no communique.toml",
        shown(&dirs.root)
    ))
    .hint("run communique in a site's folder or pass --root SITE; to start a new site, run `communique init my-briefs`"))
}

/// A path as the user knows it: absolute, so `.` is named.
fn shown(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn build(
    reporter: &Reporter,
    dirs: &SiteDirs,
    options: &BuildOptions,
    output_dir: &Path,
    force: bool,
) -> Result<(), Failure> {
    let output = dirs.root.join(output_dir);
    let write = communique::output::WriteOptions { force };
    let report = match communique::build_with(dirs, options, &output, &write) {
        Ok(report) => report,
        // Completing an interrupted earlier build, if that happened, is among the
        // diagnostics; this build wrote nothing.
        Err(BuildError::Site(diagnostics)) => return Err(Failure::site(diagnostics)),
        // The message itself says what state the output is in.
        Err(BuildError::Output(d)) => {
            return Err(Failure::Site {
                diagnostics: d.into(),
                written: "",
            });
        }
    };
    reporter.diagnostics(&report.warnings);
    reporter.info(&format!(
        "built {} briefs, {} files ({} written, {} unchanged, {} removed) into {} in {} ms",
        report.pages,
        report.files,
        report.write.written,
        report.write.unchanged,
        report.write.removed,
        output.display(),
        report.elapsed.as_millis()
    ));
    if reporter.verbose {
        let t = &report.timings;
        reporter.say(&format!(
            "  read+parse {} ms, markdown+model {} ms, templates+write {} ms",
            t.load.as_millis(),
            t.model.as_millis(),
            t.render.as_millis()
        ));
    }
    let pdfs = report.pdfs;
    if pdfs.typeset + pdfs.reused + report.pdf_failures.error_count() > 0 {
        reporter.info(&format!(
            "PDFs: {} typeset, {} unchanged (from .communique-cache/pdf), {} failed",
            pdfs.typeset,
            pdfs.reused,
            report.pdf_failures.error_count()
        ));
    }
    if !report.pdf_failures.is_empty() {
        return Err(Failure::Site {
            diagnostics: report.pdf_failures,
            written: "the site was written, with the pages of these briefs but not their PDFs",
        });
    }
    Ok(())
}

fn check(
    reporter: &Reporter,
    dirs: &SiteDirs,
    options: &BuildOptions,
    check_options: &communique::check::CheckOptions,
    format: &str,
) -> Result<(), Failure> {
    use communique::check::report;
    let report = communique::check::run(dirs, options, check_options);
    // Machine formats go to standard output whole, and the exit code says whether it passed.
    let machine = match format {
        "json" => Some(report::json(&report) + "\n"),
        "github" => Some(report::github(&report)),
        _ => None,
    };
    if let Some(text) = machine {
        reporter.say(text.trim_end_matches('\n'));
        return match report.has_errors() {
            true => Err(Failure::Reported),
            false => Ok(()),
        };
    }
    if report.has_errors() {
        return Err(Failure::site(report.diagnostics()));
    }
    reporter.diagnostics(&report.diagnostics());
    if reporter.verbose {
        reporter.say(&format!(
            "  {} ms in all, of which the audit of the output {} ms",
            report.elapsed.as_millis(),
            report.audit.as_millis()
        ));
    }
    if report.external_checked > 0 {
        reporter.info(&format!(
            "external links: {} checked",
            report.external_checked
        ));
    }
    reporter.info(&format!(
        "ok: {} briefs, {} files, no errors",
        report.pages, report.files
    ));
    if !report.upcoming.is_empty() {
        reporter.info(&format!(
            "upcoming (under embargo, not in the build): {}",
            report.upcoming.len()
        ));
    }
    for upcoming in &report.upcoming {
        reporter.info(&format!(
            "  {}  {}  \"{}\"",
            upcoming.publish_date.rfc3339(),
            upcoming.display_path.display(),
            upcoming.title
        ));
    }
    Ok(())
}

fn new(reporter: &Reporter, dirs: &SiteDirs, path: &str) -> Result<(), Failure> {
    // The new brief gets one list per configured taxonomy; a config with errors is reported
    // rather than guessed around.
    let config = communique::load_config(dirs, &BuildOptions::default()).map_err(Failure::site)?;
    let file = communique::scaffold::new_brief(&dirs.content(), path, &today(), &config.taxonomies)
        .map_err(Failure::site)?;
    reporter.info(&format!(
        "created {} (a draft: build with --drafts to see it)",
        file.display()
    ));
    Ok(())
}

fn init(reporter: &Reporter, dir: &Path, eject_theme: bool) -> Result<(), Failure> {
    let options = communique::scaffold::InitOptions { eject_theme };
    communique::scaffold::init(dir, &today(), options).map_err(Failure::site)?;
    let theme = if eject_theme {
        "with a copy of the built-in theme in templates/ and static/"
    } else {
        "using the built-in theme (see `communique theme`)"
    };
    reporter.info(&format!(
        "created a new site in {0}, {theme}\nnext: cd {0} && communique serve",
        dir.display()
    ));
    Ok(())
}

/// `communique import`: a new site from a Hugo or Zola site, which is only read.
fn import(reporter: &Reporter, from: &str, src: &Path, new_site: &Path) -> Result<(), Failure> {
    let report =
        communique::import::run(from, src, new_site, &today()).map_err(|d| Failure::Site {
            diagnostics: d.into(),
            written: "",
        })?;
    reporter.info(&report.to_markdown());
    Ok(())
}

fn theme(reporter: &Reporter, dirs: &SiteDirs) -> Result<(), Failure> {
    use communique::theme::Origin;
    let templates = communique::render::TemplateSet::load(&dirs.templates(), &dirs.root)
        .map_err(|es| Failure::site(Diagnostics(es)))?;
    reporter.diagnostics(&Diagnostics(templates.warnings.clone()));
    let static_dir = dirs.static_dir();
    let entries = communique::theme::entries(&templates, |name| static_dir.join(name).is_file());
    let width = entries.iter().map(|e| e.path.len()).max().unwrap_or(0);
    for entry in entries {
        let origin = match entry.origin {
            Origin::Site => "site",
            Origin::SiteExtendingBuiltin => "site, extends the built-in",
            Origin::Builtin => "built-in",
        };
        reporter.say(&format!("{:width$}  {origin}", entry.path));
    }
    Ok(())
}

const NOTHING_WRITTEN: &str = "nothing was written";

/// `communique deploy`: checks the target and credentials, builds afresh (unless
/// --output-dir), uploads.
fn deploy(reporter: &Reporter, dirs: &SiteDirs, args: &DeployArgs) -> Result<(), Failure> {
    let failed = |d: Diagnostic| Failure::Site {
        diagnostics: d.into(),
        written: "",
    };
    let build_options = options(&args.site);
    let config = communique::load_config(dirs, &build_options).map_err(Failure::site)?;
    let deploy_options = communique::deploy::DeployOptions {
        target: args.target.clone(),
        endpoint: args.endpoint.clone(),
        region: args.region.clone(),
        dry_run: args.dry_run,
        delete: !args.no_delete,
        progress: !reporter.quiet && std::io::stderr().is_terminal(),
    };
    let deployment =
        communique::deploy::Deployment::new(&config.deploy, &deploy_options).map_err(failed)?;
    let output = match &args.output_dir {
        Some(dir) => dirs.root.join(dir),
        None => {
            build(reporter, dirs, &build_options, Path::new("public"), false)?;
            dirs.root.join("public")
        }
    };
    let report = deployment.run(&output).map_err(failed)?;
    reporter.diagnostics(&report.warnings);
    for line in report.lines(reporter.verbose) {
        reporter.say(&line);
    }
    reporter.info(&report.summary());
    Ok(())
}

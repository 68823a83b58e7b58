//! The `communique` command line: parse arguments, call the library, map results to exit codes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// mimalloc: a build allocates and frees millions of small strings across threads; glibc's
/// allocator spends a measurable share of the build on that (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use communique::{BuildError, BuildOptions, Diagnostics, SiteDirs};

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
    /// Site root folder.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Configuration file (default: communique.toml in the root).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail (stage timings).
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
    /// Check the site: everything `build` does except writing; report every problem.
    #[command(after_help = "Example:\n  communique check --drafts")]
    Check {
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Write a new draft brief with complete front matter.
    #[command(after_help = "Example:\n  communique new briefs/ceasefire-talks")]
    New {
        /// Section and slug, e.g. briefs/ceasefire-talks.
        path: String,
    },
    /// Create a new site that builds as it is.
    #[command(
        after_help = "Example:\n  communique init my-briefs && cd my-briefs && communique build"
    )]
    Init {
        /// Folder to create.
        dir: PathBuf,
    },
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
}

struct Reporter {
    colour: bool,
    quiet: bool,
    verbose: bool,
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
        for d in diagnostics.iter() {
            if self.quiet && !d.is_error() {
                continue;
            }
            eprintln!("{}\n", d.render_terminal(self.colour));
        }
    }

    fn info(&self, message: &str) {
        if !self.quiet {
            println!("{message}");
        }
    }
}

fn today() -> String {
    jiff::ZonedDateTime::now().date().to_string()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let reporter = Reporter {
        colour,
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    };
    let dirs = SiteDirs::new(&cli.global.root, cli.global.config.clone());
    let options = |site: &SiteArgs| BuildOptions {
        drafts: site.drafts,
        base_url: site.base_url.clone(),
    };
    match cli.command {
        Command::Build {
            output_dir,
            force,
            site,
        } => {
            let output = if output_dir.is_absolute() {
                output_dir
            } else {
                dirs.root.join(output_dir)
            };
            let write = communique::output::WriteOptions { force };
            match communique::build_with(&dirs, &options(&site), &output, &write) {
                Ok(report) => {
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
                        println!(
                            "  read+parse {} ms, markdown+model {} ms, templates+write {} ms",
                            t.load.as_millis(),
                            t.model.as_millis(),
                            t.render.as_millis()
                        );
                    }
                    ExitCode::SUCCESS
                }
                // Completing an interrupted earlier build, if that happened, is among the
                // diagnostics; this build wrote nothing.
                Err(BuildError::Site(diagnostics)) => {
                    fail(&reporter, &diagnostics, NOTHING_WRITTEN)
                }
                // The message itself says what state the output is in.
                Err(BuildError::Output(d)) => fail(&reporter, &d.into(), ""),
            }
        }
        Command::Check { site } => match communique::check(&dirs, &options(&site)) {
            Ok(report) => {
                reporter.diagnostics(&report.warnings);
                reporter.info(&format!(
                    "ok: {} briefs, {} files, no errors",
                    report.pages, report.files
                ));
                ExitCode::SUCCESS
            }
            Err(diagnostics) => fail(&reporter, &diagnostics, NOTHING_WRITTEN),
        },
        Command::New { path } => {
            // The new brief gets one list per configured taxonomy (the defaults without a config).
            let taxonomies = communique::load_config(&dirs, &BuildOptions::default())
                .map(|c| c.taxonomies)
                .unwrap_or_else(|_| vec!["topics".to_string(), "actors".to_string()]);
            match communique::scaffold::new_brief(&dirs.content(), &path, &today(), &taxonomies) {
                Ok(file) => {
                    reporter.info(&format!(
                        "created {} (a draft: build with --drafts to see it)",
                        file.display()
                    ));
                    ExitCode::SUCCESS
                }
                Err(d) => fail(&reporter, &d.into(), NOTHING_WRITTEN),
            }
        }
        Command::Init { dir } => match communique::scaffold::init(&dir, &today()) {
            Ok(_) => {
                reporter.info(&format!(
                    "created a new site in {0}\nnext: cd {0} && communique serve",
                    dir.display()
                ));
                ExitCode::SUCCESS
            }
            Err(d) => fail(&reporter, &d.into(), NOTHING_WRITTEN),
        },
        Command::Import {
            from,
            src,
            new_site,
        } => match communique::import::run(&from, &src, &new_site, &today()) {
            Ok(report) => {
                reporter.info(&report.to_markdown());
                ExitCode::SUCCESS
            }
            Err(d) => fail(&reporter, &d.into(), ""),
        },
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
            match communique::serve::serve(dirs, options, std::sync::Arc::new(reporter)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(d) => {
                    let reporter = Reporter {
                        colour,
                        quiet: false,
                        verbose: false,
                    };
                    fail(&reporter, &d.into(), NOTHING_WRITTEN)
                }
            }
        }
    }
}

const NOTHING_WRITTEN: &str = "nothing was written";

/// Prints the diagnostics and a closing count, followed by `written` (what happened to the
/// files) when it is not empty.
fn fail(reporter: &Reporter, diagnostics: &Diagnostics, written: &str) -> ExitCode {
    reporter.diagnostics(diagnostics);
    let n = diagnostics.error_count();
    let plural = if n == 1 { "" } else { "s" };
    if written.is_empty() {
        eprintln!("{n} error{plural} found");
    } else {
        eprintln!("{n} error{plural} found; {written}");
    }
    ExitCode::from(1)
}

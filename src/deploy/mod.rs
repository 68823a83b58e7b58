//! `communique deploy`: publishes a built site to S3-compatible object storage (AWS S3,
//! Cloudflare R2, MinIO, Backblaze B2, Google Cloud Storage's S3 API).
//!
//! ```text
//! output folder -> plan (hash each file as it would be uploaded; list the prefix; compare)
//!               -> upload new and changed files (assets first, then pages and feeds)
//!               -> delete objects under the prefix that the site no longer has
//! ```
//!
//! Pages go up after the files they use, and deletions come last, so a reader never gets a
//! page whose stylesheet is not there yet. Credentials come only from the environment and the
//! AWS files ([`credentials`]); the `[deploy]` table refuses them ([`config`]).

pub mod config;
pub mod credentials;
pub mod headers;
pub mod plan;
pub mod target;
mod transfer;

use std::path::Path;

pub use config::DeployConfig;
pub use plan::Change;
pub use target::Target;

use crate::diagnostics::{Diagnostic, Diagnostics};
use plan::{LocalObject, Plan};
use transfer::{Bucket, Connection};

/// What the command line asked for; each `Option` falls back to `[deploy]`.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// `s3://BUCKET[/PREFIX]`.
    pub target: Option<String>,
    /// Endpoint URL of an S3-compatible service.
    pub endpoint: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// List what would change; change nothing.
    pub dry_run: bool,
    /// Delete objects under the prefix that the site no longer has.
    pub delete: bool,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

/// What a deploy did (or, in a dry run, would do). Paths are object keys.
#[derive(Debug, Clone, Default)]
pub struct DeployReport {
    /// The target, as `s3://BUCKET/PREFIX`.
    pub target: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Keys uploaded, with why.
    pub uploaded: Vec<(String, Change)>,
    /// Keys deleted.
    pub deleted: Vec<String>,
    /// Keys already up to date.
    pub unchanged: Vec<String>,
    /// Bytes uploaded.
    pub bytes: u64,
    /// Files not deployed (links).
    pub warnings: Diagnostics,
}

/// A deploy whose target, endpoint, credentials and cache rules were checked: made before the
/// build, so a deploy that cannot happen fails before building anything.
pub struct Deployment {
    target: Target,
    bucket: Bucket,
    rules: headers::CacheRules,
    compress: Option<config::Compression>,
    options: DeployOptions,
}

impl Deployment {
    /// Checks everything that needs no network: the target, the endpoint, credentials (from
    /// the environment and the AWS files) and the cache rules.
    pub fn new(config: &DeployConfig, options: &DeployOptions) -> Result<Deployment, Diagnostic> {
        let target = Target::parse(&target_text(config, options)?)?;
        let endpoint = options.endpoint.as_deref().or(config.endpoint.as_deref());
        if endpoint.is_some_and(config::endpoint_has_user_info) {
            return Err(config::credentials_refused(
                "the endpoint carries a user name or password",
            ));
        }
        let credentials = credentials::resolve(&|name| std::env::var(name).ok());
        check_credentials(&credentials)?;
        let connection = Connection {
            target: &target,
            endpoint,
            region: options.region.as_deref().or(config.region.as_deref()),
            credentials: &credentials,
        };
        Ok(Deployment {
            bucket: Bucket::connect(&connection)?,
            rules: headers::CacheRules::new(&config.cache)?,
            compress: config.compress,
            target,
            options: options.clone(),
        })
    }

    /// Deploys the built site in `output_dir`.
    pub fn run(&self, output_dir: &Path) -> Result<DeployReport, Diagnostic> {
        let (files, skipped) = plan::site_files(output_dir)?;
        let local = plan::describe(files, &self.rules, self.compress)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Diagnostic::error(format!("cannot start the network runtime: {e}")))?;
        let bucket = &self.bucket;
        let mut report = runtime.block_on(async {
            let remote = bucket.list().await?;
            let plan = Plan::new(local, &remote, self.options.delete);
            if self.options.dry_run {
                return Ok(dry_run_report(bucket, &plan));
            }
            apply(bucket, plan, self.compress, self.options.progress).await
        })?;
        report.target = self.target.to_string();
        report.warnings = Diagnostics(skipped);
        Ok(report)
    }
}

impl DeployReport {
    /// One line per object: uploads and deletions in a dry run or when `verbose`, and the
    /// unchanged objects too when `verbose`.
    pub fn lines(&self, verbose: bool) -> Vec<String> {
        let (upload, delete) = self.verbs();
        let mut lines = Vec::new();
        if self.dry_run || verbose {
            for (key, change) in &self.uploaded {
                let why = match change {
                    Change::New => "new",
                    Change::Changed => "changed",
                };
                lines.push(format!("{upload} {key} ({why})"));
            }
            lines.extend(self.deleted.iter().map(|key| format!("{delete} {key}")));
        }
        if verbose {
            lines.extend(self.unchanged.iter().map(|key| format!("unchanged {key}")));
        }
        lines
    }

    /// The closing line: counts and bytes.
    pub fn summary(&self) -> String {
        let (upload, delete) = if self.dry_run {
            ("to upload", "to delete")
        } else {
            self.verbs()
        };
        let counts = format!(
            "{} {upload}, {} {delete}, {} unchanged, {} bytes",
            self.uploaded.len(),
            self.deleted.len(),
            self.unchanged.len(),
            self.bytes
        );
        if self.dry_run {
            format!("dry run for {}: {counts}; nothing was changed", self.target)
        } else {
            format!("deployed to {}: {counts}", self.target)
        }
    }

    fn verbs(&self) -> (&'static str, &'static str) {
        if self.dry_run {
            ("would upload", "would delete")
        } else {
            ("uploaded", "deleted")
        }
    }
}

/// Deploys the built site in `output_dir` to the target.
pub fn deploy(
    output_dir: &Path,
    config: &DeployConfig,
    options: &DeployOptions,
) -> Result<DeployReport, Diagnostic> {
    Deployment::new(config, options)?.run(output_dir)
}

fn target_text(config: &DeployConfig, options: &DeployOptions) -> Result<String, Diagnostic> {
    options
        .target
        .clone()
        .or_else(|| config.target.clone())
        .ok_or_else(|| {
            Diagnostic::error("no deploy target given").hint(
                "pass one, e.g. `communique deploy s3://briefs-site/policy`, or set target = \"s3://…\" under [deploy] in communique.toml",
            )
        })
}

/// Refuses to start without credentials rather than let the client wait on an instance
/// metadata service that is not there; a container or web identity role is left to the client.
fn check_credentials(credentials: &credentials::Credentials) -> Result<(), Diagnostic> {
    let hint = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in ~/.aws/credentials (AWS_PROFILE picks a profile); never in communique.toml";
    match (&credentials.access_key_id, &credentials.secret_access_key) {
        (Some(_), Some(_)) => Ok(()),
        (Some(_), None) => Err(Diagnostic::error(format!(
            "an access key id but no secret access key was found in {}",
            credentials.source
        ))
        .hint(hint)),
        (None, _) => {
            let role = [
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
            ]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
            if role {
                Ok(())
            } else {
                Err(Diagnostic::error("no credentials for the bucket were found").hint(hint))
            }
        }
    }
}

fn dry_run_report(bucket: &Bucket, plan: &Plan) -> DeployReport {
    DeployReport {
        dry_run: true,
        uploaded: plan
            .uploads
            .iter()
            .map(|(o, c)| (bucket.key(&o.rel), *c))
            .collect(),
        deleted: plan.deletes.iter().map(|r| bucket.key(r)).collect(),
        unchanged: plan.unchanged.iter().map(|r| bucket.key(r)).collect(),
        bytes: plan.upload_bytes(),
        ..DeployReport::default()
    }
}

/// Whether a file is a page or feed, which goes up after the files it refers to.
fn is_page(object: &LocalObject) -> bool {
    object.content_type.starts_with("text/html") || object.content_type.contains("xml")
}

/// Uploads, then deletes; on failure, an error that says what the bucket now holds.
async fn apply(
    bucket: &Bucket,
    plan: Plan,
    compress: Option<config::Compression>,
    progress: bool,
) -> Result<DeployReport, Diagnostic> {
    let bar = progress_bar(plan.upload_bytes(), progress);
    let changes: std::collections::HashMap<String, Change> = plan
        .uploads
        .iter()
        .map(|(o, c)| (o.rel.clone(), *c))
        .collect();
    let (pages, assets): (Vec<LocalObject>, Vec<LocalObject>) =
        plan.uploads.into_iter().map(|(o, _)| o).partition(is_page);
    let total = pages.len() + assets.len();
    let mut uploaded = Vec::new();
    for batch in [&assets, &pages] {
        let (done, failed) = bucket.upload(batch, compress, &bar).await;
        uploaded.extend(done);
        if let Some((rel, why)) = failed {
            bar.finish_and_clear();
            let keys: Vec<String> = uploaded.iter().map(|r| bucket.key(r)).collect();
            return Err(upload_failed(&bucket.key(&rel), &why, &keys, total));
        }
    }
    bar.finish_and_clear();
    let (deleted, failed) = bucket.delete(&plan.deletes).await;
    if let Some((rel, why)) = failed {
        return Err(Diagnostic::error(format!(
            "could not delete {}: {why}",
            bucket.key(&rel)
        ))
        .hint(format!(
            "every changed file was uploaded ({total}); {} of {} old objects were deleted before the failure, the rest are still there; run the deploy again to finish",
            deleted.len(),
            plan.deletes.len()
        )));
    }
    let bytes = pages.iter().chain(&assets).map(|o| o.size).sum();
    Ok(DeployReport {
        uploaded: uploaded
            .iter()
            .map(|rel| {
                (
                    bucket.key(rel),
                    changes.get(rel).copied().unwrap_or(Change::New),
                )
            })
            .collect(),
        deleted: deleted.iter().map(|r| bucket.key(r)).collect(),
        unchanged: plan.unchanged.iter().map(|r| bucket.key(r)).collect(),
        bytes,
        ..DeployReport::default()
    })
}

/// The error for a failed upload: which object, and what the bucket holds now.
fn upload_failed(key: &str, why: &str, uploaded: &[String], total: usize) -> Diagnostic {
    const SHOWN: usize = 20;
    let mut names: Vec<String> = uploaded.iter().take(SHOWN).cloned().collect();
    if uploaded.len() > SHOWN {
        names.push(format!("and {} more", uploaded.len() - SHOWN));
    }
    let state = if uploaded.is_empty() {
        "nothing was uploaded".to_string()
    } else {
        format!(
            "{} of {total} changed files were uploaded before the failure ({})",
            uploaded.len(),
            names.join(", ")
        )
    };
    Diagnostic::error(format!("could not upload {key}: {why}")).hint(format!(
        "{state}; nothing was deleted, and every other object is as it was; run the deploy again: it uploads only what still differs"
    ))
}

fn progress_bar(bytes: u64, shown: bool) -> indicatif::ProgressBar {
    if !shown {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(bytes),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "uploading {bar:30} {bytes}/{total_bytes} {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_upload_says_what_the_bucket_holds() {
        let e = upload_failed("p/b.html", "connection reset", &[], 3);
        assert_eq!(e.message, "could not upload p/b.html: connection reset");
        let hint = e.hint.unwrap();
        assert!(
            hint.starts_with("nothing was uploaded; nothing was deleted"),
            "{hint}"
        );
        let done: Vec<String> = (0..25).map(|i| format!("p/{i}.css")).collect();
        let hint = upload_failed("p/x.html", "denied", &done, 30).hint.unwrap();
        assert!(
            hint.starts_with(
                "25 of 30 changed files were uploaded before the failure (p/0.css, p/1.css"
            ),
            "{hint}"
        );
        assert!(hint.contains("p/19.css, and 5 more)"), "{hint}");
        assert!(hint.contains("run the deploy again"), "{hint}");
    }

    #[test]
    fn report_lines_and_summary() {
        let report = DeployReport {
            target: "s3://b/p".into(),
            dry_run: true,
            uploaded: vec![("p/a.html".into(), Change::Changed)],
            deleted: vec!["p/old.html".into()],
            unchanged: vec!["p/style.css".into()],
            bytes: 12,
            ..DeployReport::default()
        };
        assert_eq!(
            report.lines(false),
            ["would upload p/a.html (changed)", "would delete p/old.html"]
        );
        assert_eq!(report.lines(true).len(), 3);
        assert_eq!(
            report.summary(),
            "dry run for s3://b/p: 1 to upload, 1 to delete, 1 unchanged, 12 bytes; nothing was changed"
        );
    }
}

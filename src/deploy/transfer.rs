//! Talking to the bucket: listing, bounded parallel uploads with a progress bar, deletions.
//! Request signing and retries are `object_store`'s.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, RetryConfig,
};

use super::config::Compression;
use super::credentials::Credentials;
use super::plan::{self, LocalObject, Remote};
use super::target::Target;
use crate::diagnostics::Diagnostic;

/// Uploads (and deletions) in flight at once.
pub const CONCURRENCY: usize = 8;

/// A connection to the target bucket.
pub struct Bucket {
    store: Arc<AmazonS3>,
    target: Target,
}

/// Where the bucket is and how to sign for it.
pub struct Connection<'a> {
    /// Bucket and prefix.
    pub target: &'a Target,
    /// Endpoint URL of an S3-compatible service; `None` for AWS.
    pub endpoint: Option<&'a str>,
    /// Region; `None`: the credentials' region, else `us-east-1`.
    pub region: Option<&'a str>,
    /// Credentials found in the environment or the AWS files.
    pub credentials: &'a Credentials,
}

impl Bucket {
    /// Configures the client (nothing is sent yet).
    pub fn connect(connection: &Connection) -> Result<Bucket, Diagnostic> {
        let target = connection.target;
        let credentials = connection.credentials;
        let region = connection
            .region
            .map(str::to_string)
            .or_else(|| credentials.region.clone())
            .unwrap_or_else(|| "us-east-1".to_string());
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&target.bucket)
            .with_region(region)
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            });
        if let Some(id) = &credentials.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &credentials.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &credentials.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = connection.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| {
            Diagnostic::error(format!("cannot set up the connection to {target}: {e}")).hint(
                "check --endpoint, --region and the credentials; nothing was uploaded or deleted",
            )
        })?;
        Ok(Bucket {
            store: Arc::new(store),
            target: target.clone(),
        })
    }

    /// Every object under the prefix, by site path, with its ETag.
    pub async fn list(&self) -> Result<Remote, Diagnostic> {
        let prefix =
            (!self.target.prefix.is_empty()).then(|| ObjectPath::from(self.target.prefix.as_str()));
        let objects: Vec<_> = self
            .store
            .list(prefix.as_ref())
            .map_ok(|meta| (meta.location.to_string(), meta.e_tag))
            .try_collect()
            .await
            .map_err(|e| {
                Diagnostic::error(format!("cannot list {}: {e}", self.target)).hint(
                    "check the bucket name, --endpoint, --region and the credentials; nothing was uploaded or deleted",
                )
            })?;
        Ok(plan::remote_from_listing(&self.target, objects))
    }

    /// Uploads `objects`, [`CONCURRENCY`] at a time, ticking `progress` by bytes. After a
    /// failure no new upload starts, and those in flight finish, so the site paths returned
    /// are exactly those uploaded; with the first failure, if any.
    pub async fn upload(
        &self,
        objects: &[LocalObject],
        compression: Option<Compression>,
        progress: &indicatif::ProgressBar,
    ) -> (Vec<String>, Option<(String, String)>) {
        let stop = AtomicBool::new(false);
        let stop = &stop;
        let mut puts = futures_util::stream::iter(objects)
            .map(|object| async move {
                if stop.load(Ordering::Relaxed) {
                    return (object, None);
                }
                (object, Some(self.put(object, compression).await))
            })
            .buffer_unordered(CONCURRENCY);
        let mut done = Vec::new();
        let mut failed = None;
        while let Some((object, result)) = puts.next().await {
            match result {
                Some(Ok(())) => {
                    progress.inc(object.size);
                    done.push(object.rel.clone());
                }
                Some(Err(why)) => {
                    stop.store(true, Ordering::Relaxed);
                    failed = failed.or(Some((object.rel.clone(), why)));
                }
                None => {}
            }
        }
        (done, failed)
    }

    async fn put(
        &self,
        object: &LocalObject,
        compression: Option<Compression>,
    ) -> Result<(), String> {
        let key = self.path(&object.rel)?;
        let (body, encoding) =
            plan::read_encoded(&object.rel, &object.file, compression).map_err(|d| d.message)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, object.content_type.clone().into());
        attributes.insert(Attribute::CacheControl, object.cache_control.clone().into());
        if let Some(encoding) = encoding {
            attributes.insert(Attribute::ContentEncoding, encoding.into());
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&key, PutPayload::from(body), options)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Deletes the objects at `rels` (site paths under the prefix). After a failure no new
    /// deletion starts; returns the site paths deleted, with the first failure, if any.
    pub async fn delete(&self, rels: &[String]) -> (Vec<String>, Option<(String, String)>) {
        let stop = AtomicBool::new(false);
        let stop = &stop;
        let mut deletes = futures_util::stream::iter(rels)
            .map(|rel| async move {
                if stop.load(Ordering::Relaxed) {
                    return (rel, None);
                }
                (rel, Some(self.remove(rel).await))
            })
            .buffer_unordered(CONCURRENCY);
        let mut done = Vec::new();
        let mut failed = None;
        while let Some((rel, result)) = deletes.next().await {
            match result {
                Some(Ok(())) => done.push(rel.clone()),
                Some(Err(why)) => {
                    stop.store(true, Ordering::Relaxed);
                    failed = failed.or(Some((rel.clone(), why)));
                }
                None => {}
            }
        }
        (done, failed)
    }

    async fn remove(&self, rel: &str) -> Result<(), String> {
        let key = self.path(rel)?;
        self.store.delete(&key).await.map_err(|e| e.to_string())
    }

    /// The object path of a site path. Keys are taken as they are (no percent-encoding), so
    /// the object's URL is the file's URL.
    fn path(&self, rel: &str) -> Result<ObjectPath, String> {
        ObjectPath::parse(self.target.key(rel)).map_err(|e| e.to_string())
    }

    /// The full key of a site path, for messages.
    pub fn key(&self, rel: &str) -> String {
        self.target.key(rel)
    }
}

//! Pre-compressed copies of the site's text and wasm files (`.br` and `.gz` beside each),
//! made once at build time so the server sends them as they are instead of compressing
//! on every request, or not at all.

use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// File types worth compressing; images and fonts are compressed already.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "css", "html", "svg", "json"];

/// Write `<file>.br` and `<file>.gz` beside every compressible file under `dir`.
pub fn site(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            site(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if compressible {
            file(&path).with_context(|| format!("compressing {}", path.display()))?;
        }
    }
    Ok(())
}

fn file(path: &Path) -> Result<()> {
    let content = fs::read(path)?;
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        name
    };

    let mut brotli =
        brotli::CompressorWriter::new(File::create(with_suffix(".br"))?, 64 * 1024, 11, 22);
    brotli.write_all(&content)?;
    brotli.flush()?;

    let mut gzip = flate2::write::GzEncoder::new(
        File::create(with_suffix(".gz"))?,
        flate2::Compression::best(),
    );
    gzip.write_all(&content)?;
    gzip.finish().map(drop).map_err(io::Error::into)
}

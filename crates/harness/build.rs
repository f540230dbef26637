//! Embeds the built-in suites: every file under the workspace's
//! `scenarios/` and `snapshots/` becomes a `(relative path, text)` entry of
//! `builtin_files.rs`, so the installed binary carries them wherever it is
//! copied (`hooksim run` in an empty folder, `hooksim suites export`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let root = manifest.join("../..");
    let mut code = String::new();
    for (name, folder, extension) in [
        ("SCENARIOS", "scenarios", "yaml"),
        ("SNAPSHOTS", "snapshots", "snap"),
    ] {
        let dir = root.join(folder);
        println!("cargo::rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(&dir, extension, &mut files);
        files.sort();
        writeln!(code, "pub(crate) static {name}: &[(&str, &str)] = &[")
            .expect("write to a String");
        for file in &files {
            let relative = file.strip_prefix(&dir).expect("found under the folder");
            let relative = relative.to_string_lossy().replace('\\', "/");
            let absolute = file
                .canonicalize()
                .expect("a found file has a canonical path");
            writeln!(
                code,
                "    ({relative:?}, include_str!({:?})),",
                absolute.display().to_string()
            )
            .expect("write to a String");
        }
        code.push_str("];\n");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_files.rs"), code).expect("OUT_DIR is writable");
}

/// Files ending in `.extension` under `dir`, recursively; a missing folder has none.
fn collect(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(&path, extension, found);
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}

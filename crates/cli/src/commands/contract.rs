//! `hooksim providers export`: each provider's contract as data, an
//! AsyncAPI 3.0 document per provider or a JSON Schema per event, generated
//! from the catalogue hooksim sends from (`hooksim_simulator::contract`).

use std::path::{Path, PathBuf};

use hooksim_simulator::SimulatorError;
use hooksim_simulator::contract::{Openness, asyncapi, event_schema};
use hooksim_simulator::providers::{Provider, ProviderId};
use serde_json::Value;

use crate::args::{ExportArgs, ExportFormat};
use crate::exit::Exit;

/// One document to write, and where under `--out`.
struct Document {
    file: PathBuf,
    body: Value,
}

pub fn export(args: ExportArgs) -> Exit {
    let mut providers = Vec::new();
    for id in &args.ids {
        match ProviderId::parse(id) {
            Ok(p) => providers.push(p),
            Err(e) => {
                let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                errln!(
                    "error: {e}; {}",
                    hooksim_harness::suggest::did_you_mean(id, &ids, "known providers")
                );
                return Exit::BadInput;
            }
        }
    }
    if providers.is_empty() {
        providers = ProviderId::ALL.to_vec();
    }
    let count: usize = match args.format {
        ExportFormat::Asyncapi => providers.len(),
        ExportFormat::JsonSchema => providers.iter().map(|p| p.provider().events().len()).sum(),
    };
    if args.out.is_none() && count != 1 {
        errln!("error: this export is {count} documents; give --out DIR to write them as files");
        return Exit::BadInput;
    }
    let documents = match documents(&providers, args.format, args.closed) {
        Ok(documents) => documents,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Runtime;
        }
    };
    match (&args.out, documents.first()) {
        (Some(dir), _) => write_all(dir, &documents),
        (None, Some(one)) => match serde_json::to_string_pretty(&one.body) {
            Ok(text) => {
                outln!("{text}");
                Exit::Pass
            }
            Err(e) => {
                errln!("error: cannot write the document: {e}");
                Exit::Runtime
            }
        },
        (None, None) => Exit::Pass,
    }
}

fn documents(
    providers: &[ProviderId],
    format: ExportFormat,
    closed: bool,
) -> Result<Vec<Document>, SimulatorError> {
    let openness = |p: &dyn Provider| {
        if closed {
            Openness::CLOSED
        } else {
            Openness::published(p)
        }
    };
    let mut documents = Vec::new();
    for id in providers {
        let provider = id.provider();
        match format {
            ExportFormat::Asyncapi => documents.push(Document {
                file: PathBuf::from(format!("{id}.asyncapi.json")),
                body: asyncapi::document_with(provider, openness(provider))?,
            }),
            ExportFormat::JsonSchema => {
                for event in provider.events() {
                    documents.push(Document {
                        file: Path::new(id.as_str()).join(format!("{}.schema.json", event.name)),
                        body: event_schema(provider, event.name, openness(provider))?,
                    });
                }
            }
        }
    }
    Ok(documents)
}

/// Every document into `dir`, each written whole; a failed one does not
/// stop the rest, and is reported.
fn write_all(dir: &Path, documents: &[Document]) -> Exit {
    let mut failed = 0;
    for document in documents {
        let path = dir.join(&document.file);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let text =
                    serde_json::to_vec_pretty(&document.body).map_err(std::io::Error::other)?;
                hooksim_harness::file::write_whole(&path, &text)
            });
        if let Err(e) = written {
            errln!("error: cannot write {}: {e}", path.display());
            failed += 1;
        }
    }
    let written = documents.len() - failed;
    outln!("wrote {written} documents to {}", dir.display());
    if failed == 0 {
        Exit::Pass
    } else {
        Exit::Runtime
    }
}

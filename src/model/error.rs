//! [`ModelError`]: the typed error at the model boundary. Callers that decide something from
//! a failure (the OpenAI backend's fallback when a server refuses `n`, the CLI's hint when a
//! dtype does not fit the device) match on its variants; the rest travels as context.

use std::path::PathBuf;

/// Why loading a model or talking to a model server failed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The model path does not exist.
    #[error("model path {} does not exist", .0.display())]
    NotFound(PathBuf),
    /// The path exists but is neither a model directory nor a GGUF file.
    #[error("{} is neither a model directory nor a .gguf file", .0.display())]
    NotAModel(PathBuf),
    /// The requested compute dtype does not run on this device.
    #[error("--dtype {requested} does not run on {device}: {reason}")]
    Dtype {
        requested: String,
        device: String,
        reason: String,
    },
    /// An OpenAI-compatible server answered with an HTTP error status.
    #[error("{endpoint} answered HTTP {status}: {message}{hint}")]
    Http {
        endpoint: String,
        status: u16,
        message: String,
        /// What the user can check (empty when there is nothing to suggest).
        hint: String,
    },
    /// A tensor operation failed (shapes, device, out of memory).
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// Anything else, with its context chain.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl ModelError {
    /// Whether this is a server refusing the number of samples `n` in one request (HTTP 400/422
    /// whose message names `n`, e.g. llama-server's "n must be between 1 and 2", or an API that
    /// only takes n = 1).
    pub fn is_n_refused(&self) -> bool {
        let ModelError::Http {
            status, message, ..
        } = self
        else {
            return false;
        };
        if !matches!(status, 400 | 422) {
            return false;
        }
        let m = message.to_ascii_lowercase();
        // The parameter as a word: `n`, "n", 'n', `n must`, "parameter n", "n:".
        let names_n = m
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|w| w == "n");
        names_n || m.contains("choices") || m.contains("multiple completions")
    }
}

//! [`BackendSpec`]: what is needed to open a model backend, as plain data. The CLI's model
//! flags convert into it (`cli::model_args`), so nothing below the CLI depends on clap types.

use super::{Device, DtypeChoice, Generator};
use std::path::PathBuf;

/// Which model backend to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendSpec {
    /// Local weights: a Hugging Face directory or a `.gguf` file, run with candle.
    Local {
        path: PathBuf,
        /// Run on the CPU even when built with CUDA and a GPU is present.
        cpu: bool,
        /// Compute dtype (`auto`: bf16 on sm_80+, f16 on older GPUs, f32 on the CPU).
        dtype: DtypeChoice,
    },
    /// An OpenAI-compatible server (vLLM, SGLang); the API key comes from the environment
    /// ([`super::openai::api_key_from_env`]).
    OpenAi {
        /// Base URL, e.g. `http://127.0.0.1:8000/v1`.
        url: String,
        /// Model name to request.
        model: String,
    },
}

impl BackendSpec {
    /// Whether the backend is a remote server (cheap to open once per worker) rather than
    /// weights loaded into this process (opened once).
    pub fn is_remote(&self) -> bool {
        matches!(self, BackendSpec::OpenAi { .. })
    }

    /// The device local weights run on: CUDA 0 when built with `--features cuda` and a GPU is
    /// present (unless `cpu`), else the CPU. Remote backends: the CPU (unused).
    pub fn device(&self) -> anyhow::Result<Device> {
        match self {
            BackendSpec::Local { cpu: false, .. } => open_device(false),
            _ => Ok(Device::Cpu),
        }
    }

    /// Opens the backend: loads local weights, or makes a client for the server.
    pub fn open(&self) -> anyhow::Result<Box<dyn Generator>> {
        match self {
            BackendSpec::Local { path, dtype, .. } => {
                Ok(Box::new(super::load_with(path, &self.device()?, *dtype)?))
            }
            BackendSpec::OpenAi { url, model } => Ok(Box::new(super::OpenAiGenerator::new(
                url,
                model,
                super::openai::api_key_from_env(),
            )?)),
        }
    }
}

/// The device for local weights: CUDA 0 when built with `--features cuda` (unless `cpu`), else
/// the CPU. A CUDA build that cannot open its device (no driver, no GPU visible) says so and
/// names `--cpu`, instead of candle's bare driver error.
pub fn open_device(cpu: bool) -> anyhow::Result<Device> {
    if cpu {
        return Ok(Device::Cpu);
    }
    Device::cuda_if_available(0).map_err(|e| {
        anyhow::anyhow!(
            "cannot open CUDA device 0 ({e}); is the NVIDIA driver loaded and a GPU visible \
             (nvidia-smi)? Pass --cpu to run on the CPU"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_and_local_specs() {
        let local = BackendSpec::Local {
            path: "m.gguf".into(),
            cpu: true,
            dtype: DtypeChoice::Auto,
        };
        assert!(!local.is_remote());
        assert!(matches!(local.device().unwrap(), Device::Cpu));
        let remote = BackendSpec::OpenAi {
            url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
        };
        assert!(remote.is_remote());
    }

    #[test]
    fn missing_local_weights_are_an_error_not_a_panic() {
        let spec = BackendSpec::Local {
            path: "/nonexistent/vibecheck-model-dir".into(),
            cpu: true,
            dtype: DtypeChoice::Auto,
        };
        assert!(spec.open().is_err());
    }
}

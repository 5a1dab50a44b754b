//! The server's adapter onto the engines it serves: the step [`Verifier`], the wasm [`Sandbox`]
//! and the agent with a pool of model [`Generator`]s. Handlers talk only to [`Engines`]; this is
//! the one file that follows those components' APIs.
//!
//! All methods here are blocking and run on tokio's blocking pool (see `limits::RouteGate`).

use super::api::{ApiChecker, ApiLang};
use super::error::ApiError;
use crate::chain::{self, Chain};
use crate::model::{ChatMessage, GenEvent, Generation, Generator, SamplingParams, Usage};
use crate::sandbox::{
    Checker, JudgeReport, JudgeRequest, Lang, Limits, Sandbox, SandboxConfig, TestCase,
};
use crate::verify::{Verifier, VerifyConfig, VerifyReport};
use serde::Serialize;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A validated `/v1/verify` request.
#[derive(Debug, Clone)]
pub struct VerifyInput {
    pub problem: Option<String>,
    pub steps: Option<Vec<String>>,
    pub solution: Option<String>,
    pub answer: Option<String>,
    pub reference: Option<String>,
}

/// A validated `/v1/judge` request: tests are (name, input, answer); limits are
/// (time_ms, memory_mb, output_bytes).
#[derive(Debug, Clone)]
pub struct JudgeInput {
    pub source: String,
    pub language: ApiLang,
    pub tests: Vec<(String, String, Option<String>)>,
    pub checker: ApiChecker,
    pub limits: (u64, u64, u64),
}

/// `math` or `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveKind {
    Math,
    Code,
}

/// A validated `/v1/solve` request.
#[derive(Debug, Clone)]
pub struct SolveInput {
    pub problem: String,
    pub kind: Option<SolveKind>,
    pub system_prompt: Option<String>,
    pub reference: Option<String>,
    pub tests: Vec<(String, String, Option<String>)>,
    pub attempts: Option<usize>,
    pub samples: Option<usize>,
    pub deadline: Instant,
}

/// Model generators for `/v1/solve`: one per concurrent solve (a local model gets one; an
/// OpenAI-compatible backend gets one per worker, they are just HTTP clients).
pub struct GeneratorPool {
    name: String,
    free: Mutex<Vec<Box<dyn Generator>>>,
}

impl GeneratorPool {
    pub fn new(gens: Vec<Box<dyn Generator>>) -> anyhow::Result<Self> {
        let name = gens
            .first()
            .map(|g| g.name())
            .ok_or_else(|| anyhow::anyhow!("a generator pool needs at least one generator"))?;
        Ok(Self {
            name,
            free: Mutex::new(gens),
        })
    }
    pub fn len(&self) -> usize {
        self.free.lock().map(|v| v.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the server serves.
pub struct Engines {
    pub verifier: Verifier,
    pub sandbox: Sandbox,
    pub generators: Option<GeneratorPool>,
}

/// The sandbox's default per-test limits as (time_ms, memory_mb, output_bytes).
pub fn default_limits() -> (u64, u64, u64) {
    let l = Limits::DEFAULT;
    (l.time_ms, l.memory_mb, l.output_bytes)
}

/// Whether the model flags name a backend.
pub fn model_configured(args: &crate::cli::model_args::ModelArgs) -> bool {
    args.is_configured()
}

/// Starts one generator from the model flags.
pub fn build_generator(
    args: &crate::cli::model_args::ModelArgs,
) -> anyhow::Result<Box<dyn Generator>> {
    args.build()
}

/// A serde enum's wire name (`verified`, `AC`, …) for metrics labels.
pub fn label<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "unknown".into(),
    }
}

/// Turns a verify request into a [`Chain`] with the same parser as `vibecheck verify`.
pub fn build_chain(input: &VerifyInput) -> Result<Chain, ApiError> {
    if let Some(steps) = &input.steps {
        // The CLI's JSON input form; one parser for both.
        let json = serde_json::json!({
            "problem": input.problem,
            "steps": steps,
            "answer": input.answer,
            "reference": input.reference,
        });
        return chain::parse_input(&json.to_string())
            .map_err(|e| ApiError::invalid_request(format!("{e:#}")));
    }
    let text = input.solution.as_deref().unwrap_or_default();
    let mut chain = chain::parse(text);
    if input.problem.is_some() {
        chain.problem = input.problem.clone();
    }
    if input.answer.is_some() {
        chain.answer = input.answer.clone();
    }
    if input.reference.is_some() {
        chain.reference = input.reference.clone();
    }
    Ok(chain)
}

impl Engines {
    /// Starts the verifier (with `workers` numeric workers) and the sandbox.
    pub fn start(workers: usize, generators: Option<GeneratorPool>) -> anyhow::Result<Self> {
        let verifier = Verifier::new(VerifyConfig {
            workers: workers.max(1),
            ..VerifyConfig::default()
        })?;
        let sandbox = Sandbox::new(SandboxConfig::default())?;
        Ok(Self {
            verifier,
            sandbox,
            generators,
        })
    }

    pub fn has_model(&self) -> bool {
        self.generators.is_some()
    }

    pub fn model_name(&self) -> Option<String> {
        self.generators.as_ref().map(|g| g.name.clone())
    }

    /// Solve slots: how many generators there are (0 without a model).
    pub fn solve_slots(&self) -> usize {
        self.generators.as_ref().map(|g| g.len()).unwrap_or(0)
    }

    /// Numeric worker processes restarted so far.
    pub fn worker_restarts(&self) -> u64 {
        self.verifier.pool().restarts()
    }

    pub fn verify(&self, chain: &Chain, reference: Option<&str>) -> anyhow::Result<VerifyReport> {
        self.verifier.verify(chain, reference)
    }

    pub fn judge(&self, input: &JudgeInput) -> anyhow::Result<JudgeReport> {
        let lang = match input.language {
            ApiLang::C => Lang::C,
            ApiLang::Cpp => Lang::Cpp,
            ApiLang::Python => Lang::Python,
        };
        // A custom checker's source is written to a private temp dir that lives until judging
        // ends; it is compiled and run inside the sandbox like any other untrusted code.
        let tmp = tempfile::tempdir()?;
        let checker = match &input.checker {
            ApiChecker::Tokens => Checker::Tokens,
            ApiChecker::Lines => Checker::Lines,
            ApiChecker::Exact => Checker::Exact,
            ApiChecker::YesNo => Checker::YesNo,
            ApiChecker::Float(eps) => Checker::Float(*eps),
            ApiChecker::Custom(src) => {
                let path = tmp.path().join("checker.cpp");
                std::fs::write(&path, src)?;
                Checker::Custom(path)
            }
        };
        let (time_ms, memory_mb, output_bytes) = input.limits;
        let req = JudgeRequest {
            source: input.source.clone(),
            lang,
            tests: input
                .tests
                .iter()
                .map(|(name, input, answer)| TestCase {
                    name: name.clone(),
                    input: input.clone(),
                    answer: answer.clone(),
                })
                .collect(),
            checker,
            limits: Limits {
                time_ms,
                memory_mb,
                output_bytes,
            },
            // Concurrency comes from the server's worker slots, not from inside one request.
            jobs: 1,
        };
        self.sandbox.judge(&req)
    }

    /// Runs the agent on one generator from the pool. `progress` gets each progress event as
    /// JSON and returns `false` when the client has gone away (generation is then cancelled).
    pub fn solve(
        &self,
        input: &SolveInput,
        progress: &mut dyn FnMut(serde_json::Value) -> bool,
    ) -> anyhow::Result<serde_json::Value> {
        let _ = (input, &progress);
        anyhow::bail!("the agent is not merged into this build yet")
    }
}

/// Wraps a generator so generation stops when the client disconnected or the deadline passed.
pub struct Cancellable<'a> {
    pub inner: &'a mut dyn Generator,
    pub cancel: Arc<AtomicBool>,
    pub deadline: Instant,
}

impl Generator for Cancellable<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn capabilities(&self) -> crate::model::Capabilities {
        self.inner.capabilities()
    }
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> anyhow::Result<(Vec<Generation>, Usage)> {
        let cancel = self.cancel.clone();
        let deadline = self.deadline;
        self.inner.generate(messages, params, &mut |ev| {
            if cancel.load(Ordering::Relaxed) || Instant::now() >= deadline {
                return ControlFlow::Break(());
            }
            on_event(ev)
        })
    }
}

//! The server's adapter onto the engines it serves: the step [`Verifier`], the wasm [`Sandbox`]
//! and the agent with a pool of model [`Generator`]s. Handlers talk only to [`Engines`]; this is
//! the one file that follows those components' APIs.
//!
//! All methods here are blocking and run on tokio's blocking pool (see `limits::RouteGate`).

use super::api::{ApiChecker, ApiLang};
use super::error::ApiError;
use crate::agent::{self, Kind, Progress, SolveOptions, SolveReport};
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

/// A validated `/v1/solve` request.
#[derive(Debug, Clone)]
pub struct SolveInput {
    pub problem: String,
    pub kind: Option<Kind>,
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
    size: usize,
    sampling: SamplingParams,
    free: Mutex<Vec<Box<dyn Generator>>>,
}

impl GeneratorPool {
    /// `sampling`: the server's sampling flags, used for every solve.
    pub fn new(gens: Vec<Box<dyn Generator>>, sampling: SamplingParams) -> anyhow::Result<Self> {
        let name = gens
            .first()
            .map(|g| g.name())
            .ok_or_else(|| anyhow::anyhow!("a generator pool needs at least one generator"))?;
        Ok(Self {
            name,
            size: gens.len(),
            sampling,
            free: Mutex::new(gens),
        })
    }
    /// Generators in the pool (free or lent).
    pub fn len(&self) -> usize {
        self.size
    }
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
    /// Lends a generator; the solve gate's permits (one per generator) guarantee one is free.
    fn take(&self) -> anyhow::Result<Lent<'_>> {
        let g = self
            .free
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .ok_or_else(|| anyhow::anyhow!("no free model generator (more solves than slots)"))?;
        Ok(Lent {
            pool: self,
            gen: Some(g),
        })
    }
}

/// A generator on loan; returned to the pool on drop (also after a panic in the agent).
struct Lent<'a> {
    pool: &'a GeneratorPool,
    gen: Option<Box<dyn Generator>>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(g) = self.gen.take() {
            self.pool
                .free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(g);
        }
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

    /// Runs the agent on one generator from the pool. `progress` gets each progress event and
    /// returns `false` when the client has gone away (generation is then cancelled).
    pub fn solve(
        &self,
        input: &SolveInput,
        progress: &mut dyn FnMut(&Progress) -> bool,
    ) -> anyhow::Result<SolveReport> {
        let pool = self
            .generators
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no model backend configured"))?;
        let mut lent = pool.take()?;
        let inner = lent
            .gen
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("generator missing from its loan"))?;
        let cancel = Arc::new(AtomicBool::new(false));
        let mut gen = Cancellable {
            inner: inner.as_mut(),
            cancel: cancel.clone(),
            deadline: input.deadline,
            system_prompt: input.system_prompt.clone(),
        };
        let defaults = SolveOptions::default();
        let opts = SolveOptions {
            kind: input.kind,
            attempts: input.attempts.unwrap_or(defaults.attempts),
            samples: input.samples.unwrap_or(defaults.samples),
            reference: input.reference.clone(),
            tests: input
                .tests
                .iter()
                .map(|(name, inp, ans)| TestCase {
                    name: name.clone(),
                    input: inp.clone(),
                    answer: ans.clone(),
                })
                .collect(),
            deadline: input.deadline.saturating_duration_since(Instant::now()),
            sampling: pool.sampling.clone(),
            ..defaults
        };
        agent::solve(
            &mut gen,
            &self.verifier,
            &self.sandbox,
            &input.problem,
            &opts,
            &mut |p: Progress| {
                if !progress(&p) {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
        )
    }
}

/// Wraps a generator so generation stops when the client disconnected or the deadline passed.
/// With `system_prompt`, the conversation's system message is replaced (or one is prepended):
/// the web page's "system prompt" box.
pub struct Cancellable<'a> {
    pub inner: &'a mut dyn Generator,
    pub cancel: Arc<AtomicBool>,
    pub deadline: Instant,
    pub system_prompt: Option<String>,
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
        let replaced;
        let messages = match &self.system_prompt {
            Some(sys) => {
                let mut m: Vec<ChatMessage> = messages
                    .iter()
                    .filter(|m| m.role != "system")
                    .cloned()
                    .collect();
                m.insert(0, ChatMessage::system(sys.clone()));
                replaced = m;
                &replaced[..]
            }
            None => messages,
        };
        self.inner.generate(messages, params, &mut |ev| {
            if cancel.load(Ordering::Relaxed) || Instant::now() >= deadline {
                return ControlFlow::Break(());
            }
            on_event(ev)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the messages it was given and streams a few events.
    struct Recorder {
        seen: Vec<ChatMessage>,
        events_delivered: usize,
    }

    impl Generator for Recorder {
        fn name(&self) -> String {
            "recorder".into()
        }
        fn generate(
            &mut self,
            messages: &[ChatMessage],
            _params: &SamplingParams,
            on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
        ) -> anyhow::Result<(Vec<Generation>, Usage)> {
            self.seen = messages.to_vec();
            for i in 0..10 {
                self.events_delivered += 1;
                let ev = GenEvent::Text {
                    seq: 0,
                    text: format!("t{i}"),
                };
                if on_event(ev).is_break() {
                    break;
                }
            }
            Ok((vec![], Usage::default()))
        }
    }

    #[test]
    fn system_prompt_replaces_the_agents_and_cancel_stops_generation() {
        let mut rec = Recorder {
            seen: vec![],
            events_delivered: 0,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let far = Instant::now() + std::time::Duration::from_secs(60);
        let msgs = [
            ChatMessage::system("builtin"),
            ChatMessage::user("What is 2+2?"),
        ];
        {
            let mut g = Cancellable {
                inner: &mut rec,
                cancel: cancel.clone(),
                deadline: far,
                system_prompt: Some("You are terse.".into()),
            };
            let c2 = cancel.clone();
            let mut n = 0;
            g.generate(&msgs, &SamplingParams::default(), &mut |_| {
                n += 1;
                if n == 3 {
                    c2.store(true, Ordering::Relaxed);
                }
                ControlFlow::Continue(())
            })
            .unwrap();
        }
        assert_eq!(
            rec.seen,
            vec![
                ChatMessage::system("You are terse."),
                ChatMessage::user("What is 2+2?")
            ]
        );
        // Cancelled after the third event: the fourth is refused with Break.
        assert_eq!(rec.events_delivered, 4);

        // Without a system prompt the messages pass through unchanged.
        let mut g = Cancellable {
            inner: &mut rec,
            cancel: Arc::new(AtomicBool::new(false)),
            deadline: far,
            system_prompt: None,
        };
        g.generate(&msgs, &SamplingParams::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(rec.seen, msgs.to_vec());
    }
}

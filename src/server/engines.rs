//! The server's adapter onto the engines it serves: the step [`Verifier`], the wasm [`Sandbox`]
//! and the agent with a pool of model [`Generator`]s. Handlers talk only to [`Engines`]; this is
//! the one file that follows those components' APIs.
//!
//! All methods here are blocking and run on tokio's blocking pool (see `limits::RouteGate`).

use crate::agent::{self, Kind, Progress, SolveOptions, SolveReport};
use crate::chain::Chain;
use crate::model::{ChatMessage, GenEvent, Generation, Generator, SamplingParams, Usage};
use crate::sandbox::{
    Cancel, Checker, InteractiveRequest, JudgeReport, JudgeRequest, Lang, Limits, Sandbox,
    SandboxConfig, TestCase,
};
use crate::verify::{Verifier, VerifyConfig, VerifyReport};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How a judge request compares outputs: a built-in checker, or the source of a testlib-style
/// C++ checker (compiled and run inside the sandbox like any other untrusted code).
#[derive(Debug, Clone, PartialEq)]
pub enum CheckerSpec {
    Builtin(Checker),
    CustomSource(String),
}

/// The interactor of an interactive problem, as sent: compiled and run inside the sandbox like
/// any other untrusted code, talking to the solution through pipes.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractorSpec {
    pub source: String,
    pub lang: Lang,
    /// Headers it includes (`testlib.h`, its own), by plain file name, placed beside it.
    pub headers: Vec<(String, String)>,
}

/// A validated `/v1/judge` request, in the sandbox's types.
#[derive(Debug, Clone)]
pub struct JudgeInput {
    pub source: String,
    pub lang: Lang,
    pub tests: Vec<TestCase>,
    /// Ignored when `interactor` is set (the interactor decides every verdict).
    pub checker: CheckerSpec,
    /// Judges an interactive problem instead of comparing outputs.
    pub interactor: Option<InteractorSpec>,
    pub limits: Limits,
}

/// The file name an interactor's source is written to; its extension tells the sandbox the
/// language.
fn interactor_file(lang: Lang) -> &'static str {
    match lang {
        Lang::C => "interactor.c",
        Lang::Cpp => "interactor.cpp",
        Lang::Python => "interactor.py",
    }
}

/// A validated `/v1/solve` request.
#[derive(Debug, Clone)]
pub struct SolveInput {
    pub problem: String,
    pub kind: Option<Kind>,
    pub system_prompt: Option<String>,
    pub reference: Option<String>,
    pub tests: Vec<TestCase>,
    pub attempts: Option<usize>,
    pub samples: Option<usize>,
    /// `None`: the agent's default (on).
    pub program_check: Option<bool>,
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

    /// Verifies `chain`; items not started once `stop()` is true (the request's budget was
    /// cancelled: deadline or client gone) are reported `timeout` unchecked.
    pub fn verify(
        &self,
        chain: &Chain,
        reference: Option<&str>,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> anyhow::Result<VerifyReport> {
        self.verifier.verify_until(chain, reference, stop)
    }

    /// Judges `input`; `cancel` (the request's deadline and flag) stops the compiles, tests
    /// and checker or interactor runs, so an abandoned request frees its slot at once.
    pub fn judge(&self, input: &JudgeInput, cancel: Cancel) -> anyhow::Result<JudgeReport> {
        // A custom checker's or interactor's source (and headers) is written to a private temp
        // dir that lives until judging ends; it is compiled and run inside the sandbox like any
        // other untrusted code. The sources go one folder down, so the folder above (which the
        // sandbox searches for testlib.h) is this private dir, never the shared system temp dir.
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path().join("src");
        std::fs::create_dir(&dir)?;
        if let Some(int) = &input.interactor {
            for (name, text) in &int.headers {
                std::fs::write(dir.join(name), text)?;
            }
            let path = dir.join(interactor_file(int.lang));
            std::fs::write(&path, &int.source)?;
            let req = InteractiveRequest {
                source: input.source.clone(),
                lang: input.lang,
                interactor: path,
                limits: input.limits,
                // As below: concurrency comes from the server's worker slots.
                jobs: 1,
                cancel,
            };
            return self.sandbox.judge_interactive(&req, &input.tests);
        }
        let checker = match &input.checker {
            CheckerSpec::Builtin(c) => c.clone(),
            CheckerSpec::CustomSource(src) => {
                let path = dir.join("checker.cpp");
                std::fs::write(&path, src)?;
                Checker::Custom(path)
            }
        };
        let req = JudgeRequest {
            source: input.source.clone(),
            lang: input.lang,
            tests: input.tests.clone(),
            checker,
            limits: input.limits,
            // Concurrency comes from the server's worker slots, not from inside one request.
            jobs: 1,
            cancel,
        };
        self.sandbox.judge(&req)
    }

    /// Runs the agent on one generator from the pool, reporting each progress event to
    /// `progress`. `cancel` is the request's flag, set when the client disconnects: generation
    /// stops at its next token or chunk, sandbox work (judging, program-of-thought, stress) at
    /// its next cancellation check, and no further round starts.
    pub fn solve(
        &self,
        input: &SolveInput,
        cancel: Arc<AtomicBool>,
        progress: &mut dyn FnMut(&Progress),
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
            tests: input.tests.clone(),
            deadline: input.deadline.saturating_duration_since(Instant::now()),
            sampling: pool.sampling.clone(),
            program_check: input.program_check.unwrap_or(defaults.program_check),
            cancel,
            ..defaults
        };
        agent::solve(
            &mut gen,
            &self.verifier,
            &self.sandbox,
            &input.problem,
            &opts,
            &mut |p: Progress| progress(&p),
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

//! The controller: the state of one solve and its steps — generate within the budgets, check
//! a math chain or a program, stress-test — and the round loop that retries with feedback.

use super::code::{self, CodeOutcome};
use super::evidence;
use super::prompts::{render, Prompts};
use super::report::{failed_checks, passed_checks, settle_verdict};
use super::{
    feedback, vote, Attempt, Kind, Progress, SolveOptions, SolveUsage, StopCause, MAX_JUDGE_JOBS,
    MIN_TOKENS_PER_SAMPLE, PROGRESS_INTERVAL, STRESS_MIN_REMAINING,
};
use crate::chain;
use crate::model::{ChatMessage, GenEvent, Generation, Generator, SamplingParams, StopReason};
use crate::verify::answer::Equivalence;
use crate::verify::{self, Check, Evidence, ItemVerdict, Overall, Verifier};
use anyhow::{bail, Context};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use vibecheck_sandbox::{
    Cancel, JudgeRequest, Lang, Program, Sandbox, StressRequest, TestCase, Verdict,
};

/// State of one solve.
pub(crate) struct Controller<'a> {
    pub(super) gen: &'a mut dyn Generator,
    pub(super) verifier: &'a Verifier,
    pub(super) sandbox: &'a Sandbox,
    pub(super) opts: &'a SolveOptions,
    pub(super) progress: &'a mut dyn FnMut(Progress),
    pub(super) prompts: Prompts,
    pub(super) problem: &'a str,
    pub(super) started: Instant,
    pub(super) usage: SolveUsage,
    /// Generator calls so far (each gets seed + calls, so retries do not replay a sample).
    pub(super) calls: u64,
    /// Brute force and generator written for stress testing, reused across attempts.
    pub(super) stress_programs: Option<Option<(Program, Program)>>,
    /// This round's program-of-thought run: (round, the run, or why there is none). Asked for
    /// at most once per round and compared with every sample of the round.
    pub(super) program: Option<(usize, Result<vibecheck_sandbox::run::RunOutcome, String>)>,
}

impl Controller<'_> {
    /// The round loop: each round generates `opts.samples` samples, checks them, and stops on
    /// a verified attempt or a spent budget; otherwise the next round's prompt carries feedback
    /// on this round's failures. Returns every attempt and why the loop ended.
    pub(super) fn run_rounds(
        &mut self,
        task: &str,
        kind: Kind,
        tests: &[TestCase],
    ) -> anyhow::Result<(Vec<Attempt>, StopCause)> {
        let opts = self.opts;
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut retry_feedback: Option<String> = None;
        for round in 1..=opts.attempts {
            if let Some(stop) = self.budget_spent() {
                return Ok((attempts, stop));
            }
            (self.progress)(Progress::Attempt {
                k: round,
                n: opts.attempts,
            });
            let prompt = match &retry_feedback {
                None => task.to_string(),
                Some(f) => render(&self.prompts.retry, &[("feedback", f), ("task", task)]),
            };
            let first = attempts.len();
            for (sample, g) in self
                .generate(&prompt, opts.samples)?
                .into_iter()
                .enumerate()
            {
                let mut a = match kind {
                    Kind::Math => self.check_math(g, round)?,
                    Kind::Code => self.check_code(g, tests)?,
                };
                a.round = round;
                a.sample = sample;
                a.feedback = retry_feedback.clone();
                (self.progress)(Progress::Checks {
                    passed: passed_checks(&a.checks),
                    failed: failed_checks(&a.checks),
                });
                attempts.push(a);
            }
            let this_round = &attempts[first..];
            if this_round.iter().any(|a| a.verdict == Overall::Verified) {
                return Ok((attempts, StopCause::Verified));
            }
            // Checks all held but nothing more can establish the answer: another round would
            // only repeat the same checks. (A disagreeing program flags the attempt instead.)
            if this_round
                .iter()
                .any(|a| a.verdict == Overall::NoErrorsFound)
            {
                return Ok((attempts, StopCause::NoErrorsFound));
            }
            retry_feedback = feedback::for_round(this_round, tests, kind);
            if self.past_deadline() {
                return Ok((attempts, StopCause::Deadline));
            }
        }
        Ok((attempts, StopCause::AttemptsExhausted))
    }

    /// Whether a new round can start: `Some(cause)` when the deadline passed or too few tokens
    /// are left per sample ([`MIN_TOKENS_PER_SAMPLE`]).
    fn budget_spent(&self) -> Option<StopCause> {
        if self.past_deadline() {
            return Some(StopCause::Deadline);
        }
        let remaining = self
            .opts
            .max_total_tokens
            .saturating_sub(self.usage.completion_tokens);
        (remaining / self.opts.samples < MIN_TOKENS_PER_SAMPLE).then_some(StopCause::TokenBudget)
    }

    /// Past the deadline, or abandoned by the caller ([`SolveOptions::cancel`]).
    fn past_deadline(&self) -> bool {
        self.cancelled() || self.started.elapsed() >= self.opts.deadline
    }

    fn cancelled(&self) -> bool {
        self.opts.cancel.load(Ordering::Relaxed)
    }

    fn remaining_time(&self) -> Duration {
        self.opts.deadline.saturating_sub(self.started.elapsed())
    }

    /// Stops sandbox work (compiles, tests, stress runs) at the solve's deadline or when the
    /// caller abandons the solve, so a program that sleeps or loops cannot keep the solve
    /// running past either.
    fn sandbox_cancel(&self) -> Cancel {
        let at = self.started.checked_add(self.opts.deadline);
        Cancel::new(self.opts.cancel.clone(), at)
    }

    /// One generator call of `n` samples within the remaining budgets.
    fn generate(&mut self, prompt: &str, n: usize) -> anyhow::Result<Vec<Generation>> {
        self.generate_capped(prompt, n, usize::MAX)
    }

    /// [`Controller::generate`] with at most `cap` tokens per sample.
    fn generate_capped(
        &mut self,
        prompt: &str,
        n: usize,
        cap: usize,
    ) -> anyhow::Result<Vec<Generation>> {
        let remaining = self
            .opts
            .max_total_tokens
            .saturating_sub(self.usage.completion_tokens);
        let params = SamplingParams {
            n,
            max_tokens: self
                .opts
                .sampling
                .max_tokens
                .min(cap)
                .min(remaining / n)
                .max(1),
            seed: self.opts.sampling.seed.wrapping_add(self.calls),
            ..self.opts.sampling.clone()
        };
        self.calls += 1;
        let deadline = self.started + self.opts.deadline;
        let cancel = self.opts.cancel.clone();
        let t0 = Instant::now();
        let mut last = t0;
        let mut streamed = 0usize;
        let progress = &mut *self.progress;
        let messages = [ChatMessage::user(prompt)];
        let (gens, usage) = self
            .gen
            .generate(&messages, &params, &mut |ev| {
                if let GenEvent::Text { .. } = ev {
                    streamed += 1;
                    let now = Instant::now();
                    if now.duration_since(last) >= PROGRESS_INTERVAL {
                        last = now;
                        let secs = now.duration_since(t0).as_secs_f64().max(1e-9);
                        progress(Progress::Tokens {
                            count: streamed,
                            per_second: streamed as f64 / secs,
                        });
                    }
                }
                if cancel.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .with_context(|| format!("generating with {}", self.gen.name()))?;
        let secs = t0.elapsed().as_secs_f64();
        let completion = if usage.completion_tokens > 0 {
            usage.completion_tokens
        } else {
            gens.iter().map(|g| g.completion_tokens).sum()
        };
        self.usage.prompt_tokens += usage.prompt_tokens;
        self.usage.completion_tokens += completion;
        self.usage.generate_seconds += secs;
        let per_second = if usage.tokens_per_second > 0.0 {
            usage.tokens_per_second
        } else {
            completion as f64 / secs.max(1e-9)
        };
        progress(Progress::Tokens {
            count: completion,
            per_second,
        });
        if gens.is_empty() {
            bail!("{} returned no completions", self.gen.name());
        }
        Ok(gens)
    }

    /// Checks a math sample: the chain's steps and answer (`Verifier::verify`: reference,
    /// substitution into the problem), then, when that did not settle the answer, the
    /// program-of-thought check ([`Controller::program_of_thought`]).
    fn check_math(&mut self, g: Generation, round: usize) -> anyhow::Result<Attempt> {
        let mut a = Attempt::from_generation(g);
        let mut chain = chain::parse(&a.text);
        if chain.problem.is_none() {
            chain.problem = Some(self.problem.to_string());
        }
        let report = self
            .verifier
            .verify(&chain, self.opts.reference.as_deref())
            .context("verifying the chain")?;
        let mut checks: Vec<Check> = report
            .steps
            .iter()
            .flat_map(|s| s.checks.iter().cloned())
            .collect();
        if let (Some(eq), false) = (
            report.answer.equivalence,
            checks.iter().any(|c| c.checker == verify::Checker::Answer),
        ) {
            let extracted = report
                .answer
                .extracted
                .clone()
                .unwrap_or_else(|| "(no final answer)".into());
            checks.push(Check {
                checker: verify::Checker::Answer,
                item: extracted.clone(),
                verdict: match eq {
                    Equivalence::Equal => ItemVerdict::Verified,
                    Equivalence::ProbablyEqual => ItemVerdict::Unknown,
                    Equivalence::Different | Equivalence::Unknown => ItemVerdict::Refuted,
                },
                evidence: Evidence {
                    summary: match eq {
                        Equivalence::Equal => {
                            format!("final answer {extracted} matches the reference")
                        }
                        Equivalence::ProbablyEqual => format!(
                            "final answer {extracted} probably matches the reference (not established)"
                        ),
                        _ => format!("final answer {extracted} does not match the reference"),
                    },
                    ..Default::default()
                },
                time_ms: 0.0,
            });
        }
        checks.extend(report.answer.checks.iter().cloned());
        a.answer = report
            .answer
            .extracted
            .clone()
            .or_else(|| chain.answer.clone());
        let mut proposed = report.verdict;
        if let (Some(ans), Overall::NoErrorsFound | Overall::Unverified) =
            (a.answer.clone(), proposed)
        {
            if self.opts.program_check {
                let c = self.program_of_thought(&ans, round)?;
                proposed = match c.verdict {
                    ItemVerdict::Refuted => Overall::Flagged,
                    ItemVerdict::Verified => Overall::Verified,
                    _ => proposed,
                };
                checks.push(c);
            }
        }
        // Every passed check is a reason to propose `verified`; `settle_verdict` decides
        // whether the answer is established (and lowers to `no_errors_found` if not).
        if proposed == Overall::NoErrorsFound {
            proposed = Overall::Verified;
        }
        if a.answer.is_none() && proposed == Overall::Verified {
            a.notes.push(
                "no final answer found: the steps checked out but nothing was concluded".into(),
            );
            proposed = Overall::Unverified;
        }
        if a.stop != StopReason::Eos && a.stop != StopReason::StopString {
            a.notes.push(format!("generation stopped: {:?}", a.stop));
        }
        (a.verdict, a.answer_evidence) =
            settle_verdict(proposed, &checks, a.answer.as_deref(), &mut a.notes);
        a.weight = vote::weight(a.verdict, &checks);
        a.checks = checks;
        a.chain = Some(chain);
        a.verify = Some(report);
        Ok(a)
    }

    /// The program-of-thought check of `answer`: asks the model (prompt `pot.md`) for a short
    /// Python program printing the answer, once per round, runs it as python.wasm in the
    /// sandbox ([`evidence::PROGRAM_LIMITS`]) and compares its output with `answer`. A missing
    /// or failing program is an `unknown` check, never a refutation.
    fn program_of_thought(&mut self, answer: &str, round: usize) -> anyhow::Result<Check> {
        if self.program.as_ref().is_none_or(|(r, _)| *r != round) {
            let run = self.run_program_of_thought()?;
            self.program = Some((round, run));
        }
        Ok(match &self.program {
            Some((_, Ok(run))) => evidence::program_check(answer, run),
            Some((_, Err(why))) => evidence::program_unavailable(why),
            None => unreachable!("set above"),
        })
    }

    fn run_program_of_thought(
        &mut self,
    ) -> anyhow::Result<Result<vibecheck_sandbox::run::RunOutcome, String>> {
        if self.budget_spent().is_some() {
            return Ok(Err("the budget is spent".into()));
        }
        (self.progress)(Progress::Message(
            "program-of-thought: asking for a program that computes the answer".into(),
        ));
        let prompt = render(&self.prompts.pot, &[("problem", self.problem)]);
        let g = self.generate_capped(&prompt, 1, evidence::MAX_PROGRAM_TOKENS)?;
        let Some((Lang::Python, source)) = code::extract_code(&g[0].text, Lang::Python) else {
            return Ok(Err("the model wrote no Python program".into()));
        };
        let program = Program {
            source,
            lang: Lang::Python,
        };
        let cancel = self.sandbox_cancel();
        let prepared = match self.sandbox.prepare_cancellable(&program, None, &cancel) {
            Err(e) if vibecheck_sandbox::cancel::is_cancelled_error(&e) => {
                return Ok(Err("the time budget ran out while preparing it".into()))
            }
            r => r.context("preparing the program-of-thought")?,
        };
        let runnable = match prepared {
            vibecheck_sandbox::judge::Prepared::Ready(r) => r,
            vibecheck_sandbox::judge::Prepared::CompileError(e) => {
                return Ok(Err(format!(
                    "the program does not compile: {}",
                    feedback::clip(e.trim(), 300)
                )))
            }
        };
        let run = self
            .sandbox
            .run_program_cancellable(&runnable, &[], b"", evidence::PROGRAM_LIMITS, &cancel)
            .context("running the program-of-thought")?;
        Ok(Ok(run))
    }

    fn check_code(&mut self, g: Generation, tests: &[TestCase]) -> anyhow::Result<Attempt> {
        let mut a = Attempt::from_generation(g);
        let Some((lang, source)) = code::extract_code(&a.text, self.opts.lang) else {
            a.notes.push("no code block found in the answer".into());
            a.verdict = Overall::Unverified;
            a.weight = vote::weight(a.verdict, &[]);
            return Ok(a);
        };
        a.answer = Some(source.clone());
        let mut outcome = CodeOutcome {
            lang,
            source: source.clone(),
            judge: None,
            stress: None,
        };
        let mut checks = Vec::new();
        if tests.is_empty() {
            a.notes
                .push("no tests: none in the statement and none given with --tests".into());
        } else {
            (self.progress)(Progress::Message(format!(
                "judging on {} test(s)",
                tests.len()
            )));
            let req = JudgeRequest {
                source: source.clone(),
                lang,
                tests: tests.to_vec(),
                checker: self.opts.checker.clone(),
                limits: self.opts.limits,
                jobs: std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(MAX_JUDGE_JOBS),
                cancel: self.sandbox_cancel(),
            };
            let report = self.sandbox.judge(&req).context("judging the program")?;
            checks.extend(code::judge_checks(&report, tests));
            outcome.judge = Some(report);
        }
        let judged_ok = outcome
            .judge
            .as_ref()
            .is_none_or(|r| r.verdict == Verdict::AC);
        if judged_ok && self.opts.stress {
            if self.remaining_time() >= STRESS_MIN_REMAINING {
                if let Some(report) = self.stress(lang, &source)? {
                    checks.push(code::stress_check(&report));
                    outcome.stress = Some(report);
                }
            } else {
                a.notes
                    .push("stress test skipped: too little of the time budget left".into());
            }
        }
        let proposed = if failed_checks(&checks) > 0 {
            Overall::Flagged
        } else if passed_checks(&checks) > 0 {
            Overall::Verified
        } else {
            Overall::Unverified
        };
        (a.verdict, a.answer_evidence) =
            settle_verdict(proposed, &checks, a.answer.as_deref(), &mut a.notes);
        a.weight = vote::weight(a.verdict, &checks);
        a.checks = checks;
        a.code = Some(outcome);
        Ok(a)
    }

    /// Stress-tests `source` against a model-written brute force on model-generated inputs.
    /// `Ok(None)` when the helper programs could not be obtained or run (reported as a message:
    /// a missing brute force is not evidence about the solution).
    fn stress(
        &mut self,
        lang: Lang,
        source: &str,
    ) -> anyhow::Result<Option<vibecheck_sandbox::StressReport>> {
        if self.stress_programs.is_none() {
            let programs = self.write_stress_programs()?;
            self.stress_programs = Some(programs);
        }
        let Some(Some((brute, generator))) = self.stress_programs.clone() else {
            return Ok(None);
        };
        let req = StressRequest {
            solution: Program {
                source: source.to_string(),
                lang,
            },
            brute,
            generator,
            iterations: self.opts.stress_iterations,
            seed: self.opts.sampling.seed,
            checker: self.opts.checker.clone(),
            limits: self.opts.limits,
            cancel: self.sandbox_cancel(),
        };
        (self.progress)(Progress::Message(format!(
            "stress test: {} iterations against the brute force",
            req.iterations
        )));
        let progress = &mut *self.progress;
        let mut last = Instant::now();
        let result = self.sandbox.stress(&req, &mut |done| {
            if last.elapsed() >= PROGRESS_INTERVAL {
                last = Instant::now();
                progress(Progress::Message(format!("stress: {done} iterations")));
            }
        });
        match result {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                (self.progress)(Progress::Message(format!("stress test not run: {e:#}")));
                Ok(None)
            }
        }
    }

    fn write_stress_programs(&mut self) -> anyhow::Result<Option<(Program, Program)>> {
        let (fence, language) = code::lang_names(self.opts.lang);
        let io = feedback::io_note(None);
        let vars = |extra: (&'static str, &'static str)| {
            vec![
                ("problem", self.problem),
                ("fence", fence),
                ("language", language),
                ("io", io),
                extra,
            ]
        };
        (self.progress)(Progress::Message(
            "stress test: asking for a brute force".into(),
        ));
        let brute_prompt = render(&self.prompts.brute, &vars(("seed", "")));
        let gen_prompt = render(
            &self.prompts.generator,
            &vars(("seed", feedback::GENERATOR_SEED_NOTE)),
        );
        let brute = self.generate(&brute_prompt, 1)?;
        let brute = code::extract_code(&brute[0].text, self.opts.lang);
        (self.progress)(Progress::Message(
            "stress test: asking for a test generator".into(),
        ));
        let generator = self.generate(&gen_prompt, 1)?;
        let generator = code::extract_code(&generator[0].text, self.opts.lang);
        match (brute, generator) {
            (Some((bl, bs)), Some((gl, gs))) => Ok(Some((
                Program {
                    source: bs,
                    lang: bl,
                },
                Program {
                    source: gs,
                    lang: gl,
                },
            ))),
            _ => {
                (self.progress)(Progress::Message(
                    "stress test not run: the model wrote no brute force or generator".into(),
                ));
                Ok(None)
            }
        }
    }
}

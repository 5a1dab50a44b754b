//! Request types and route handlers of the JSON API (`/v1/verify`, `/v1/judge`, `/v1/solve`,
//! `/healthz`, `/metrics`, `/openapi.json`). Responses reuse the CLI's report types
//! (`VerifyReport`, `JudgeReport`, `SolveReport`), so the HTTP and `--json` schemas are one.
//!
//! Handlers validate input up front (422 with the JSON path of the problem), then run the work on
//! the blocking pool under the route's [`RouteGate`](super::limits::RouteGate).

use super::engines::{CheckerSpec, InteractorSpec, JudgeInput, SolveInput};
use super::error::{ApiError, ErrorCode};
use super::limits::{self, judge_budget_ms, JudgeShape};
use super::{AppState, RequestCtx};
use crate::agent::{Kind, Progress};
use crate::chain::{self, Chain};
use crate::sandbox::compile::includes::MAX_COMPANION_HEADERS;
use crate::sandbox::{Checker, Lang, Limits, TestCase};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Most steps in one `/v1/verify` request (each step may carry several checks with their own
/// timeouts; longer texts should be split).
pub const MAX_VERIFY_STEPS: usize = 256;
/// Most tests in one `/v1/judge` request.
pub const MAX_JUDGE_TESTS: usize = 64;
/// Largest per-test time limit a client may ask for, ms.
pub const MAX_TIME_MS: u64 = 10_000;
/// Largest per-test memory limit a client may ask for, MiB (each running guest may use this).
pub const MAX_MEMORY_MB: u64 = 1024;
/// Largest per-test output cap a client may ask for, bytes.
pub const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Interval of SSE keep-alive comments on `/v1/solve` (proxies drop idle streams).
pub const SSE_KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Buffered progress events per `/v1/solve` stream; past this, progress events are dropped (the
/// final report never is), so a slow client cannot make the solver block or memory grow.
pub const SSE_BUFFER: usize = 256;

/// A JSON body extractor whose rejections are [`ApiError`]s: 413 past the body limit, 408 when
/// the body is not sent within the request's body timeout, 422 with the line/column (syntax) or
/// the JSON path (wrong shape) otherwise. Any content type is accepted, so `curl -d` works
/// without `-H 'Content-Type: application/json'`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = req.extensions().get::<RequestCtx>().copied();
        let timeout = ctx
            .map(|c| c.body_timeout)
            .unwrap_or(Duration::from_secs(limits::DEFAULT_BODY_READ_TIMEOUT_SECS));
        // A declared length past the limit is refused before waiting for any of it.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let (Some(len), Some(ctx)) = (declared, ctx) {
            if len > ctx.max_body as u64 {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!(
                        "the request body ({len} bytes) is larger than this server's limit \
                         (--max-body {})",
                        ctx.max_body
                    ),
                ));
            }
        }
        let bytes = tokio::time::timeout(timeout, Bytes::from_request(req, state))
            .await
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::RequestTimeout,
                    format!(
                        "the request body was not sent within {} s",
                        timeout.as_secs()
                    ),
                )
            })??;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a request body, with a message that says where it went wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::invalid_json(
            "the request body is empty; expected a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(ApiError::invalid_json(
                    format!("the body is not valid JSON: {inner}"),
                )),
                Category::Data => {
                    let at = if path == "." {
                        String::new()
                    } else {
                        format!("at `{path}`: ")
                    };
                    Err(ApiError::invalid_request(format!("{at}{inner}")))
                }
            }
        }
    }
}

// ---------------------------------------------------------------- /v1/verify

/// `POST /v1/verify`: give either `steps` or `solution`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The problem statement (optional). When it states an equation or condition in the unknown
    /// it asks for, the final answer is substituted back and checked (`answer_evidence:
    /// substitution`).
    #[serde(default)]
    pub problem: Option<String>,
    /// The solution already split into steps, one string per step.
    #[serde(default)]
    pub steps: Option<Vec<String>>,
    /// The solution as free text (markdown, LaTeX, a model's chain); split into steps by the
    /// same parser as `vibecheck verify`.
    #[serde(default)]
    pub solution: Option<String>,
    /// The final answer, when not written in the text (`\boxed{}`, `#### N`, "The answer is").
    #[serde(default)]
    pub answer: Option<String>,
    /// A reference answer to compare the final answer with.
    #[serde(default)]
    pub reference: Option<String>,
}

impl VerifyRequest {
    /// Checks the request's shape and turns it into a [`Chain`] with the same parsers as
    /// `vibecheck verify`.
    fn into_chain(self) -> Result<Chain, ApiError> {
        match (&self.steps, &self.solution) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_request(
                    "give either `steps` (an array of strings) or `solution` (text), not both",
                ))
            }
            (None, None) => {
                return Err(ApiError::invalid_request(
                    "missing the solution: give `steps` (an array of strings) or `solution` (text)",
                ))
            }
            (Some(steps), None) if steps.len() > MAX_VERIFY_STEPS => {
                return Err(ApiError::invalid_request(format!(
                    "too many steps ({}, at most {MAX_VERIFY_STEPS}); split the solution",
                    steps.len()
                )))
            }
            _ => {}
        }
        if let Some(steps) = &self.steps {
            // The CLI's JSON input form; one parser for both.
            let json = serde_json::json!({
                "problem": self.problem,
                "steps": steps,
                "answer": self.answer,
                "reference": self.reference,
            });
            return chain::parse_input(&json.to_string())
                .map_err(|e| ApiError::invalid_request(format!("{e:#}")));
        }
        let mut chain = chain::parse(self.solution.as_deref().unwrap_or_default());
        if self.problem.is_some() {
            chain.problem = self.problem;
        }
        if self.answer.is_some() {
            chain.answer = self.answer;
        }
        if self.reference.is_some() {
            chain.reference = self.reference;
        }
        Ok(chain)
    }
}

/// `POST /v1/verify` → `VerifyReport`.
pub async fn verify(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<RequestCtx>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Response, ApiError> {
    let eng = st.engines.clone();
    let deadline_secs = st.config.deadline_secs as f64;
    // Chain parsing of a 2 MiB body is CPU work: it runs on the blocking pool under the route's
    // gate, never on an async thread (where it would stall every other connection).
    let report = st
        .gates
        .verify
        .run_blocking(
            ctx.deadline,
            st.config.deadline_secs as f64,
            move |budget| {
                let chain = match req.into_chain() {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e)),
                };
                if chain.steps.len() > MAX_VERIFY_STEPS {
                    return Ok(Err(ApiError::invalid_request(format!(
                        "the solution has {} steps, at most {MAX_VERIFY_STEPS}; split it",
                        chain.steps.len()
                    ))));
                }
                let reference = chain.reference.clone();
                // A client that hangs up (or a deadline that fires) stops the items not yet
                // started; an item already running ends at its own timeout.
                let report = eng.verify(&chain, reference.as_deref(), &|| budget.is_cancelled())?;
                // Stopped part-way (deadline or client gone): items were left unchecked, so the
                // report is not sent as a result (as for /v1/judge).
                if budget.is_cancelled() {
                    return Ok(Err(ApiError::deadline(
                        "/v1/verify",
                        deadline_secs,
                        "while checking",
                    )));
                }
                Ok(Ok(report))
            },
        )
        .await?;
    st.metrics
        .observe_verdict("/v1/verify", &label(&report.verdict));
    Ok(Json(report).into_response())
}

// ---------------------------------------------------------------- /v1/judge

/// A solution's language; `c++`, `cxx` and `py` are accepted as aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiLang {
    C,
    #[serde(alias = "c++", alias = "cxx")]
    Cpp,
    #[serde(alias = "py", alias = "python3")]
    Python,
}

/// One judge test.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTest {
    /// Defaults to the test's 1-based position.
    #[serde(default)]
    pub name: Option<String>,
    pub input: String,
    /// The expected output; without it only runtime verdicts (TLE, RE, …) apply.
    #[serde(default)]
    pub answer: Option<String>,
}

/// How outputs are compared: `"tokens"` (default), `"lines"`, `"exact"`, `"yesno"`,
/// `{"float": 1e-6}` or `{"custom": "<testlib-style C++ checker source>"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiChecker {
    Tokens,
    Lines,
    Exact,
    YesNo,
    Float(f64),
    Custom(String),
}

impl From<ApiLang> for Lang {
    fn from(l: ApiLang) -> Self {
        match l {
            ApiLang::C => Lang::C,
            ApiLang::Cpp => Lang::Cpp,
            ApiLang::Python => Lang::Python,
        }
    }
}

impl From<ApiChecker> for CheckerSpec {
    fn from(c: ApiChecker) -> Self {
        match c {
            ApiChecker::Tokens => CheckerSpec::Builtin(Checker::Tokens),
            ApiChecker::Lines => CheckerSpec::Builtin(Checker::Lines),
            ApiChecker::Exact => CheckerSpec::Builtin(Checker::Exact),
            ApiChecker::YesNo => CheckerSpec::Builtin(Checker::YesNo),
            ApiChecker::Float(eps) => CheckerSpec::Builtin(Checker::Float(eps)),
            ApiChecker::Custom(src) => CheckerSpec::CustomSource(src),
        }
    }
}

/// The sandbox's test cases; a test without a name is named by its 1-based position.
fn test_cases(tests: Vec<ApiTest>) -> Vec<TestCase> {
    tests
        .into_iter()
        .enumerate()
        .map(|(i, t)| TestCase {
            name: t.name.unwrap_or_else(|| (i + 1).to_string()),
            input: t.input,
            answer: t.answer,
        })
        .collect()
}

/// A serde enum's wire name (`verified`, `AC`, …) for metrics labels.
fn label<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "unknown".into(),
    }
}

/// Per-test limits; omitted fields take the sandbox defaults (`Limits::DEFAULT`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiLimits {
    #[serde(default)]
    pub time_ms: Option<u64>,
    #[serde(default)]
    pub memory_mb: Option<u64>,
    #[serde(default)]
    pub output_bytes: Option<u64>,
}

/// The interactor of an interactive problem (`/v1/judge`'s `interactor`): it is started with the
/// test's input and answer files, talks to the solution through its stdin/stdout and gives the
/// test's verdict by its exit code, as testlib's `registerInteraction` expects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiInteractor {
    pub source: String,
    /// Defaults to C++ (testlib interactors are C++).
    #[serde(default)]
    pub language: Option<ApiLang>,
    /// Headers the source includes, by file name (`{"testlib.h": "..."}`); the server bundles
    /// none, so a testlib interactor sends its testlib.h here.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Longest header name an interactor may send.
pub const MAX_HEADER_NAME_BYTES: usize = 64;

/// A header name is a plain file name with a header extension, so it can only land beside the
/// interactor's source (no `/`, no `..`, no hidden files).
fn valid_header_name(name: &str) -> bool {
    let ext_ok = matches!(
        name.rsplit_once('.')
            .map(|(stem, ext)| (stem.is_empty(), ext)),
        Some((false, "h" | "hpp" | "hh" | "hxx" | "inc"))
    );
    ext_ok
        && name.len() <= MAX_HEADER_NAME_BYTES
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl ApiInteractor {
    fn validate(self) -> Result<InteractorSpec, ApiError> {
        if self.source.trim().is_empty() {
            return Err(ApiError::invalid_request("`interactor.source` is empty"));
        }
        if self.headers.len() > MAX_COMPANION_HEADERS {
            return Err(ApiError::invalid_request(format!(
                "too many `interactor.headers` ({}, at most {MAX_COMPANION_HEADERS})",
                self.headers.len()
            )));
        }
        if let Some(bad) = self.headers.keys().find(|n| !valid_header_name(n)) {
            return Err(ApiError::invalid_request(format!(
                "`interactor.headers` name {bad:?} is not a plain header file name (letters, \
                 digits, `._-`, at most {MAX_HEADER_NAME_BYTES} bytes, ending in .h, .hpp, .hh, \
                 .hxx or .inc)"
            )));
        }
        Ok(InteractorSpec {
            source: self.source,
            lang: self.language.unwrap_or(ApiLang::Cpp).into(),
            headers: self.headers.into_iter().collect(),
        })
    }
}

/// `POST /v1/judge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeRequestBody {
    pub source: String,
    pub language: ApiLang,
    pub tests: Vec<ApiTest>,
    #[serde(default)]
    pub checker: Option<ApiChecker>,
    /// Judges an interactive problem; excludes `checker` (the interactor decides each verdict).
    #[serde(default)]
    pub interactor: Option<ApiInteractor>,
    #[serde(default)]
    pub limits: Option<ApiLimits>,
}

impl JudgeRequestBody {
    fn validate(self, deadline_secs: u64) -> Result<JudgeInput, ApiError> {
        if self.tests.is_empty() {
            return Err(ApiError::invalid_request(
                "`tests` is empty; give at least one test",
            ));
        }
        if self.tests.len() > MAX_JUDGE_TESTS {
            return Err(ApiError::invalid_request(format!(
                "too many tests ({}, at most {MAX_JUDGE_TESTS})",
                self.tests.len()
            )));
        }
        if self.source.trim().is_empty() {
            return Err(ApiError::invalid_request("`source` is empty"));
        }
        let defaults = Limits::DEFAULT;
        let l = self.limits.unwrap_or_default();
        let time_ms = l.time_ms.unwrap_or(defaults.time_ms);
        let memory_mb = l.memory_mb.unwrap_or(defaults.memory_mb);
        let output_bytes = l.output_bytes.unwrap_or(defaults.output_bytes);
        for (name, v, max) in [
            ("limits.time_ms", time_ms, MAX_TIME_MS),
            ("limits.memory_mb", memory_mb, MAX_MEMORY_MB),
            ("limits.output_bytes", output_bytes, MAX_OUTPUT_BYTES),
        ] {
            if v == 0 || v > max {
                return Err(ApiError::invalid_request(format!(
                    "`{name}` = {v} is out of range (1..={max})"
                )));
            }
        }
        if self.interactor.is_some() && self.checker.is_some() {
            return Err(ApiError::invalid_request(
                "give either `interactor` or `checker`, not both: the interactor decides each \
                 test's verdict",
            ));
        }
        let shape = match (&self.interactor, &self.checker) {
            (Some(_), _) => JudgeShape::Interactive,
            (None, Some(ApiChecker::Custom(_))) => JudgeShape::CustomChecker,
            (None, _) => JudgeShape::Plain,
        };
        // A Python solution's runs get the Python time factor (see the sandbox's
        // `PY_TIME_FACTOR`), so its budget counts that CPU time.
        let run_ms = match self.language {
            ApiLang::Python => time_ms.saturating_mul(crate::sandbox::python_time_factor()),
            ApiLang::C | ApiLang::Cpp => time_ms,
        };
        let budget = judge_budget_ms(self.tests.len(), run_ms, shape);
        if budget > deadline_secs.saturating_mul(1000) {
            let what = match shape {
                JudgeShape::Plain => "tests plus compilation",
                JudgeShape::CustomChecker => {
                    "tests × (solution + checker runs) plus compiling both"
                }
                JudgeShape::Interactive => {
                    "interactions (each up to its wall-clock limit) plus compiling the solution \
                     and the interactor"
                }
            };
            return Err(ApiError::invalid_request(format!(
                "{} {what} at {run_ms} ms each could take {:.1} s, more than this \
                 server's {deadline_secs} s deadline; send fewer tests or a lower limits.time_ms",
                self.tests.len(),
                budget as f64 / 1000.0
            )));
        }
        if let Some(ApiChecker::Float(eps)) = self.checker {
            if !(eps.is_finite() && eps >= 0.0) {
                return Err(ApiError::invalid_request(
                    "`checker.float` must be a finite, non-negative tolerance",
                ));
            }
        }
        let interactor = self.interactor.map(ApiInteractor::validate).transpose()?;
        Ok(JudgeInput {
            source: self.source,
            lang: self.language.into(),
            tests: test_cases(self.tests),
            checker: self.checker.unwrap_or(ApiChecker::Tokens).into(),
            interactor,
            limits: Limits {
                time_ms,
                memory_mb,
                output_bytes,
            },
        })
    }
}

/// `POST /v1/judge` → `JudgeReport`.
pub async fn judge(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<RequestCtx>,
    ApiJson(req): ApiJson<JudgeRequestBody>,
) -> Result<Response, ApiError> {
    let input = req.validate(st.config.deadline_secs)?;
    let eng = st.engines.clone();
    let deadline_secs = st.config.deadline_secs as f64;
    let report = st
        .gates
        .judge
        .run_blocking(
            ctx.deadline,
            st.config.deadline_secs as f64,
            move |budget| {
                if budget.is_cancelled() {
                    return Ok(Err(ApiError::deadline(
                        "/v1/judge",
                        deadline_secs,
                        "before judging started",
                    )));
                }
                // The sandbox stops at the deadline or when the client goes away (compiler
                // killed, guest ended, later tests not started), so the slot is freed promptly.
                let judged = eng.judge(&input, budget.sandbox_cancel());
                if budget.is_cancelled() {
                    // Whatever came back is partial (tests "not run"): never answer it as a
                    // report. The gate has usually answered 504 already.
                    return Ok(Err(ApiError::deadline(
                        "/v1/judge",
                        deadline_secs,
                        "while running",
                    )));
                }
                match judged {
                    Ok(report) => Ok(Ok(report)),
                    // A checker that does not compile is the request's fault: 422, not 500.
                    Err(e) => Ok(Err(compile_error(e)?)),
                }
            },
        )
        .await?;
    st.metrics
        .observe_verdict("/v1/judge", &label(&report.verdict));
    Ok(Json(report).into_response())
}

/// A checker or interactor that does not compile is the request's fault: 422 with the
/// compiler's diagnostics, not 500. The server's temp path of the source is not named (it means
/// nothing to the client); the field is. Any other error is passed on (500).
fn compile_error(e: anyhow::Error) -> anyhow::Result<ApiError> {
    use crate::sandbox::{CheckerCompileError, InteractorCompileError};
    if let Some(ce) = e.downcast_ref::<CheckerCompileError>() {
        return Ok(ApiError::invalid_request(format!(
            "the checker (`checker.custom`) does not compile:\n{}",
            ce.diagnostics
        )));
    }
    if let Some(ie) = e.downcast_ref::<InteractorCompileError>() {
        // The server bundles no headers: say where a missing testlib.h goes.
        let hint = if ie.diagnostics.contains("file not found") {
            "\n(headers the interactor includes, such as testlib.h, are sent in \
             `interactor.headers`)"
        } else {
            ""
        };
        return Ok(ApiError::invalid_request(format!(
            "the interactor (`interactor.source`) does not compile:\n{}{hint}",
            ie.diagnostics
        )));
    }
    Err(e)
}

// ---------------------------------------------------------------- /v1/solve

/// `POST /v1/solve`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    pub problem: String,
    /// `math` or `code`; guessed from the problem when omitted.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Replaces the built-in system prompt.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// A reference answer (math) to check the final answer against.
    #[serde(default)]
    pub reference: Option<String>,
    /// Tests for code problems.
    #[serde(default)]
    pub tests: Vec<ApiTest>,
    /// Attempts (generate → verify → retry with evidence); default from the agent.
    #[serde(default)]
    pub attempts: Option<usize>,
    /// Samples per attempt for voting.
    #[serde(default)]
    pub samples: Option<usize>,
    /// Math: ask for a program-of-thought check of the answer (default true).
    #[serde(default)]
    pub program_check: Option<bool>,
}

/// Most attempts × samples a client may ask for in one solve (each is a full generation).
pub const MAX_SOLVE_GENERATIONS: usize = 32;

/// A count field of `/v1/solve` (`attempts`, `samples`): absent, or in 1..=[`MAX_SOLVE_GENERATIONS`]
/// (422 otherwise; checked before any arithmetic, so `2^63` cannot overflow a product).
fn check_count(name: &str, v: Option<usize>) -> Result<Option<usize>, ApiError> {
    match v {
        Some(n) if n == 0 || n > MAX_SOLVE_GENERATIONS => Err(ApiError::invalid_request(format!(
            "`{name}` = {n} is out of range (1..={MAX_SOLVE_GENERATIONS})"
        ))),
        other => Ok(other),
    }
}

/// `POST /v1/solve` → `text/event-stream`: `progress` events, then one `report` event (the
/// `solve --json` schema) or one `error` event (`{"error": {code, message}}`).
pub async fn solve(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<RequestCtx>,
    ApiJson(req): ApiJson<SolveRequest>,
) -> Result<Response, ApiError> {
    // Range checks first: they do not depend on the backend and must hold for every request.
    let attempts = check_count("attempts", req.attempts)?;
    let samples = check_count("samples", req.samples)?;
    let gens = attempts.unwrap_or(1).saturating_mul(samples.unwrap_or(1));
    if gens > MAX_SOLVE_GENERATIONS {
        return Err(ApiError::invalid_request(format!(
            "attempts × samples = {gens}, at most {MAX_SOLVE_GENERATIONS}"
        )));
    }
    if !st.engines.has_model() {
        return Err(ApiError::new(
            ErrorCode::NoModel,
            "this server has no model backend configured, so /v1/solve is unavailable; start \
             `vibecheck serve` with --model PATH (a Hugging Face directory or .gguf) or \
             --openai-url URL (a vLLM/SGLang server). /v1/verify and /v1/judge work without one.",
        ));
    }
    if req.problem.trim().is_empty() {
        return Err(ApiError::invalid_request("`problem` is empty"));
    }
    let input = SolveInput {
        problem: req.problem,
        kind: req.kind,
        system_prompt: req.system_prompt,
        reference: req.reference,
        tests: test_cases(req.tests),
        attempts,
        samples,
        program_check: req.program_check,
        deadline: limits::deadline_from(ctx.arrival, st.config.solve_deadline_secs),
    };
    // Take a slot before answering 200, so a full queue is still a plain 503.
    let permit = st
        .gates
        .solve
        .acquire(input.deadline, st.config.solve_deadline_secs as f64)
        .await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(SSE_BUFFER);
    let eng = st.engines.clone();
    let metrics = st.metrics.clone();
    // The event stream owns the guard: hyper drops the stream when the client disconnects,
    // which cancels the solve (generation at its next token, sandbox work at its next check)
    // and counts it as abandoned. The agent ends at its own deadline with a report.
    let budget = limits::WorkBudget::new(input.deadline);
    let cancel = budget.flag();
    let guard = st.gates.solve.cancel_on_drop(budget);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let result = eng.solve(&input, cancel.clone(), &mut |p: &Progress| {
            if let Ok(ev) = Event::default().event("progress").json_data(p) {
                // Full buffer: drop this progress event rather than block the solver.
                let _ = tx.try_send(ev);
            }
        });
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            // The client is gone: nobody receives this report, so it is not counted.
            return;
        }
        let final_event = match result {
            Ok(report) => {
                metrics.observe_verdict("/v1/solve", &label(&report.verdict));
                Event::default().event("report").json_data(&report)
            }
            Err(e) => {
                let err = ApiError::internal(&e);
                tracing::error!("serve: /v1/solve failed: {e:#}");
                Event::default().event("error").json_data(err.body())
            }
        };
        if let Ok(ev) = final_event {
            let _ = tx.blocking_send(ev);
        }
    });
    let stream = futures_util::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        match rx.recv().await {
            Some(ev) => Some((Ok::<_, Infallible>(ev), (rx, guard))),
            // The solve ended and every event was sent.
            None => {
                guard.answered();
                None
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(SSE_KEEP_ALIVE))
        .into_response())
}

// ---------------------------------------------------------------- misc routes

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    pub version: String,
    /// The model backend's name, or null when /v1/solve is unavailable.
    pub model: Option<String>,
    /// Whether /v1/* routes need an API key.
    pub auth: bool,
    /// Worker slots per route.
    pub workers: usize,
}

pub async fn healthz(State(st): State<Arc<AppState>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model: st.engines.model_name(),
        auth: st.keys.required,
        workers: st.config.workers,
    })
}

pub async fn metrics(State(st): State<Arc<AppState>>) -> Response {
    let text = st
        .metrics
        .render(&st.gates.gauges(), st.engines.worker_restarts());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document().to_string(),
    )
        .into_response()
}

pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        super::INDEX_HTML,
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route; see GET /openapi.json")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not accept this method; see GET /openapi.json",
    )
}

/// Re-exported for the OpenAPI document's limits section.
pub fn limits_summary() -> serde_json::Value {
    serde_json::json!({
        "max_verify_steps": MAX_VERIFY_STEPS,
        "max_judge_tests": MAX_JUDGE_TESTS,
        "max_time_ms": MAX_TIME_MS,
        "max_memory_mb": MAX_MEMORY_MB,
        "max_output_bytes": MAX_OUTPUT_BYTES,
        "max_solve_generations": MAX_SOLVE_GENERATIONS,
        "judge_compile_allowance_ms": limits::JUDGE_COMPILE_ALLOWANCE_MS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_say_where() {
        let e = parse_json::<VerifyRequest>(b"{\"steps\": [1]}").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert!(e.message.contains("steps[0]"), "{}", e.message);
        let e = parse_json::<VerifyRequest>(b"{\"steps\": [\"a\"").unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.code.as_str()),
            (422, "invalid_json")
        );
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = parse_json::<VerifyRequest>(b"{\"stpes\": []}").unwrap_err();
        assert!(e.message.contains("stpes"), "{}", e.message);
        let e = parse_json::<VerifyRequest>(b"  ").unwrap_err();
        assert!(e.message.contains("empty"), "{}", e.message);
    }

    #[test]
    fn checker_and_language_spellings() {
        let r: JudgeRequestBody = parse_json(
            br#"{"source":"x","language":"c++","tests":[{"input":"1"}],"checker":{"float":1e-6}}"#,
        )
        .unwrap();
        assert_eq!(r.language, ApiLang::Cpp);
        assert_eq!(r.checker, Some(ApiChecker::Float(1e-6)));
        let r: JudgeRequestBody =
            parse_json(br#"{"source":"x","language":"py","tests":[],"checker":"yesno"}"#).unwrap();
        assert_eq!(r.checker, Some(ApiChecker::YesNo));
        let e = r.validate(60).unwrap_err();
        assert!(e.message.contains("tests"), "{}", e.message);
    }

    #[test]
    fn judge_budget_must_fit_the_deadline() {
        let tests = (0..10)
            .map(|_| ApiTest {
                name: None,
                input: String::new(),
                answer: None,
            })
            .collect();
        let r = JudgeRequestBody {
            source: "x".into(),
            language: ApiLang::C,
            tests,
            checker: None,
            interactor: None,
            limits: Some(ApiLimits {
                time_ms: Some(10_000),
                ..Default::default()
            }),
        };
        let e = r.validate(60).unwrap_err();
        assert!(e.message.contains("deadline"), "{}", e.message);
    }

    #[test]
    fn interactor_header_names_are_plain_header_files() {
        for ok in ["testlib.h", "my_lib-2.hpp", "a.inc"] {
            assert!(valid_header_name(ok), "{ok}");
        }
        let long = format!("{}.h", "a".repeat(MAX_HEADER_NAME_BYTES));
        for bad in [
            "../testlib.h",
            "a/b.h",
            ".h",
            ".hidden.h",
            "x.txt",
            "x",
            "a b.h",
            &long,
        ] {
            assert!(!valid_header_name(bad), "{bad}");
        }
    }

    #[test]
    fn interactor_excludes_checker_and_defaults_to_cpp() {
        let body = br#"{"source":"x","language":"c","tests":[{"input":"1"}],
            "interactor":{"source":"int main(){}"},"checker":"tokens"}"#;
        let e = parse_json::<JudgeRequestBody>(body)
            .unwrap()
            .validate(60)
            .unwrap_err();
        assert!(e.message.contains("`interactor`"), "{}", e.message);
        let body = br#"{"source":"x","language":"c","tests":[{"input":"1"}],
            "interactor":{"source":"int main(){}"}}"#;
        let input = parse_json::<JudgeRequestBody>(body)
            .unwrap()
            .validate(60)
            .unwrap();
        assert_eq!(input.interactor.map(|i| i.lang), Some(Lang::Cpp));
    }

    #[test]
    fn verify_needs_exactly_one_form() {
        assert!(VerifyRequest::default().into_chain().is_err());
        let both = VerifyRequest {
            steps: Some(vec![]),
            solution: Some(String::new()),
            ..Default::default()
        };
        assert!(both.into_chain().is_err());
    }
}

//! OpenAI-compatible HTTP backend (`POST …/v1/chat/completions`): how vibecheck scales out to a
//! vLLM or SGLang deployment.
//!
//! Streams with server-sent events by default (text arrives as the server decodes it) or asks
//! for one JSON answer ([`OpenAiGenerator::with_streaming`]). `n` samples come back as one
//! request's `choices`; a server that refuses that `n` (llama-server caps it by its slots,
//! other APIs take only n = 1) gets `n` single-sample requests instead, at most
//! [`MAX_PARALLEL_REQUESTS`] at a time, and keeps getting them for the generator's lifetime.
//! Connection failures, HTTP 429 and 5xx are retried with exponential backoff before any output
//! was produced; other 4xx, malformed SSE and server error objects are clear errors. The
//! repetition-loop detector runs over streamed chunks and drops the connection once every
//! choice is finished or looping.

use super::error::ModelError;
use super::stop::LoopDetector;
use super::{Capabilities, ChatMessage, GenEvent, Generation, Generator, SamplingParams};
use super::{StopReason, Usage};
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Time allowed to open the TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence tolerated between bytes from the server. A non-streaming request for a
/// 40,960-token answer is silent while the server generates, so this is generous.
pub const READ_TIMEOUT: Duration = Duration::from_secs(600);
/// Retries after the first attempt, for connection errors, HTTP 429 and 5xx.
pub const MAX_RETRIES: usize = 3;
/// First backoff delay; doubles on each retry (0.5 s, 1 s, 2 s).
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Largest non-streaming response body read (a 40k-token answer × n is far below this).
pub const MAX_RESPONSE_BYTES: u64 = 64 << 20;
/// Longest single SSE line accepted.
pub const MAX_SSE_LINE_BYTES: u64 = 1 << 20;
/// Most single-sample requests in flight at once when a server refuses `n > 1`: enough to keep
/// a few server slots busy, few enough not to flood a small local server.
pub const MAX_PARALLEL_REQUESTS: usize = 4;
/// Environment variables holding the API key, in order of preference.
pub const API_KEY_VARS: [&str; 2] = ["VIBECHECK_OPENAI_API_KEY", "OPENAI_API_KEY"];

/// A client for one model on one OpenAI-compatible server.
pub struct OpenAiGenerator {
    endpoint: String,
    model: String,
    api_key: Option<String>,
    agent: ureq::Agent,
    stream: bool,
    max_retries: usize,
    backoff: Duration,
    /// Set once the server refused `n > 1`: later calls go straight to single requests.
    n_refused: bool,
}

/// The API key from [`API_KEY_VARS`], if set and non-empty.
pub fn api_key_from_env() -> Option<String> {
    API_KEY_VARS
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|k| !k.trim().is_empty())
}

/// `(prompt_tokens, completion_tokens)` as the server reported them.
type TokenCounts = (usize, usize);

/// What one request (or the whole call) produced.
type Reply = Result<(Vec<Generation>, Usage)>;

struct Choice {
    text: String,
    chunks: usize,
    stop: Option<StopReason>,
    loops: LoopDetector,
}

fn chunk_hash(s: &str) -> u32 {
    // FNV-1a: a stable id per distinct chunk for the loop detector.
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn map_finish(finish: &str, stop_reason: Option<&Value>) -> StopReason {
    match finish {
        "length" => StopReason::MaxTokens,
        "stop" if stop_reason.is_some_and(|s| s.is_string()) => StopReason::StopString,
        _ => StopReason::Eos,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        s.to_string()
    } else {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

impl OpenAiGenerator {
    /// `base_url` is the server's API root, e.g. `http://127.0.0.1:8000/v1` (a URL without
    /// `/v1` gets it appended).
    pub fn new(base_url: &str, model: &str, api_key: Option<String>) -> Result<Self> {
        let base = base_url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--openai-url must start with http:// or https://, got {base_url:?}");
        }
        if model.trim().is_empty() {
            bail!("--openai-model must not be empty");
        }
        let endpoint = if base.ends_with("/chat/completions") {
            base.to_string()
        } else if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout_read(READ_TIMEOUT)
            .build();
        Ok(Self {
            endpoint,
            model: model.to_string(),
            api_key,
            agent,
            stream: true,
            max_retries: MAX_RETRIES,
            backoff: BACKOFF_BASE,
            n_refused: false,
        })
    }

    /// Whether the server refused `n > 1` once, so that every later `n > 1` call is sent as
    /// single-sample requests (at most [`MAX_PARALLEL_REQUESTS`] at a time).
    pub fn splits_n(&self) -> bool {
        self.n_refused
    }

    /// Streaming (SSE, the default) or one JSON response.
    pub fn with_streaming(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Overrides the retry policy (tests use short backoffs).
    pub fn with_retries(mut self, max_retries: usize, backoff: Duration) -> Self {
        self.max_retries = max_retries;
        self.backoff = backoff;
        self
    }

    /// The full URL requests go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn body(&self, messages: &[ChatMessage], p: &SamplingParams) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": p.max_tokens,
            "temperature": p.temperature,
            "top_p": p.top_p,
            "seed": p.seed,
            "n": p.n,
            "stream": self.stream,
        });
        if let Some(k) = p.top_k {
            body["top_k"] = json!(k);
        }
        if !p.stop.is_empty() {
            body["stop"] = json!(p.stop);
        }
        if self.stream {
            body["stream_options"] = json!({"include_usage": true});
        }
        body
    }

    /// POSTs `body`, retrying connection errors, 429 and 5xx with exponential backoff.
    fn send(&self, body: &Value) -> Result<ureq::Response> {
        let text = body.to_string();
        let mut attempt = 0;
        loop {
            let mut req = self
                .agent
                .post(&self.endpoint)
                .set("Content-Type", "application/json");
            if let Some(k) = &self.api_key {
                req = req.set("Authorization", &format!("Bearer {k}"));
            }
            let err = match req.send_string(&text) {
                Ok(r) => return Ok(r),
                Err(ureq::Error::Status(code, r)) => {
                    let err = self.status_error(code, r);
                    if code != 429 && code < 500 {
                        return Err(err.into());
                    }
                    anyhow::Error::from(err)
                }
                Err(ureq::Error::Transport(t)) => {
                    let hint = if t.kind() == ureq::ErrorKind::ConnectionFailed {
                        " — connection refused or host unreachable; is the server running?"
                    } else {
                        ""
                    };
                    anyhow!("cannot reach {}{hint} ({t})", self.endpoint)
                }
            };
            if attempt >= self.max_retries {
                return Err(err.context(format!("gave up after {} attempts", attempt + 1)));
            }
            let delay = self.backoff * 2u32.saturating_pow(attempt as u32);
            tracing::warn!(
                "openai: attempt {} failed ({err}); retrying in {:.1}s",
                attempt + 1,
                delay.as_secs_f64()
            );
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    /// The typed error for an HTTP error status, with the server's message and a hint.
    fn status_error(&self, code: u16, r: ureq::Response) -> ModelError {
        let mut buf = String::new();
        let _ = r.into_reader().take(64 << 10).read_to_string(&mut buf);
        let message = serde_json::from_str::<Value>(&buf)
            .ok()
            .and_then(|v| {
                v.pointer("/error/message")
                    .or_else(|| v.get("message"))
                    .or_else(|| v.get("error"))
                    .map(|m| m.as_str().map(str::to_string).unwrap_or(m.to_string()))
            })
            .unwrap_or_else(|| truncate(buf.trim(), 500));
        let hint = match code {
            401 | 403 => format!(
                " (check the API key in {} or {})",
                API_KEY_VARS[0], API_KEY_VARS[1]
            ),
            404 => " (check --openai-url, which should end in /v1, and --openai-model)".into(),
            _ => String::new(),
        };
        ModelError::Http {
            endpoint: self.endpoint.clone(),
            status: code,
            message,
            hint,
        }
    }

    /// Reads one response (a JSON body or an event stream) into `n` choices.
    fn generate_once(
        &self,
        resp: ureq::Response,
        n: usize,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Choice>, Option<TokenCounts>)> {
        let choices: Vec<Choice> = (0..n)
            .map(|_| Choice {
                text: String::new(),
                chunks: 0,
                stop: None,
                loops: LoopDetector::new(),
            })
            .collect();
        if self.stream {
            self.read_stream(resp, choices, on_event)
        } else {
            self.read_json(resp, choices, on_event)
        }
    }

    /// A non-streaming answer: one JSON body with every choice.
    fn read_json(
        &self,
        resp: ureq::Response,
        mut choices: Vec<Choice>,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Choice>, Option<TokenCounts>)> {
        let n = choices.len();
        let mut buf = String::new();
        resp.into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_string(&mut buf)
            .map_err(|e| anyhow!("reading the response from {}: {e}", self.endpoint))?;
        if buf.len() as u64 > MAX_RESPONSE_BYTES {
            bail!(
                "response from {} exceeds {MAX_RESPONSE_BYTES} bytes",
                self.endpoint
            );
        }
        let v: Value = serde_json::from_str(&buf).map_err(|e| {
            anyhow!(
                "malformed JSON response from {}: {e}: {}",
                self.endpoint,
                truncate(&buf, 200)
            )
        })?;
        if let Some(err) = v.get("error") {
            bail!("{} returned an error: {err}", self.endpoint);
        }
        let arr = v
            .get("choices")
            .and_then(|c| c.as_array())
            .ok_or_else(|| anyhow!("response from {} has no choices", self.endpoint))?;
        let mut cancelled = false;
        for c in arr {
            let i = c.get("index").and_then(|i| i.as_u64()).unwrap_or(0) as usize;
            let Some(ch) = choices.get_mut(i) else {
                bail!("response choice index {i} out of range (n = {n})");
            };
            ch.text = c
                .pointer("/message/content")
                .and_then(|t| t.as_str())
                .unwrap_or("")
                .to_string();
            let stop = map_finish(
                c.get("finish_reason")
                    .and_then(|f| f.as_str())
                    .unwrap_or("stop"),
                c.get("stop_reason"),
            );
            ch.stop = Some(stop);
            if !cancelled && !ch.text.is_empty() {
                cancelled |= on_event(GenEvent::Text {
                    seq: i,
                    text: ch.text.clone(),
                })
                .is_break();
            }
            if !cancelled {
                cancelled |= on_event(GenEvent::Done { seq: i, stop }).is_break();
            }
        }
        if choices.iter().any(|c| c.stop.is_none()) {
            bail!(
                "response from {} has fewer than n = {n} choices",
                self.endpoint
            );
        }
        Ok((choices, usage_of(&v)))
    }

    /// Reads the next `data:` payload of an event stream; `None` at the end of the body.
    /// Comments, blank lines and `event:`/`id:`/`retry:` fields are skipped.
    fn next_sse_data(
        &self,
        reader: &mut impl BufRead,
        line: &mut Vec<u8>,
    ) -> Result<Option<String>> {
        loop {
            line.clear();
            let read = reader
                .take(MAX_SSE_LINE_BYTES + 1)
                .read_until(b'\n', line)
                .map_err(|e| anyhow!("reading the event stream from {}: {e}", self.endpoint))?;
            if read == 0 {
                return Ok(None);
            }
            if line.len() as u64 > MAX_SSE_LINE_BYTES {
                bail!(
                    "SSE line from {} exceeds {MAX_SSE_LINE_BYTES} bytes",
                    self.endpoint
                );
            }
            let text = String::from_utf8_lossy(line);
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() || text.starts_with(':') {
                continue;
            }
            if let Some(data) = text.strip_prefix("data:") {
                return Ok(Some(data.trim_start().to_string()));
            }
            if !(text.starts_with("event:")
                || text.starts_with("id:")
                || text.starts_with("retry:"))
            {
                bail!(
                    "malformed SSE line from {}: {}",
                    self.endpoint,
                    truncate(text, 200)
                );
            }
        }
    }

    /// A streamed answer: SSE chunks until `[DONE]`, or until every choice is finished and one
    /// is looping (then the connection is dropped).
    fn read_stream(
        &self,
        resp: ureq::Response,
        mut choices: Vec<Choice>,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Choice>, Option<TokenCounts>)> {
        let mut reader = BufReader::new(resp.into_reader());
        let mut usage = None;
        let mut line = Vec::new();
        let mut done = false;
        while let Some(data) = self.next_sse_data(&mut reader, &mut line)? {
            if data == "[DONE]" {
                done = true;
                break;
            }
            let v: Value = serde_json::from_str(&data).map_err(|e| {
                anyhow!(
                    "malformed SSE event from {}: {e}: {}",
                    self.endpoint,
                    truncate(&data, 200)
                )
            })?;
            if let Some(err) = v.get("error") {
                bail!("{} reported an error mid-stream: {err}", self.endpoint);
            }
            if let Some(u) = usage_of(&v) {
                usage = Some(u);
            }
            if apply_chunk(&mut choices, &v, on_event)?.is_break() {
                return Ok((cancel(choices, on_event), usage));
            }
            if choices.iter().all(|c| c.stop.is_some())
                && choices
                    .iter()
                    .any(|c| c.stop == Some(StopReason::LoopDetected))
            {
                // Everything left is looping: stop reading (drops the connection).
                done = true;
                break;
            }
        }
        if !done && choices.iter().any(|c| c.stop.is_none()) {
            bail!(
                "the event stream from {} ended before [DONE] with unfinished choices",
                self.endpoint
            );
        }
        for (i, c) in choices.iter_mut().enumerate() {
            if c.stop.is_none() {
                c.stop = Some(StopReason::Eos);
                let _ = on_event(GenEvent::Done {
                    seq: i,
                    stop: StopReason::Eos,
                });
            }
        }
        Ok((choices, usage))
    }

    /// One request for `params` (all `params.n` choices), timed and turned into generations.
    fn request(
        &self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Generation>, Usage)> {
        let t0 = Instant::now();
        let resp = self.send(&self.body(messages, params))?;
        let (choices, usage) = self.generate_once(resp, params.n, on_event)?;
        let secs = t0.elapsed().as_secs_f64();
        let counted: usize = choices.iter().map(|c| c.chunks).sum();
        let (prompt_tokens, completion_tokens) = usage.unwrap_or((0, counted));
        let total_chars: usize = choices.iter().map(|c| c.text.len()).sum();
        let gens = choices
            .into_iter()
            .map(|c| Generation {
                // Streamed: one chunk per token (as vLLM/SGLang stream). Otherwise the server's
                // total, apportioned by text length when there are several choices.
                completion_tokens: if self.stream {
                    c.chunks
                } else if params.n == 1 || total_chars == 0 {
                    completion_tokens / params.n
                } else {
                    (completion_tokens as f64 * c.text.len() as f64 / total_chars as f64).round()
                        as usize
                },
                text: c.text,
                stop: c.stop.unwrap_or(StopReason::Eos),
            })
            .collect();
        Ok((
            gens,
            Usage {
                prompt_tokens,
                completion_tokens,
                tokens_per_second: per_second(completion_tokens, secs),
            },
        ))
    }

    /// `params.n` single-sample requests (sample `i` with seed `seed + i`), at most
    /// [`MAX_PARALLEL_REQUESTS`] in flight. Events reach `on_event` on this thread with the
    /// sample's index; cancelling stops every request.
    fn request_each(
        &self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Generation>, Usage)> {
        let n = params.n;
        let t0 = Instant::now();
        let cancelled = AtomicBool::new(false);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (tx, rx) = mpsc::channel::<(usize, GenEvent)>();
        let mut results: Vec<Option<Reply>> = (0..n).map(|_| None).collect();
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..MAX_PARALLEL_REQUESTS.min(n))
                .map(|_| {
                    let tx = tx.clone();
                    let (cancelled, next) = (&cancelled, &next);
                    scope.spawn(move || {
                        let mut done = vec![];
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= n || cancelled.load(Ordering::SeqCst) {
                                break;
                            }
                            let one = SamplingParams {
                                n: 1,
                                seed: params.seed.wrapping_add(i as u64),
                                ..params.clone()
                            };
                            let r = self.request(messages, &one, &mut |ev| {
                                let ev = match ev {
                                    GenEvent::Text { text, .. } => GenEvent::Text { seq: i, text },
                                    GenEvent::Done { stop, .. } => GenEvent::Done { seq: i, stop },
                                };
                                let _ = tx.send((i, ev));
                                if cancelled.load(Ordering::SeqCst) {
                                    ControlFlow::Break(())
                                } else {
                                    ControlFlow::Continue(())
                                }
                            });
                            done.push((i, r));
                        }
                        done
                    })
                })
                .collect();
            drop(tx);
            // Forward events until every worker has dropped its sender.
            for (_, ev) in rx {
                if !cancelled.load(Ordering::SeqCst) && on_event(ev).is_break() {
                    cancelled.store(true, Ordering::SeqCst);
                }
            }
            for w in workers {
                for (i, r) in w.join().expect("request thread panicked") {
                    results[i] = Some(r);
                }
            }
        });
        let mut gens = Vec::with_capacity(n);
        let mut usage = Usage::default();
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Some(r) => {
                    let (mut g, u) = r?;
                    usage.prompt_tokens = usage.prompt_tokens.max(u.prompt_tokens);
                    usage.completion_tokens += u.completion_tokens;
                    gens.append(&mut g);
                }
                // Never started: the caller cancelled first.
                None => {
                    let _ = on_event(GenEvent::Done {
                        seq: i,
                        stop: StopReason::Cancelled,
                    });
                    gens.push(Generation {
                        text: String::new(),
                        stop: StopReason::Cancelled,
                        completion_tokens: 0,
                    });
                }
            }
        }
        usage.tokens_per_second = per_second(usage.completion_tokens, t0.elapsed().as_secs_f64());
        Ok((gens, usage))
    }
}

fn per_second(tokens: usize, secs: f64) -> f64 {
    if secs > 0.0 {
        tokens as f64 / secs
    } else {
        0.0
    }
}

/// Applies one streamed chunk's choice deltas. `Break` when the caller cancelled.
fn apply_chunk(
    choices: &mut [Choice],
    v: &Value,
    on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
) -> Result<ControlFlow<()>> {
    let n = choices.len();
    let Some(arr) = v.get("choices").and_then(|c| c.as_array()) else {
        return Ok(ControlFlow::Continue(()));
    };
    for c in arr {
        let i = c.get("index").and_then(|i| i.as_u64()).unwrap_or(0) as usize;
        let Some(ch) = choices.get_mut(i) else {
            bail!("stream choice index {i} out of range (n = {n})");
        };
        if ch.stop.is_some() {
            continue; // finished or looping: ignore the rest of this choice
        }
        if let Some(t) = c.pointer("/delta/content").and_then(|t| t.as_str()) {
            if !t.is_empty() {
                ch.text.push_str(t);
                ch.chunks += 1;
                let looping = ch.loops.push(chunk_hash(t)).is_some();
                let text = t.to_string();
                if on_event(GenEvent::Text { seq: i, text }).is_break() {
                    return Ok(ControlFlow::Break(()));
                }
                if looping {
                    ch.stop = Some(StopReason::LoopDetected);
                }
            }
        }
        if ch.stop.is_none() {
            if let Some(f) = c.get("finish_reason").and_then(|f| f.as_str()) {
                ch.stop = Some(map_finish(f, c.get("stop_reason")));
            }
        }
        if let Some(stop) = ch.stop {
            if on_event(GenEvent::Done { seq: i, stop }).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
    }
    Ok(ControlFlow::Continue(()))
}

fn cancel(
    mut choices: Vec<Choice>,
    on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
) -> Vec<Choice> {
    for (i, c) in choices.iter_mut().enumerate() {
        if c.stop.is_none() {
            c.stop = Some(StopReason::Cancelled);
            let _ = on_event(GenEvent::Done {
                seq: i,
                stop: StopReason::Cancelled,
            });
        }
    }
    choices
}

fn usage_of(v: &Value) -> Option<(usize, usize)> {
    let u = v.get("usage")?;
    let p = u.get("prompt_tokens")?.as_u64()? as usize;
    let c = u.get("completion_tokens")?.as_u64()? as usize;
    Some((p, c))
}

impl Generator for OpenAiGenerator {
    fn name(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            batched: true,
            gpu: false,
            streaming: self.stream,
        }
    }

    fn generate(
        &mut self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Generation>, Usage)> {
        if params.n == 0 {
            bail!("n must be at least 1");
        }
        if messages.is_empty() {
            bail!("no messages to send to the model");
        }
        if params.n > 1 && self.n_refused {
            return self.request_each(messages, params, on_event);
        }
        match self.request(messages, params, on_event) {
            Err(e)
                if params.n > 1
                    && e.downcast_ref::<ModelError>()
                        .is_some_and(ModelError::is_n_refused) =>
            {
                tracing::warn!(
                    "openai: the server refused n = {} ({e}); sending {} single-sample \
                     requests, at most {MAX_PARALLEL_REQUESTS} at a time",
                    params.n,
                    params.n
                );
                self.n_refused = true;
                self.request_each(messages, params, on_event)
            }
            r => r,
        }
    }
}

//! The OpenAI-compatible backend against a real llama.cpp `llama-server` on loopback serving the
//! demo GGUF (beside tests/openai.rs, which scripts the server's answers): streamed and plain
//! responses, `n` within the server's slots in one request, and `n` above them — which
//! llama-server refuses with HTTP 400 — through the fallback to separate, bounded concurrent
//! requests.

mod common;

use common::require;
use std::net::{SocketAddr, TcpListener};
use std::ops::ControlFlow;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use vibecheck::model::openai::OpenAiGenerator;
use vibecheck::model::{ChatMessage, GenEvent, Generation, Generator, SamplingParams, StopReason};

/// Parallel slots of the server: `n` up to this is one request, above it the server refuses.
const SLOTS: usize = 2;
/// Polls of `/health` while the server loads the model (20 ms apart: ≈ 5 minutes, a hang guard
/// for a loaded machine, not a speed assertion).
const MAX_HEALTH_POLLS: u32 = 15_000;

/// `llama-server` on a free loopback port; killed on drop.
struct LlamaServer {
    child: Child,
    addr: SocketAddr,
}

impl LlamaServer {
    fn start() -> Self {
        let bin = require::llama_server();
        let model = require::demo_gguf();
        // A free port: bind to 0, read it, release it for the server.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("-m")
            .arg(&model)
            .args([
                "-np",
                &SLOTS.to_string(),
                "-c",
                "2048",
                "-t",
                "2",
                "--no-warmup",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning llama-server");
        let mut srv = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        srv.wait_healthy();
        srv
    }

    /// Waits for `/health` to answer 200 (503 while the model loads).
    fn wait_healthy(&mut self) {
        for _ in 0..MAX_HEALTH_POLLS {
            if let Some(status) = self.child.try_wait().expect("polling llama-server") {
                panic!("llama-server exited before it was ready: {status}");
            }
            if common::request(self.addr, "GET", "/health", &[], None)
                .is_ok_and(|r| r.status == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("llama-server never became healthy on {}", self.addr);
    }

    fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn params(n: usize, temperature: f64) -> SamplingParams {
    SamplingParams {
        n,
        temperature,
        // Short answers keep the test quick on a slow portable (GGML_NATIVE=OFF) server build.
        max_tokens: 12,
        seed: 3,
        ..SamplingParams::default()
    }
}

/// Runs one call; returns the generations and every event.
fn run(g: &mut OpenAiGenerator, p: &SamplingParams) -> (Vec<Generation>, Vec<GenEvent>) {
    let mut events = vec![];
    let msgs = [ChatMessage::user("What is the capital of France?")];
    let (gens, usage) = g
        .generate(&msgs, p, &mut |e| {
            events.push(e);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(gens.len(), p.n);
    assert!(usage.prompt_tokens > 0, "{usage:?}");
    assert!(usage.completion_tokens > 0, "{usage:?}");
    for (i, g) in gens.iter().enumerate() {
        assert!(
            g.completion_tokens > 0 && !g.text.is_empty(),
            "sample {i}: {g:?}"
        );
        assert!(
            matches!(g.stop, StopReason::Eos | StopReason::MaxTokens),
            "sample {i}: {g:?}"
        );
        // Each sample's streamed text adds up to its final text, and it finishes once.
        let streamed: String = events
            .iter()
            .filter_map(|e| match e {
                GenEvent::Text { seq, text } if *seq == i => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(streamed, g.text, "sample {i}");
        let dones = events
            .iter()
            .filter(|e| matches!(e, GenEvent::Done { seq, .. } if *seq == i))
            .count();
        assert_eq!(dones, 1, "sample {i}");
    }
    (gens, events)
}

#[test]
#[ignore = "needs llama-server and the demo model: run tools/get-llama-server.sh and \
            tools/get-demo-model.sh; CI (tools/test.sh) runs both"]
fn openai_backend_against_real_llama_server() {
    let srv = LlamaServer::start();

    // The server itself refuses n above its slots (what the fallback exists for).
    let body = serde_json::json!({
        "model": "demo",
        "messages": [{"role": "user", "content": "Hi"}],
        "n": SLOTS + 1,
        "max_tokens": 4,
    });
    let r = common::post_json(srv.addr, "/v1/chat/completions", None, &body);
    assert_eq!(r.status, 400, "{}", r.text());

    // Greedy, streamed, twice: the same text (llama-server renders the GGUF's own chat
    // template, with SmolLM2's default system prompt, so the text is the server's, not ours).
    let mut g = OpenAiGenerator::new(&srv.url(), "demo", None).unwrap();
    let (first, _) = run(&mut g, &params(1, 0.0));
    let (again, _) = run(&mut g, &params(1, 0.0));
    assert_eq!(first[0].text, again[0].text);

    // n within the slots: one request with n choices.
    run(&mut g, &params(SLOTS, 0.8));
    assert!(!g.splits_n(), "n = {SLOTS} fits the server's slots");

    // n above the slots: refused, then sent as separate concurrent requests; each sample has
    // its own seed, and every sample streams and finishes.
    let (gens, _) = run(&mut g, &params(SLOTS + 2, 0.8));
    assert!(g.splits_n(), "the server refused n = {}", SLOTS + 2);
    assert_eq!(gens.len(), SLOTS + 2);

    // The same through plain JSON responses (no streaming), on a fresh client.
    let mut plain = OpenAiGenerator::new(&srv.url(), "demo", None)
        .unwrap()
        .with_streaming(false);
    let (gens, _) = run(&mut plain, &params(SLOTS + 1, 0.8));
    assert!(plain.splits_n());
    assert_eq!(gens.len(), SLOTS + 1);
}

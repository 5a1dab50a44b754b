//! The OpenAI-compatible backend against a real HTTP server (axum on a loopback port) started by
//! the test: streaming and not, `n`, API key, 4xx/5xx, retries, connection refused, malformed
//! SSE, loop detection, and the fallback to single-sample requests when a server refuses `n`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vibecheck::model::openai::OpenAiGenerator;
use vibecheck::model::{ChatMessage, GenEvent, Generator, SamplingParams, StopReason};

#[derive(Default)]
struct Srv {
    requests: AtomicUsize,
    last_body: Mutex<Option<Value>>,
    last_auth: Mutex<Option<String>>,
    /// Every request body, in arrival order.
    bodies: Mutex<Vec<Value>>,
}

fn sse(events: &[Value]) -> String {
    let mut s = String::new();
    for e in events {
        s.push_str(&format!("data: {e}\n\n"));
    }
    s.push_str("data: [DONE]\n\n");
    s
}

fn reply(status: StatusCode, ctype: &str, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Body::from(body))
        .unwrap()
}

async fn completions(State(st): State<Arc<Srv>>, headers: HeaderMap, body: String) -> Response {
    let k = st.requests.fetch_add(1, Ordering::SeqCst);
    let req: Value = serde_json::from_str(&body).unwrap();
    *st.last_body.lock().unwrap() = Some(req.clone());
    st.bodies.lock().unwrap().push(req.clone());
    *st.last_auth.lock().unwrap() = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string());
    let model = req["model"].as_str().unwrap_or("");
    let n = req["n"].as_u64().unwrap_or(1) as usize;
    let stream = req["stream"].as_bool().unwrap_or(false);
    match model {
        "bad-request" => {
            return reply(
                StatusCode::BAD_REQUEST,
                "application/json",
                json!({"error": {"message": "max_tokens is too large"}}).to_string(),
            )
        }
        // llama-server caps n by its slots.
        "slots-2" if n > 2 => {
            return reply(
                StatusCode::BAD_REQUEST,
                "application/json",
                json!({"error": {"code": 400, "message": "n must be between 1 and 2", "type": "invalid_request_error"}}).to_string(),
            )
        }
        // An API that takes one sample per request.
        "single-only" if n > 1 => {
            return reply(
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/json",
                json!({"detail": "Only n=1 is supported", "message": "'n' must be 1"}).to_string(),
            )
        }
        "always-500" => {
            return reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "engine crashed".into(),
            )
        }
        "flaky" if k < 2 => {
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "warming up".into(),
            )
        }
        "malformed" => {
            return reply(
                StatusCode::OK,
                "text/event-stream",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: {not json\n\n"
                    .into(),
            )
        }
        "truncated" => {
            return reply(
                StatusCode::OK,
                "text/event-stream",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n".into(),
            )
        }
        "loop" => {
            let mut ev = vec![];
            for i in 0..2000 {
                let w = if i % 2 == 0 { "but " } else { "we " };
                ev.push(json!({"choices": [{"index": 0, "delta": {"content": w}}]}));
            }
            return reply(StatusCode::OK, "text/event-stream", sse(&ev));
        }
        "auth" if headers.get("authorization").and_then(|v| v.to_str().ok())
            != Some("Bearer sekrit") =>
        {
            return reply(
                StatusCode::UNAUTHORIZED,
                "application/json",
                json!({"error": {"message": "invalid api key"}}).to_string(),
            )
        }
        _ => {}
    }
    // Normal answer: choice i says "answer i is 42" in three chunks.
    if stream {
        let mut ev = vec![];
        for piece in ["answer ", "{i} ", "is 42"] {
            for i in 0..n {
                ev.push(json!({"choices": [{"index": i, "delta": {"content": piece.replace("{i}", &i.to_string())}, "finish_reason": null}]}));
            }
        }
        for i in 0..n {
            let (finish, reason) = if i == 1 {
                ("length", Value::Null)
            } else {
                ("stop", Value::Null)
            };
            ev.push(json!({"choices": [{"index": i, "delta": {}, "finish_reason": finish, "stop_reason": reason}]}));
        }
        ev.push(json!({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 3 * n, "total_tokens": 11 + 3 * n}}));
        reply(StatusCode::OK, "text/event-stream", sse(&ev))
    } else {
        let choices: Vec<Value> = (0..n)
            .map(|i| json!({"index": i, "message": {"role": "assistant", "content": format!("answer {i} is 42")}, "finish_reason": if i == 1 {"length"} else {"stop"}, "stop_reason": if i == 2 {json!("</s>")} else {Value::Null}}))
            .collect();
        reply(
            StatusCode::OK,
            "application/json",
            json!({"id": "x", "object": "chat.completion", "choices": choices,
                   "usage": {"prompt_tokens": 11, "completion_tokens": 3 * n}})
            .to_string(),
        )
    }
}

/// Starts the server on a free loopback port in a background thread; returns its base URL.
fn server() -> (String, Arc<Srv>) {
    let st = Arc::new(Srv::default());
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(st.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    (format!("http://{addr}/v1"), st)
}

fn params(n: usize) -> SamplingParams {
    SamplingParams {
        n,
        max_tokens: 64,
        seed: 5,
        stop: vec!["</s>".into()],
        ..SamplingParams::default()
    }
}

fn collect(
    g: &mut OpenAiGenerator,
    p: &SamplingParams,
) -> anyhow::Result<(
    Vec<vibecheck::model::Generation>,
    vibecheck::model::Usage,
    Vec<GenEvent>,
)> {
    let mut events = vec![];
    let (gens, usage) = g.generate(&[ChatMessage::user("What is 6*7?")], p, &mut |e| {
        events.push(e);
        ControlFlow::Continue(())
    })?;
    Ok((gens, usage, events))
}

#[test]
fn streaming_with_n_choices() {
    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "ok", Some("k1".into())).unwrap();
    assert_eq!(g.name(), "openai:ok");
    let (gens, usage, events) = collect(&mut g, &params(3)).unwrap();
    assert_eq!(gens.len(), 3);
    for (i, gen) in gens.iter().enumerate() {
        assert_eq!(gen.text, format!("answer {i} is 42"));
    }
    assert_eq!(gens[0].stop, StopReason::Eos);
    assert_eq!(gens[1].stop, StopReason::MaxTokens);
    assert_eq!(usage.prompt_tokens, 11);
    assert_eq!(usage.completion_tokens, 9);
    let texts = events
        .iter()
        .filter(|e| matches!(e, GenEvent::Text { .. }))
        .count();
    assert_eq!(texts, 9, "one event per streamed chunk");
    let body = st.last_body.lock().unwrap().clone().unwrap();
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["n"], json!(3));
    assert_eq!(body["seed"], json!(5));
    assert_eq!(body["max_tokens"], json!(64));
    assert_eq!(body["stop"], json!(["</s>"]));
    assert_eq!(body["messages"][0]["role"], json!("user"));
    assert!(body.get("top_k").is_none(), "top_k only when set");
    assert_eq!(st.last_auth.lock().unwrap().as_deref(), Some("Bearer k1"));
}

#[test]
fn non_streaming_with_n_choices() {
    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "ok", None)
        .unwrap()
        .with_streaming(false);
    let (gens, usage, events) = collect(&mut g, &params(3)).unwrap();
    assert_eq!(gens[2].text, "answer 2 is 42");
    assert_eq!(gens[1].stop, StopReason::MaxTokens);
    assert_eq!(gens[2].stop, StopReason::StopString);
    assert_eq!(usage.completion_tokens, 9);
    assert_eq!(gens[0].completion_tokens, 3, "apportioned by text length");
    assert_eq!(events.len(), 6);
    assert_eq!(
        st.last_body.lock().unwrap().as_ref().unwrap()["stream"],
        json!(false)
    );
    assert_eq!(*st.last_auth.lock().unwrap(), None);
}

#[test]
fn api_key_is_sent_and_401_is_explained() {
    let (url, _) = server();
    let mut g = OpenAiGenerator::new(&url, "auth", Some("sekrit".into())).unwrap();
    assert!(collect(&mut g, &params(1)).is_ok());
    let mut g = OpenAiGenerator::new(&url, "auth", Some("wrong".into())).unwrap();
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(
        err.contains("401") && err.contains("invalid api key"),
        "{err}"
    );
    assert!(err.contains("OPENAI_API_KEY"), "{err}");
}

#[test]
fn client_error_is_not_retried() {
    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "bad-request", None)
        .unwrap()
        .with_retries(3, Duration::from_millis(1));
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(
        err.contains("HTTP 400") && err.contains("max_tokens is too large"),
        "{err}"
    );
    assert_eq!(st.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn server_errors_are_retried_then_reported() {
    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "flaky", None)
        .unwrap()
        .with_retries(3, Duration::from_millis(5));
    let (gens, _, _) = collect(&mut g, &params(1)).unwrap();
    assert_eq!(gens[0].text, "answer 0 is 42");
    assert_eq!(
        st.requests.load(Ordering::SeqCst),
        3,
        "two 503s, then success"
    );

    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "always-500", None)
        .unwrap()
        .with_retries(2, Duration::from_millis(5));
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(
        err.contains("HTTP 500") && err.contains("engine crashed"),
        "{err}"
    );
    assert!(err.contains("gave up after 3 attempts"), "{err}");
    assert_eq!(st.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn connection_refused_is_clear() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut g = OpenAiGenerator::new(&format!("http://127.0.0.1:{port}"), "m", None)
        .unwrap()
        .with_retries(1, Duration::from_millis(5));
    assert_eq!(
        g.endpoint(),
        format!("http://127.0.0.1:{port}/v1/chat/completions")
    );
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(err.contains("is the server running"), "{err}");
    assert!(err.contains("gave up after 2 attempts"), "{err}");
}

#[test]
fn malformed_and_truncated_streams_are_errors() {
    let (url, _) = server();
    let mut g = OpenAiGenerator::new(&url, "malformed", None).unwrap();
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(err.contains("malformed SSE event"), "{err}");
    let mut g = OpenAiGenerator::new(&url, "truncated", None).unwrap();
    let err = format!("{:#}", collect(&mut g, &params(1)).unwrap_err());
    assert!(err.contains("ended before [DONE]"), "{err}");
}

#[test]
fn looping_stream_is_cut_and_cancellation_works() {
    let (url, _) = server();
    let mut g = OpenAiGenerator::new(&url, "loop", None).unwrap();
    let (gens, _, _) = collect(&mut g, &params(1)).unwrap();
    assert_eq!(gens[0].stop, StopReason::LoopDetected);
    assert!(gens[0].text.len() < 2000 * 3, "stopped reading early");
    assert!(gens[0].text.starts_with("but we but we"));

    let mut g = OpenAiGenerator::new(&url, "ok", None).unwrap();
    let mut n = 0;
    let (gens, _) = g
        .generate(&[ChatMessage::user("x")], &params(1), &mut |e| {
            if matches!(e, GenEvent::Text { .. }) {
                n += 1;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(gens[0].stop, StopReason::Cancelled);
    assert_eq!(gens[0].text, "answer ");
}

/// Seeds of the single-sample requests the fallback sent (after the refused one).
fn fallback_seeds(st: &Srv) -> Vec<u64> {
    let bodies = st.bodies.lock().unwrap();
    let mut seeds: Vec<u64> = bodies
        .iter()
        .filter(|b| b["n"] == json!(1))
        .map(|b| b["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    seeds
}

#[test]
fn refused_n_falls_back_to_single_requests() {
    for (model, stream) in [("slots-2", true), ("single-only", false)] {
        let (url, st) = server();
        let mut g = OpenAiGenerator::new(&url, model, None)
            .unwrap()
            .with_streaming(stream);
        let (gens, usage, events) = collect(&mut g, &params(5)).unwrap();
        assert_eq!(gens.len(), 5, "{model}");
        for gen in &gens {
            assert_eq!(gen.text, "answer 0 is 42", "{model}");
            assert_eq!(gen.stop, StopReason::Eos, "{model}");
        }
        // 1 refused request with n = 5, then 5 with n = 1 and seeds 5..=9.
        assert_eq!(st.requests.load(Ordering::SeqCst), 6, "{model}");
        assert_eq!(fallback_seeds(&st), vec![5, 6, 7, 8, 9], "{model}");
        assert_eq!(usage.prompt_tokens, 11, "{model}");
        assert_eq!(usage.completion_tokens, 15, "{model}");
        for seq in 0..5 {
            let done = events
                .iter()
                .filter(|e| matches!(e, GenEvent::Done { seq: s, .. } if *s == seq))
                .count();
            assert_eq!(done, 1, "{model}: one Done for sample {seq}");
            let text: String = events
                .iter()
                .filter_map(|e| match e {
                    GenEvent::Text { seq: s, text } if *s == seq => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(text, "answer 0 is 42", "{model}: sample {seq}'s events");
        }
        // The refusal is remembered: the next call sends single requests straight away.
        collect(&mut g, &params(3)).unwrap();
        assert_eq!(st.requests.load(Ordering::SeqCst), 9, "{model}");
    }
}

#[test]
fn allowed_n_and_other_400s_do_not_fall_back() {
    let (url, st) = server();
    let mut g = OpenAiGenerator::new(&url, "slots-2", None).unwrap();
    let (gens, _, _) = collect(&mut g, &params(2)).unwrap();
    assert_eq!(gens[1].text, "answer 1 is 42");
    assert_eq!(st.requests.load(Ordering::SeqCst), 1);
    // A 400 about something else is an error, even with n > 1.
    let mut g = OpenAiGenerator::new(&url, "bad-request", None).unwrap();
    let err = format!("{:#}", collect(&mut g, &params(3)).unwrap_err());
    assert!(err.contains("max_tokens is too large"), "{err}");
    assert_eq!(st.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn cancelling_during_the_fallback_stops_every_request() {
    let (url, _) = server();
    let mut g = OpenAiGenerator::new(&url, "slots-2", None).unwrap();
    let mut texts = 0;
    let (gens, _) = g
        .generate(&[ChatMessage::user("x")], &params(8), &mut |e| {
            if matches!(e, GenEvent::Text { .. }) {
                texts += 1;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(texts, 1, "no event reaches the caller after it cancelled");
    assert_eq!(gens.len(), 8);
    assert!(gens.iter().any(|g| g.stop == StopReason::Cancelled));
}

#[test]
fn bad_urls_are_rejected() {
    assert!(OpenAiGenerator::new("localhost:8000", "m", None).is_err());
    assert!(OpenAiGenerator::new("http://h/v1", " ", None).is_err());
    let g = OpenAiGenerator::new("http://h:1/v1/", "m", None).unwrap();
    assert_eq!(g.endpoint(), "http://h:1/v1/chat/completions");
}

#[test]
fn cli_generate_through_openai_backend() {
    let (url, st) = server();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args([
            "generate",
            "What is 6*7?",
            "--openai-url",
            &url,
            "--openai-model",
            "ok",
        ])
        .env("VIBECHECK_OPENAI_API_KEY", "from-env")
        .env_remove("VIBECHECK_MODEL")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "answer 0 is 42\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("tok/s"));
    assert_eq!(
        st.last_auth.lock().unwrap().as_deref(),
        Some("Bearer from-env")
    );
    let body = st.last_body.lock().unwrap().clone().unwrap();
    assert_eq!(body["temperature"], json!(0.6));
    assert_eq!(body["top_p"], json!(0.95));
    assert_eq!(body["max_tokens"], json!(40960));
}

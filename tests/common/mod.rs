//! Shared test helpers. Here: a tiny blocking HTTP/1.1 client over `std::net` (no client
//! library needed; it also lets tests send deliberately broken requests), starting the real
//! `vibecheck serve` binary on a free loopback port, and [`Upstream`], a stand-in server for it
//! to talk to. [`require`]: the missing-tool policy (fail, never skip). [`procs`]: waiting on a
//! child process's state instead of sleeping. [`cli`]: running the binary's subcommands in a
//! fixture folder.
#![allow(dead_code)]

pub mod cli;
pub mod procs;
pub mod require;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Socket timeout for test requests: generous (judge requests compile C), but a hung server
/// fails the test instead of hanging it.
pub const IO_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }
    /// The `error.code` of an error response.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error body: {}", self.text()))
            .to_string()
    }
}

/// Sends one request (`Connection: close`) and reads the whole response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    if let Some(b) = body {
        // A server may answer (413) and close before reading everything; that is fine.
        let _ = s.write_all(b);
    }
    let mut raw = Vec::new();
    match s.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> std::io::Result<Resp> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no header terminator"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("non-UTF-8 head"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("empty"))?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("bad chunk"))?;
            let size_txt = std::str::from_utf8(&rest[..nl]).map_err(|_| bad("bad chunk size"))?;
            let size = usize::from_str_radix(size_txt.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            rest = &rest[nl + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size.min(rest.len())]);
            rest = &rest[(size + 2).min(rest.len())..];
        }
        body = out;
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], None).expect("GET")
}

pub fn post_json(
    addr: SocketAddr,
    path: &str,
    key: Option<&str>,
    body: &serde_json::Value,
) -> Resp {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut h: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        h.push(("Authorization", a));
    }
    request(addr, "POST", path, &h, Some(body.to_string().as_bytes())).expect("POST")
}

/// A request whose response is read piece by piece as it arrives (a `/v1/solve` event stream).
/// Dropping it closes the connection, as a client that goes away does.
pub struct OpenResponse {
    stream: TcpStream,
    /// Everything received so far (head and raw body, chunk framing included).
    pub seen: String,
}

impl OpenResponse {
    /// Sends `POST path` with a JSON `body` and returns without reading the response.
    pub fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> Self {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let body = body.to_string();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("send head");
        stream.write_all(body.as_bytes()).expect("send body");
        Self {
            stream,
            seen: String::new(),
        }
    }

    /// Reads until `pred` holds on everything received; fails the test, naming `what`, if the
    /// server closes the connection first (or [`IO_TIMEOUT`] passes without a byte).
    pub fn read_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) {
        let mut buf = [0u8; 4096];
        while !pred(&self.seen) {
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("the response ended before {what}:\n{}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) => panic!(
                    "reading the response failed before {what} ({e}):\n{}",
                    self.seen
                ),
            }
        }
    }
}

/// An axum app served on a free loopback port by a runtime of its own (a stand-in upstream,
/// e.g. a scripted OpenAI-compatible model); stops when dropped.
pub struct Upstream {
    pub addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl Upstream {
    pub fn start(app: axum::Router) -> Upstream {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the upstream");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        rt.spawn(async move { axum::serve(listener, app).await.expect("serving") });
        Upstream { addr, _rt: rt }
    }
}

/// The real `vibecheck` binary running `serve`; killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// Every stderr line after startup (the drain thread forwards them).
    pub stderr: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts `vibecheck serve --addr 127.0.0.1:0 ARGS…` and waits for its "listening on" line.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Result<Self, String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vibecheck"));
        cmd.arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env_remove("VIBECHECK_API_KEY_HASHES")
            .env_remove("VIBECHECK_MODEL")
            .env_remove("VIBECHECK_OPENAI_URL");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("spawning vibecheck: {e}"))?;
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[server] {line}");
                if tx.send(line).is_err() {
                    // Keep draining so the server never blocks on a full pipe.
                }
            }
        });
        let mut seen = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on http://").nth(1) {
                        let addr = rest
                            .split_whitespace()
                            .next()
                            .unwrap_or("")
                            .parse()
                            .map_err(|e| format!("bad address in {line:?}: {e}"))?;
                        return Ok(Self {
                            child,
                            addr,
                            stderr: rx,
                        });
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let status = child.try_wait().ok().flatten();
                    let _ = child.kill();
                    return Err(format!(
                        "server did not start (exit: {status:?}); stderr:\n{}",
                        seen.join("\n")
                    ));
                }
            }
        }
    }

    /// Sends a signal to the server process with `kill(1)`.
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill(1)");
        assert!(st.success());
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `/metrics` until `pred` holds on its text (no time assertions: it waits for a state).
pub fn wait_metrics(addr: SocketAddr, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..6000 {
        let text = get(addr, "/metrics").text();
        if pred(&text) {
            return text;
        }
        last = text;
        std::thread::sleep(Duration::from_millis(20));
    }
    let shown: Vec<&str> = last
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("_bucket"))
        .collect();
    panic!(
        "metrics never showed: {what}; the last metrics:\n{}",
        shown.join("\n")
    );
}

/// The value of one metrics sample line (exact series text before the value).
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
}

//! `hooksim serve` prints, per provider API, its base URL and exactly what a
//! client sends to get in; a client that copies the printout is let in.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use reqwest::Method;

use crate::receivers::free_port;

/// `hooksim serve` on a free port; killed when dropped.
struct Serving {
    child: Child,
    /// Everything it printed up to the line that says it is ready.
    printout: String,
    /// What it prints after that, line by line.
    later: mpsc::Receiver<String>,
    /// Everything it wrote to stderr (its logs), so far.
    logs: Arc<Mutex<String>>,
    /// The thread reading stderr, which ends when serve does.
    logging: Option<std::thread::JoinHandle<()>>,
}

impl Serving {
    fn start() -> (Self, u16) {
        Self::start_with(&[])
    }

    /// With `env` set, e.g. `RUST_LOG=trace`.
    fn start_with(env: &[(&str, &str)]) -> (Self, u16) {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hooksim"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hooksim serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, printed) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = child.stderr.take().expect("stderr is piped");
        let logs = Arc::new(Mutex::new(String::new()));
        let kept = Arc::clone(&logs);
        let logging = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut logs) = kept.lock() {
                    logs.push_str(&line);
                    logs.push('\n');
                }
            }
        });
        let mut printout = String::new();
        loop {
            let line = printed
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("serve never said it was ready: {printout}"));
            printout.push_str(&line);
            printout.push('\n');
            if line.ends_with("Ctrl-C stops") {
                break;
            }
        }
        let serving = Self {
            child,
            printout,
            later: printed,
            logs,
            logging: Some(logging),
        };
        (serving, port)
    }

    /// Stop serve: everything it logged.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(logging) = self.logging.take() {
            let _ = logging.join();
        }
        self.logs
            .lock()
            .map(|logs| logs.clone())
            .unwrap_or_default()
    }

    /// The next printed line that contains `text`, within 20 s.
    fn wait_for(&self, text: &str) -> String {
        loop {
            match self.later.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!("serve never printed `{text}`"),
            }
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn expected_printout(port: u16) -> String {
    let base = format!("http://127.0.0.1:{port}");
    format!(
        r#"provider APIs listening at {base}

spark: {base}/spark
  send on every call:
    Authorization: Bearer hooksim-api-token
    X-SparkApi-User-Agent: hooksim-client
  also accepted: Authorization: OAuth hooksim-api-token; X-SparkApi-User-Agent: any non-empty value
  read-only token hooksim-read-only-token: the Public role: reads only (a write answers 405, code 1017)

flow: {base}/flow
  first get a token:
    POST {base}/flow/flow/authtoken
    Content-Type: application/x-www-form-urlencoded
    grant_type=client_credentials&client_id=hooksim-client&client_secret=hooksim-client-secret
  then, with the access_token of its answer, send on every call:
    Authorization: Bearer <access_token>
  client id hooksim-client-without-cases-read (same secret): an API user without "Cases - Read"

propertyfinder: {base}/propertyfinder
  first get a token:
    POST {base}/propertyfinder/auth/oauth/v1/token
    Authorization: Basic aG9va3NpbS1jbGllbnQ6aG9va3NpbS1jbGllbnQtc2VjcmV0
    Content-Type: application/json
    {{"scope":"openid","grant_type":"client_credentials"}}
  then, with the access_token of its answer, send on every call:
    Authorization: Bearer <access_token>
  API key hooksim-client, secret hooksim-client-secret: the client level key pair the Basic header above carries
  API key hooksim-user-level-key (same secret): user level, not client level: hooks answer 403

propertyfinder-atlas: {base}/propertyfinder-atlas
  first get a token:
    POST {base}/propertyfinder-atlas/v1/auth/token
    Content-Type: application/json
    {{"apiKey":"hooksim-client","apiSecret":"hooksim-client-secret"}}
  then, with the accessToken of its answer, send on every call:
    Authorization: Bearer <accessToken>

everreal: {base}/everreal
  send on every call:
    Authorization: Bearer hooksim-api-token

every active webhook registered here gets one sample delivery; Ctrl-C stops
"#
    )
}

/// One API's part of the printout, read back as a client would.
#[derive(Debug, Default)]
struct Instructions {
    base: String,
    /// `(url, content type, body)` of the token request, if there is one.
    token_request: Option<(String, String, String)>,
    /// The token request's own `Authorization` header (PF Expert's Basic).
    token_authorization: Option<String>,
    /// The answer's field the token is in.
    token_field: Option<String>,
    headers: Vec<(String, String)>,
}

fn instructions(printout: &str, provider: &str) -> Instructions {
    let start = format!("{provider}: ");
    let mut lines = printout
        .lines()
        .skip_while(|line| !line.starts_with(&start))
        .take_while(|line| !line.is_empty());
    let mut found = Instructions {
        base: lines
            .next()
            .and_then(|line| line.strip_prefix(&start))
            .unwrap_or_else(|| panic!("no {provider} block in {printout}"))
            .to_owned(),
        ..Instructions::default()
    };
    while let Some(line) = lines.next() {
        if line == "  first get a token:" {
            let mut next = || {
                lines
                    .next()
                    .expect("the token request has three or four lines")
                    .trim()
            };
            let url = next().strip_prefix("POST ").expect("a POST").to_owned();
            let mut line = next();
            if let Some(authorization) = line.strip_prefix("Authorization: ") {
                found.token_authorization = Some(authorization.to_owned());
                line = next();
            }
            let content_type = line
                .strip_prefix("Content-Type: ")
                .expect("a content type")
                .to_owned();
            found.token_request = Some((url, content_type, next().to_owned()));
        } else if let Some(rest) = line.strip_prefix("  then, with the ") {
            found.token_field = rest.split(' ').next().map(str::to_owned);
        } else if let Some(header) = line.strip_prefix("    ") {
            let (name, value) = header.split_once(": ").expect("a header line");
            found.headers.push((name.to_owned(), value.to_owned()));
        }
    }
    found
}

/// Do as `found` says, then make `method path` with `body`: the status.
async fn call_as_printed(
    client: &reqwest::Client,
    found: &Instructions,
    (method, path, body): (Method, &str, Option<&str>),
) -> reqwest::StatusCode {
    let mut token = None;
    if let (Some((url, content_type, token_body)), Some(field)) =
        (&found.token_request, &found.token_field)
    {
        let mut token_request = client
            .post(url)
            .header("content-type", content_type)
            .body(token_body.clone());
        if let Some(authorization) = &found.token_authorization {
            token_request = token_request.header("authorization", authorization);
        }
        let answer = token_request
            .send()
            .await
            .expect("the token endpoint answers");
        let answer: serde_json::Value =
            serde_json::from_slice(&answer.bytes().await.expect("a body")).expect("JSON");
        token = Some((
            format!("<{field}>"),
            answer[field.as_str()]
                .as_str()
                .unwrap_or_else(|| panic!("no {field} in {answer}"))
                .to_owned(),
        ));
    }
    let mut request = client.request(method, format!("{}{path}", found.base));
    for (name, value) in &found.headers {
        let value = match &token {
            Some((placeholder, token)) => value.replace(placeholder, token),
            None => value.clone(),
        };
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    request.send().await.expect("the API answers").status()
}

#[test]
fn serve_prints_what_each_api_expects_and_a_client_doing_just_that_gets_in() {
    let (serving, port) = Serving::start();
    assert_eq!(serving.printout, expected_printout(port));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client");
    let calls = [
        (
            "spark",
            (Method::GET, "/v1/developers/newsfeeds/webhooks", None),
            200,
        ),
        (
            "flow",
            (
                Method::POST,
                "/flow/api/Search/AdvancedPropertySearch?$filter=Id%20eq%201",
                None,
            ),
            200,
        ),
        (
            "propertyfinder",
            (
                Method::POST,
                "/hooks",
                Some(r#"{"hook":{"event":"lead.new","target":"http://127.0.0.1:9/pf"}}"#),
            ),
            201,
        ),
        (
            "propertyfinder-atlas",
            (Method::GET, "/v1/webhooks", None),
            200,
        ),
        (
            "everreal",
            (Method::GET, "/api/external-integrations/webhooks", None),
            200,
        ),
    ];
    for (provider, call, success) in calls {
        let found = instructions(&serving.printout, provider);
        let status = runtime.block_on(call_as_printed(&client, &found, call.clone()));
        assert_eq!(status.as_u16(), success, "{provider}: {found:?}");
        // And the printout is needed: the same call without its headers is refused.
        let bare = Instructions {
            headers: Vec::new(),
            ..found
        };
        let status = runtime.block_on(call_as_printed(&client, &bare, call));
        assert!(matches!(status.as_u16(), 401 | 403), "{provider}: {status}");
    }
}

/// Issue 14: a secret registered through `serve` signs the sample delivery
/// and appears nowhere in what serve prints or logs, at trace level.
#[test]
fn a_secret_registered_through_serve_signs_its_delivery_and_is_in_no_output() {
    const SECRET: &str = "s3cr3t-serve-4e1b";
    // A receiver that answers 200 and keeps the request it got.
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let callback = format!("http://{}/atlas", receiver.local_addr().expect("addr"));
    let (got, received) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        if let Some(Ok(mut stream)) = receiver.incoming().next() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = vec![0; 64 * 1024];
            let n = stream.read(&mut request).unwrap_or(0);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            let _ = got.send(String::from_utf8_lossy(&request[..n]).into_owned());
        }
    });
    let (mut serving, _) = Serving::start_with(&[("RUST_LOG", "trace")]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client");
    let found = instructions(&serving.printout, "propertyfinder-atlas");
    let body =
        format!(r#"{{"eventId":"lead.created","callbackUrl":"{callback}","secret":"{SECRET}"}}"#);
    let status = runtime.block_on(call_as_printed(
        &client,
        &found,
        (Method::POST, "/v1/webhooks", Some(&body)),
    ));
    assert_eq!(status.as_u16(), 201);
    let delivered = serving.wait_for("attempt 1");
    assert!(delivered.contains("acknowledged"), "{delivered}");
    let request = received
        .recv_timeout(Duration::from_secs(20))
        .expect("the receiver got the delivery");
    assert!(
        request.to_ascii_lowercase().contains("x-signature: "),
        "the delivery is signed with the secret: {request}"
    );
    let logs = serving.stop();
    // Trace-level logs were on: the registration call is in them.
    assert!(logs.contains("TRACE"), "no trace-level logs:\n{logs}");
    for (what, text) in [
        ("printout", &serving.printout),
        ("delivery line", &delivered),
        ("logs", &logs),
    ] {
        assert!(
            !text.contains(SECRET),
            "serve's {what} holds the secret:\n{text}"
        );
    }
}

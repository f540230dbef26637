//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`; .ci/run installs it and sets HOOKSIM_BROWSER_TEST=required)
//! renders a report with a failure over a 7-day schedule, a snapshot diff,
//! a skip and a burst. The rendered DOM is checked (failures first, the
//! coloured diff, the timeline's ticks, the legend, passing boxes folded)
//! and a screenshot kept at target/reports/report.png for a person.
//! Without Chromium and without that variable, the test says so and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{repo_root, stderr, write_scenarios};

const FAILS_FOR_A_WEEK: &str = "name: A receiver answering 500 is retried for a week\nprovider: hemnet\nrule: hemnet/browser-fails\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/500\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true }\n";
const PASSES: &str = "name: A 200 acknowledges\nprovider: hemnet\nrule: hemnet/browser-snapshot\nsource: https://integration.testhemnet.se/webhook/documentation § Retries\ntarget: stand-in:status/200\nseed: 5\nsteps:\n  - deliver: CONTACT.CREATE\n    expect: { acknowledged: true, attempts: 1 }\n";
const BURST: &str = "name: A burst, each acknowledged\nprovider: hemnet\nrule: hemnet/browser-burst\nsource: https://integration.testhemnet.se/webhook/documentation § Process events asynchronously\ntarget: stand-in:status/200\nsteps:\n  - burst: { event: CONTACT.CREATE, count: 20, concurrency: 4 }\n    expect: { all_acknowledged: true }\n";
const SKIPS: &str = "name: Needs a registration endpoint\nprovider: spark\nrule: spark/browser-skips\nsource: https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks § Supported Roles\nrequires: [api, register]\ntarget: /spark\nsteps:\n  - register: {}\n    expect: { registered: true }\n";

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|name| Path::new("/usr/bin").join(name))
        .find(|path| path.exists())
}

fn hooksim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hooksim"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("hooksim runs")
}

fn headless(browser: &Path, extra: &[&str], page: &Path) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args([
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1280,2400",
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// A report with every kind of box the page has, as `hooksim run` writes it.
fn report(dir: &Path) -> PathBuf {
    write_scenarios(
        dir,
        &[
            ("hemnet/a-fails.yaml", FAILS_FOR_A_WEEK),
            ("hemnet/b-snapshot.yaml", PASSES),
            ("hemnet/c-burst.yaml", BURST),
            ("spark/d-skips.yaml", SKIPS),
        ],
    );
    let run = [
        "run",
        "scenarios",
        "--jobs",
        "1",
        "--target",
        "http://127.0.0.1:9",
    ];
    // Accept the passing transcripts, then change one so it differs.
    let first = hooksim_in(dir, &[&run[..], &["--update-snapshots"]].concat());
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let accepted = dir.join("snapshots/hemnet/b-snapshot.snap");
    let text = std::fs::read_to_string(&accepted).expect("the accepted snapshot");
    std::fs::write(
        &accepted,
        text.replace("attempt 1 at +0s", "attempt 1 at +0s (edited)"),
    )
    .expect("edit");
    let page = dir.join("report.html");
    let page_arg = page.to_str().expect("UTF-8");
    let second = hooksim_in(dir, &[&run[..], &["--html", page_arg]].concat());
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    page
}

#[test]
fn the_html_report_renders_in_headless_chromium_with_failures_first_the_diff_and_the_timeline() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("HOOKSIM_BROWSER_TEST").as_deref() != Ok("required"),
            "HOOKSIM_BROWSER_TEST=required but no chromium in /usr/bin (apt-get install chromium)"
        );
        eprintln!("skipped: no chromium in /usr/bin (apt-get install chromium to run it)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report(dir.path());
    let dumped = headless(&browser, &["--dump-dom"], &page);
    assert!(dumped.status.success(), "{}", stderr(&dumped));
    let dom = String::from_utf8_lossy(&dumped.stdout).into_owned();
    assert!(dom.contains("<h1>hooksim report</h1>"), "{dom}");

    // Boxes in order: the failure first, then the skip, then the passes.
    let boxes: Vec<&str> = dom.split("<details class=\"scenario ").skip(1).collect();
    assert_eq!(boxes.len(), 4, "{dom}");
    assert!(boxes[0].starts_with("fail\" open"), "{}", boxes[0]);
    assert!(boxes[0].contains("hemnet/browser-fails"));
    assert!(boxes[1].starts_with("skip\" open"), "{}", boxes[1]);
    assert!(
        boxes[1].contains("skipped: needs spark.api"),
        "{}",
        boxes[1]
    );
    let snapshot = boxes
        .iter()
        .find(|b| b.contains("hemnet/browser-snapshot"))
        .expect("the snapshot box");
    // A passing box with only a snapshot change is open and says so, with the diff coloured.
    assert!(snapshot.starts_with("pass\" open"), "{snapshot}");
    assert!(
        snapshot.contains("only the transcript differs from its snapshot"),
        "{snapshot}"
    );
    assert!(snapshot.contains("<span class=\"removed\">-"), "{snapshot}");
    assert!(snapshot.contains("<span class=\"added\">+") && snapshot.contains("(edited)"));
    // The plain pass (the burst) is folded, with its step and check.
    let burst = boxes
        .iter()
        .find(|b| b.contains("hemnet/browser-burst"))
        .expect("burst");
    assert!(burst.starts_with("pass\">"), "{burst}");
    assert!(burst.contains("all_acknowledged"), "{burst}");
    // The week of retries: ticks at a minute, an hour and a day, each attempt marked.
    for tick in ["+1m", "+1h", "+1d"] {
        assert!(
            boxes[0].contains(&format!(">{tick}</text>")),
            "no tick {tick}"
        );
    }
    assert_eq!(boxes[0].matches("data-outcome=\"rejected\"").count(), 17);
    // The legend names every outcome kind next to its mark.
    for words in [
        "acknowledged",
        "rejected",
        "redirect",
        "timeout",
        "refused / reset / closed",
    ] {
        assert!(
            dom.contains(&format!("</svg>{words}</span>")),
            "legend lacks {words}"
        );
    }
    // The header: target, hooksim's version, the date.
    assert!(
        dom.contains("http://127.0.0.1:9"),
        "no target in the header"
    );
    assert!(dom.contains(env!("CARGO_PKG_VERSION")));

    let shots = repo_root().join("target/reports");
    std::fs::create_dir_all(&shots).expect("mkdir target/reports");
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let screenshot = format!("--screenshot={}", shot.display());
    let taken = headless(&browser, &[&screenshot], &page);
    assert!(taken.status.success(), "{}", stderr(&taken));
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

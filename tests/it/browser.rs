//! Opens a freshly generated `report.html`, and the bundled sweep's `sweep.html`,
//! in headless Chromium and checks that every chart rendered (each SVG has a size
//! and a drawn line per legend entry), that the page loads nothing from outside
//! and logs nothing to the console, and keeps a screenshot (and a PDF print of
//! `report.html`) under `target/test-artifacts/`.
//!
//! Chromium is `/usr/bin/chromium` (Debian's `chromium`), or `KTOPO_CHROMIUM`.
//! Without it the test passes with a loud message, unless `CI` or
//! `KTOPO_REQUIRE_CHROMIUM` is set (as `.ci/run` does): then it fails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KTOPO_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).is_file() {
            return Some(PathBuf::from(p));
        }
    }
    None
}

fn required() -> bool {
    ["CI", "KTOPO_REQUIRE_CHROMIUM"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "0"))
}

/// Where test artifacts go: `<target dir>/test-artifacts/`.
fn artifacts() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp
        .parent()
        .map(|t| t.join("test-artifacts"))
        .unwrap_or_else(|| tmp.join("test-artifacts"));
    std::fs::create_dir_all(&dir).expect("create test-artifacts");
    dir
}

/// Run chromium headless on `url` with `extra` flags; returns (stdout, stderr).
fn run_chromium(bin: &Path, profile: &Path, extra: &[String], url: &str) -> (String, String) {
    let _ = std::fs::remove_dir_all(profile);
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        t_out.join().expect("stdout reader"),
        t_err.join().expect("stderr reader"),
    )
}

/// Inspects the page once it is parsed and writes the result into the DOM, where
/// `--dump-dom` returns it. One line per chart:
/// `chart <id> <width> <height> <legend lines> <legend lines drawn> <texts>`.
const PROBE: &str = r#"<script>
console.log("ktopo-probe");
(function () {
  var lines = [];
  lines.push("resources " + performance.getEntriesByType("resource").length);
  lines.push("height " + document.documentElement.scrollHeight);
  lines.push("scripts " + document.querySelectorAll("script").length);
  lines.push("h1 " + JSON.stringify(document.querySelector("h1").textContent));
  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var svg = fig.querySelector("svg");
    var r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    var wanted = [];
    fig.querySelectorAll("ul.legend .mark.line").forEach(function (m) {
      wanted.push(m.style.getPropertyValue("--c").trim().toLowerCase());
    });
    var drawn = 0;
    wanted.forEach(function (c) {
      var ok = false;
      if (svg) svg.querySelectorAll("polyline").forEach(function (p) {
        var b = p.getBBox();
        if ((p.getAttribute("stroke") || "").toLowerCase() === c && (b.width > 0 || b.height > 0)) ok = true;
      });
      if (ok) drawn++;
    });
    lines.push(["chart", fig.id, Math.round(r.width), Math.round(r.height), wanted.length, drawn,
      svg ? svg.querySelectorAll("text").length : 0].join(" "));
  });
  var pre = document.createElement("pre");
  pre.id = "ktopo-probe-result";
  pre.textContent = "\n" + lines.join("\n") + "\n";
  document.body.appendChild(pre);
})();
</script>
"#;

/// Load `html` with the probe appended; returns the probe's lines. Fails on any
/// A report page refers to nothing outside itself.
fn assert_self_contained(html: &str, page: &str) {
    let lower = html.to_ascii_lowercase();
    for needle in ["src=", "href=", "url(", "@import", "<link", "<script"] {
        assert!(!lower.contains(needle), "{page} contains `{needle}`");
    }
}

/// Check what the probe found on a page titled `title`: no external resource,
/// no script but its own, and every chart sized, labelled, and with a line per
/// series of its legend. Returns the number of charts and the page's height.
fn check_probe(result: &str, title: &str) -> (usize, u32) {
    let mut charts = 0;
    let mut height = 4000u32;
    for line in result.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "resources" => assert_eq!(f[1], "0", "the page loaded external resources"),
            "scripts" => assert_eq!(f[1], "1", "only the probe's script is on the page"),
            "h1" => assert_eq!(f[1..].join(" "), format!("\"{title}\"")),
            "height" => height = f[1].parse().expect("height"),
            "chart" => {
                charts += 1;
                let n = |i: usize| f[i].parse::<u32>().expect("number");
                let (id, w, h, wanted, drawn, texts) = (f[1], n(2), n(3), n(4), n(5), n(6));
                assert!(w > 100 && h > 50, "chart {id} has no size: {w}×{h}");
                assert!(wanted > 0, "chart {id} has no series in its legend");
                assert_eq!(
                    drawn, wanted,
                    "chart {id}: only {drawn} of {wanted} series drew a line"
                );
                assert!(texts > 4, "chart {id} has no axis labels ({texts} texts)");
            }
            other => panic!("unexpected probe line {other}"),
        }
    }
    (charts, height)
}

/// A full-page screenshot of `url` (a page `height` pixels tall) at `shot`,
/// checked to be a real PNG.
fn screenshot(bin: &Path, profile: &Path, height: u32, shot: &Path, url: &str) {
    run_chromium(
        bin,
        profile,
        &[
            format!("--window-size=1000,{}", height.clamp(600, 16_000)),
            format!("--screenshot={}", shot.display()),
        ],
        url,
    );
    let png = std::fs::read(shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot is empty"
    );
}

/// console message from the page and when console capture does not work.
fn probe(bin: &Path, work: &Path, name: &str, html: &str) -> String {
    let page = work.join(format!("{name}.html"));
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}</body>")))
        .expect("write probe page");
    let url = format!("file://{}", page.display());
    let (dom, log) = run_chromium(
        bin,
        &work.join(format!("profile-{name}")),
        &["--dump-dom".into()],
        &url,
    );
    let result = dom
        .split("<pre id=\"ktopo-probe-result\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe did not run on {name}; chromium stderr:\n{log}"))
        .to_string();
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.iter().any(|l| l.contains("ktopo-probe")),
        "console capture is not working (the probe's message is missing); stderr:\n{log}"
    );
    let stray: Vec<_> = console
        .iter()
        .filter(|l| !l.contains("\"ktopo-probe\""))
        .collect();
    assert!(stray.is_empty(), "console messages from {name}: {stray:#?}");
    // The probe's output is HTML-escaped in the dumped DOM.
    result
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

const HOSTILE: &str = r#"
name = "<script>alert('name')</script>"
duration_s = 4

[[site]]
name = "<script>alert('site')</script>"
brokers = 3
controllers = 3

[[topic]]
name = "<img src=x onerror=alert(1)>"
partitions = 3
"replication.factor" = 3

[[producer]]
site = "<script>alert('site')</script>"
topic = "<img src=x onerror=alert(1)>"
rate_mb_s = 1
"#;

/// A scenario whose names are markup: in the browser they are text, and no
/// script but the probe exists.
#[test]
fn hostile_names_show_as_text_in_chromium() {
    let Some(bin) = chromium() else {
        assert!(!required(), "chromium is required here but missing");
        eprintln!("SKIPPED hostile_names_show_as_text_in_chromium: no chromium found");
        return;
    };
    let work = std::env::temp_dir().join(format!("ktopo-browser-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("temp dir");
    let file = work.join("hostile.toml");
    std::fs::write(&file, HOSTILE).expect("write scenario");
    let status = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(["simulate"])
        .arg(&file)
        .arg("--out")
        .arg(work.join("out"))
        .stdout(Stdio::null())
        .status()
        .expect("run ktopo");
    assert!(status.success(), "ktopo simulate failed");
    let dir = work
        .join("out")
        .join(ktopo::report::safe_name("<script>alert('name')</script>"));
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    let result = probe(&bin, &work, "hostile", &html);
    assert!(result.contains("\nscripts 1\n"), "{result}");
    assert!(
        result.contains("h1 \"<script>alert('name')</script>\""),
        "the name is the heading's text: {result}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        if required() {
            panic!(
                "chromium is required here (CI or KTOPO_REQUIRE_CHROMIUM is set) but /usr/bin/chromium is missing: apt-get install -y chromium"
            );
        }
        eprintln!(
            "\n########################################################################\n\
             ## SKIPPED report_html_renders_in_headless_chromium: no chromium found. ##\n\
             ## Install it (apt-get install -y chromium) or set KTOPO_CHROMIUM.     ##\n\
             ########################################################################\n"
        );
        return;
    };
    let work = std::env::temp_dir().join(format!("ktopo-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("temp dir");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .current_dir(&root)
        .args(["simulate", "scenarios/stretched-3dc.toml", "--out"])
        .arg(work.join("out"))
        .stdout(Stdio::null())
        .status()
        .expect("run ktopo");
    assert!(status.success(), "ktopo simulate failed");
    let report = work.join("out/stretched-3dc/report.html");
    let html = std::fs::read_to_string(&report).expect("report.html");

    assert_self_contained(&html, "report.html");

    // 1. Inspect the page with the probe appended.
    let result = probe(&bin, &work, "probe", &html);
    let (charts, height) = check_probe(&result, "stretched-3dc");
    assert_eq!(charts, 5, "stretched-3dc has five charts:\n{result}");

    // 2. Keep a full-page screenshot and a PDF print of the page as it ships.
    let art = artifacts();
    let shot = art.join("report-stretched-3dc.png");
    let pdf = art.join("report-stretched-3dc.pdf");
    let _ = std::fs::remove_file(&shot);
    let _ = std::fs::remove_file(&pdf);
    let url = format!("file://{}", report.display());
    screenshot(&bin, &work.join("profile-2"), height, &shot, &url);
    run_chromium(
        &bin,
        &work.join("profile-3"),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
        &url,
    );
    let pdf_bytes = std::fs::read(&pdf).expect("pdf written");
    assert!(
        pdf_bytes.starts_with(b"%PDF") && pdf_bytes.len() > 10_000,
        "pdf is empty"
    );
    eprintln!("artifacts: {} and {}", shot.display(), pdf.display());
    let _ = std::fs::remove_dir_all(&work);
}

/// The bundled sweep's `sweep.html`: every chart (each output against each swept
/// parameter) drew each line of its legend, and the page is self-contained.
#[test]
fn sweep_html_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        assert!(!required(), "chromium is required here but missing");
        eprintln!("SKIPPED sweep_html_renders_in_headless_chromium: no chromium found");
        return;
    };
    let work = std::env::temp_dir().join(format!("ktopo-browser-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("temp dir");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .current_dir(&root)
        .args(["sweep", "scenarios/sweep-rtt.toml", "-q", "--out"])
        .arg(work.join("out"))
        .status()
        .expect("run ktopo");
    assert!(status.success(), "ktopo sweep failed");
    let page = work.join("out/sweep-rtt/sweep.html");
    let html = std::fs::read_to_string(&page).expect("sweep.html");
    assert_self_contained(&html, "sweep.html");
    let figures = html.matches("<figure class=\"chart\"").count();
    assert!(
        figures >= 10,
        "the bundled sweep has two parameters and many outputs, so many charts: {figures}"
    );
    let result = probe(&bin, &work, "sweep", &html);
    let (charts, height) = check_probe(&result, "sweep-rtt");
    assert_eq!(
        charts, figures,
        "every chart of the page was probed:\n{result}"
    );
    let shot = artifacts().join("sweep-rtt.png");
    let _ = std::fs::remove_file(&shot);
    let url = format!("file://{}", page.display());
    screenshot(&bin, &work.join("profile-sweep-2"), height, &shot, &url);
    eprintln!("artifact: {}", shot.display());
    let _ = std::fs::remove_dir_all(&work);
}

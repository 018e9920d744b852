//! Configuration: defaults, then a TOML file, then environment variables, then flags, each
//! overriding the one before. It owns the command line too (a hand-written parser: clap would
//! double a fresh build's time for a dozen flags).
//!
//! It must not open the database or bind sockets; `main` and `server` do that with what this
//! module decided. Every error says which input was wrong and what to write instead.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
pub const DEFAULT_DATABASE: &str = "sqlite:shirube-collector.db";

/// The project `serve --dev` creates (DESIGN.md, "Collector command line", contract).
pub const DEV_PROJECT: &str = "demo";
pub const DEV_WRITE_KEY: &str = "sb_pub_demo";
pub const DEV_ADMIN_TOKEN: &str = "sb_admin_demo";
pub const DEV_IDENTITY_SECRET: &str = "sb_secret_demo";

#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Token bucket per write key: sustained requests per second, and the burst it allows.
    pub rate_per_second: f64,
    pub burst: f64,
    /// Requests handled at once; more are answered 503 at once rather than queued.
    pub max_in_flight: usize,
    /// Open connections; more wait in the kernel's accept backlog.
    pub max_connections: usize,
    /// A request head must arrive within this (else 408 and close).
    pub header_timeout: Duration,
    /// A request body must arrive within this after its head (else 408).
    pub body_timeout: Duration,
    /// In-flight requests get this long to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Rejected events stay in quarantine this long.
    pub quarantine_days: u32,
    /// How often projects are re-read from the database (other processes may add some).
    pub project_refresh: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate_per_second: 1_000.0,
            burst: 2_000.0,
            max_in_flight: 512,
            max_connections: 4_096,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            quarantine_days: 7,
            project_refresh: Duration::from_secs(5),
        }
    }
}

/// A project declared in the configuration file; it is written to the database at start-up
/// (created, or updated to match the file).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub name: String,
    pub write_key: String,
    pub admin_token: String,
    #[serde(default)]
    pub identity_secret: Option<String>,
    #[serde(default)]
    pub origins: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: String,
    pub projects: Vec<ProjectConfig>,
    pub limits: Limits,
    pub log_format: LogFormat,
    pub log_level: tracing::Level,
    /// `serve --dev`: a temporary SQLite file and the demo project.
    pub dev: bool,
    /// Whether `--database` or the environment named the database (so `--dev` keeps it).
    pub database_given: bool,
    /// Threads that serve HTTP; `None` chooses [`Config::worker_threads`]'s default.
    pub workers: Option<usize>,
}

impl Config {
    /// The number of HTTP worker threads. By default one per core, except with SQLite, whose
    /// single writer thread is the bottleneck under load: there one core is left to it (on two
    /// cores, two HTTP workers took CPU from the writer and cost about a tenth of the ingest
    /// rate; BENCHMARKS.md, "Collector").
    pub fn worker_threads(&self) -> usize {
        if let Some(n) = self.workers {
            return n;
        }
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        if self.database.starts_with("postgres") {
            cores
        } else {
            cores.saturating_sub(1).max(1)
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8787))),
            database: DEFAULT_DATABASE.into(),
            projects: Vec::new(),
            limits: Limits::default(),
            log_format: LogFormat::Json,
            log_level: tracing::Level::INFO,
            dev: false,
            database_given: false,
            workers: None,
        }
    }
}

/// The TOML file's shape (docs/collector.md, "Configuration file").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database: Option<String>,
    log_format: Option<String>,
    log_level: Option<String>,
    workers: Option<usize>,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    projects: Vec<ProjectConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    rate_per_second: Option<f64>,
    burst: Option<f64>,
    max_in_flight: Option<usize>,
    max_connections: Option<usize>,
    header_timeout_ms: Option<u64>,
    body_timeout_ms: Option<u64>,
    shutdown_grace_ms: Option<u64>,
    quarantine_days: Option<u32>,
    project_refresh_ms: Option<u64>,
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    Serve(Config),
    ProjectCreate { config: Config, name: String, origins: Vec<String>, identity_secret: bool },
    ProjectList(Config),
    Migrate(Config),
    Seed { config: Config, options: SeedArgs },
    Validate(Vec<String>),
    Help,
    Version,
}

/// What `seed` was asked for (see `seed::Options`).
#[derive(Clone, Debug, PartialEq)]
pub struct SeedArgs {
    pub users: usize,
    pub days: u32,
    pub project: String,
    pub seed: u64,
    /// A spec file to simulate instead of the built-in Acme program.
    pub spec: Option<String>,
    /// The last simulated day, `YYYY-MM-DD` (UTC); today when absent.
    pub end: Option<String>,
}

impl Default for SeedArgs {
    fn default() -> Self {
        SeedArgs { users: 3_000, days: 90, project: DEV_PROJECT.into(), seed: 42, spec: None, end: None }
    }
}

pub const USAGE: &str = "\
shirube-collector: durable event ingest, spec hosting and state sync for Shirube

usage:
  shirube-collector serve [--dev] [options]      run the HTTP server
  shirube-collector project create <name> [--origin URL]... [--no-identity-secret] [options]
                                                 create a project and print its keys
  shirube-collector project list [options]       list projects
  shirube-collector migrate [options]            create or upgrade the database schema
  shirube-collector validate <spec.json>...      validate spec files (as PUT /v1/specs does)
  shirube-collector seed [--users N] [--days N] [--project NAME] [--seed N] [--spec PATH]
                         [--end YYYY-MM-DD] [options]
                                                 store realistic demo events for the dashboard
                                                 (default: 3000 users over 90 days ending today,
                                                 project demo, the Acme demo program)

options (flags override environment variables, which override the file):
  --config PATH        TOML configuration file                  (SHIRUBE_CONFIG)
  --listen ADDR        address to listen on, default 127.0.0.1:8787 (SHIRUBE_LISTEN)
  --database URL       sqlite:PATH or postgres://user@host/db  (SHIRUBE_DATABASE_URL)
                       default sqlite:shirube-collector.db
  --log-format FMT     json (default) or text                   (SHIRUBE_LOG_FORMAT)
  --log-level LEVEL    error, warn, info (default), debug, trace (SHIRUBE_LOG_LEVEL)
  --workers N          HTTP worker threads; default one per core, minus one for
                       SQLite's writer thread                   (SHIRUBE_WORKERS)
  --dev                SQLite in a temporary directory and the project `demo`
                       (write key sb_pub_demo, admin token sb_admin_demo,
                       identity secret sb_secret_demo, any origin)

docs/collector.md describes the configuration file, deployment and the HTTP API.
";

/// A configuration mistake, worded for the person who made it.
#[derive(Debug, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

/// Parses the arguments after the program name, reading the environment through `env`.
pub fn parse_args(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, ConfigError> {
    let mut it = args.iter().map(String::as_str).peekable();
    let Some(cmd) = it.next() else { return Ok(Command::Help) };
    match cmd {
        "-h" | "--help" | "help" => return Ok(Command::Help),
        "-V" | "--version" | "version" => return Ok(Command::Version),
        "validate" => {
            let files: Vec<String> = it.map(str::to_owned).collect();
            if files.is_empty() {
                return err("validate needs at least one spec file: shirube-collector validate spec.json");
            }
            return Ok(Command::Validate(files));
        }
        _ => {}
    }
    let sub = match cmd {
        "project" => match it.next() {
            Some(s @ ("create" | "list")) => Some(s),
            Some(other) => return err(format!("unknown project command `{other}`; use `project create <name>` or `project list`")),
            None => return err("project needs a command: `project create <name>` or `project list`"),
        },
        "serve" | "migrate" | "seed" => None,
        other => return err(format!("unknown command `{other}`; run `shirube-collector --help`")),
    };

    let mut flags = Flags::default();
    let mut positional = Vec::new();
    let mut origins = Vec::new();
    let mut identity_secret = true;
    let mut seed = SeedArgs::default();
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (a, None),
        };
        let mut value = |flag: &str| -> Result<String, ConfigError> {
            match inline.clone().or_else(|| it.next().map(str::to_owned)) {
                Some(v) => Ok(v),
                None => err(format!("{flag} needs a value")),
            }
        };
        match name {
            "--config" => flags.config = Some(value(name)?),
            "--listen" => flags.listen = Some(value(name)?),
            "--database" => flags.database = Some(value(name)?),
            "--log-format" => flags.log_format = Some(value(name)?),
            "--log-level" => flags.log_level = Some(value(name)?),
            "--workers" => flags.workers = Some(value(name)?),
            "--dev" if cmd == "serve" => flags.dev = true,
            "--origin" if sub == Some("create") => origins.push(normalize_origin(&value(name)?)?),
            "--no-identity-secret" if sub == Some("create") => identity_secret = false,
            "--users" if cmd == "seed" => seed.users = parse_count(name, &value(name)?, 1, 10_000_000)? as usize,
            "--days" if cmd == "seed" => seed.days = parse_count(name, &value(name)?, 1, 3_650)? as u32,
            "--seed" if cmd == "seed" => seed.seed = parse_count(name, &value(name)?, 0, u64::MAX)?,
            "--project" if cmd == "seed" => {
                let p = value(name)?;
                check_project_name(&p)?;
                seed.project = p;
            }
            "--spec" if cmd == "seed" => seed.spec = Some(value(name)?),
            "--end" if cmd == "seed" => {
                let v = value(name)?;
                if crate::date::parse_ymd(&v).is_none() {
                    return err(format!("--end `{v}` is not a date; write it as YYYY-MM-DD"));
                }
                seed.end = Some(v);
            }
            "-h" | "--help" => return Ok(Command::Help),
            f if f.starts_with('-') => return err(format!("unknown option `{f}` for `{cmd}`; run `shirube-collector --help`")),
            p => positional.push(p.to_owned()),
        }
    }
    let config = resolve(&flags, env)?;
    match (cmd, sub) {
        ("serve", _) | ("migrate", _) | ("seed", _) if !positional.is_empty() => {
            err(format!("unexpected argument `{}`", positional.join(" ")))
        }
        ("serve", _) => Ok(Command::Serve(config)),
        ("migrate", _) => Ok(Command::Migrate(config)),
        ("seed", _) => Ok(Command::Seed { config, options: seed }),
        (_, Some("list")) => Ok(Command::ProjectList(config)),
        _ => match positional.as_slice() {
            [name] => {
                check_project_name(name)?;
                Ok(Command::ProjectCreate { config, name: name.clone(), origins, identity_secret })
            }
            [] => err("project create needs a name: shirube-collector project create acme --origin https://app.acme.com"),
            _ => err(format!("project create takes one name, got `{}`", positional.join(" "))),
        },
    }
}

#[derive(Default)]
struct Flags {
    config: Option<String>,
    listen: Option<String>,
    database: Option<String>,
    log_format: Option<String>,
    log_level: Option<String>,
    workers: Option<String>,
    dev: bool,
}

fn resolve(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let mut c = Config::default();
    if let Some(path) = flags.config.clone().or_else(|| env("SHIRUBE_CONFIG")) {
        apply_file(&mut c, Path::new(&path))?;
    }
    let pick = |flag: &Option<String>, var: &str| flag.clone().or_else(|| env(var));
    if let Some(v) = pick(&flags.listen, "SHIRUBE_LISTEN") {
        c.listen = parse_listen(&v, "--listen / SHIRUBE_LISTEN")?;
    }
    if let Some(v) = pick(&flags.database, "SHIRUBE_DATABASE_URL") {
        c.database = v;
        c.database_given = true;
    }
    if let Some(v) = pick(&flags.log_format, "SHIRUBE_LOG_FORMAT") {
        c.log_format = parse_log_format(&v)?;
    }
    if let Some(v) = pick(&flags.log_level, "SHIRUBE_LOG_LEVEL") {
        c.log_level = parse_log_level(&v)?;
    }
    if let Some(v) = pick(&flags.workers, "SHIRUBE_WORKERS") {
        c.workers = Some(parse_count("--workers / SHIRUBE_WORKERS", &v, 1, 1024)? as usize);
    }
    c.dev = flags.dev;
    check_database(&c.database)?;
    Ok(c)
}

fn apply_file(c: &mut Config, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("cannot read the configuration file {}: {e}", path.display())))?;
    let f: FileConfig = toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let at = |what: &str| format!("{} ({what})", path.display());
    if let Some(v) = f.listen {
        c.listen = parse_listen(&v, &at("listen"))?;
    }
    if let Some(v) = f.database {
        c.database = v;
        c.database_given = true;
    }
    if let Some(v) = f.log_format {
        c.log_format = parse_log_format(&v)?;
    }
    if let Some(v) = f.log_level {
        c.log_level = parse_log_level(&v)?;
    }
    if let Some(v) = f.workers {
        if !(1..=1024).contains(&v) {
            return err(format!("{}: must be a whole number from 1 to 1024", at("workers")));
        }
        c.workers = Some(v);
    }
    let l = &mut c.limits;
    let fl = f.limits;
    if let Some(v) = fl.rate_per_second {
        if !(v > 0.0 && v.is_finite()) {
            return err(format!("{}: must be a positive number", at("limits.rate_per_second")));
        }
        l.rate_per_second = v;
        l.burst = l.burst.max(v);
    }
    if let Some(v) = fl.burst {
        if !(v >= 1.0 && v.is_finite()) {
            return err(format!("{}: must be at least 1", at("limits.burst")));
        }
        l.burst = v;
    }
    let positive = |v: usize, what: &str| if v == 0 { err(format!("{}: must be at least 1", at(what))) } else { Ok(v) };
    if let Some(v) = fl.max_in_flight {
        l.max_in_flight = positive(v, "limits.max_in_flight")?;
    }
    if let Some(v) = fl.max_connections {
        l.max_connections = positive(v, "limits.max_connections")?;
    }
    let ms = |v: u64, what: &str| -> Result<Duration, ConfigError> {
        if v == 0 {
            return err(format!("{}: must be at least 1 ms", at(what)));
        }
        Ok(Duration::from_millis(v))
    };
    if let Some(v) = fl.header_timeout_ms {
        l.header_timeout = ms(v, "limits.header_timeout_ms")?;
    }
    if let Some(v) = fl.body_timeout_ms {
        l.body_timeout = ms(v, "limits.body_timeout_ms")?;
    }
    if let Some(v) = fl.shutdown_grace_ms {
        l.shutdown_grace = ms(v, "limits.shutdown_grace_ms")?;
    }
    if let Some(v) = fl.project_refresh_ms {
        l.project_refresh = ms(v, "limits.project_refresh_ms")?;
    }
    if let Some(v) = fl.quarantine_days {
        l.quarantine_days = v;
    }
    for p in f.projects {
        check_project_name(&p.name)?;
        for (what, v) in [("write_key", &p.write_key), ("admin_token", &p.admin_token)] {
            if v.len() < 8 {
                return err(format!("{}: project {}: {what} must be at least 8 characters", path.display(), p.name));
            }
        }
        let origins = p.origins.iter().map(|o| normalize_origin(o)).collect::<Result<Vec<_>, _>>()?;
        c.projects.push(ProjectConfig { origins, ..p });
    }
    Ok(())
}

fn parse_count(flag: &str, v: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => err(format!("{flag} `{v}` must be a whole number from {min} to {max}")),
    }
}

fn parse_listen(v: &str, what: &str) -> Result<SocketAddr, ConfigError> {
    v.parse().map_err(|_| ConfigError(format!("{what}: `{v}` is not an address; write it as 127.0.0.1:8787 or [::1]:8787")))
}

fn parse_log_format(v: &str) -> Result<LogFormat, ConfigError> {
    match v {
        "json" => Ok(LogFormat::Json),
        "text" => Ok(LogFormat::Text),
        _ => err(format!("log format `{v}` is unknown; use json or text")),
    }
}

fn parse_log_level(v: &str) -> Result<tracing::Level, ConfigError> {
    v.parse().map_err(|_| ConfigError(format!("log level `{v}` is unknown; use error, warn, info, debug or trace")))
}

fn check_database(url: &str) -> Result<(), ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:") {
        Ok(())
    } else {
        err(format!("database `{url}` is not understood; use sqlite:/path/to/collector.db or postgres://user@host/dbname"))
    }
}

/// Project names appear in URLs and logs: letters, digits, `-` and `_`, 1 to 64 of them.
pub fn check_project_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        err(format!("project name `{name}` is not allowed; use 1 to 64 letters, digits, - or _"))
    }
}

/// `https://App.Example.com/` → `https://app.example.com`; `*` stays; `https://*.example.com`
/// allows every subdomain. Paths are refused because browsers never send one in `Origin`.
pub fn normalize_origin(o: &str) -> Result<String, ConfigError> {
    if o == "*" {
        return Ok(o.into());
    }
    let lower = o.trim_end_matches('/').to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return err(format!("origin `{o}` needs a scheme, like https://app.example.com"));
    };
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return err(format!("origin `{o}` must be scheme://host[:port] with http or https and no path"));
    }
    Ok(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn serve_defaults_and_overrides() {
        let Ok(Command::Serve(c)) = parse_args(&args("serve"), &no_env) else { panic!("serve parses") };
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.database, DEFAULT_DATABASE);
        assert!(!c.dev);
        let env = |k: &str| (k == "SHIRUBE_LISTEN").then(|| "127.0.0.1:9000".to_string());
        let Ok(Command::Serve(c)) = parse_args(&args("serve --dev --database sqlite:/tmp/x.db"), &env) else { panic!() };
        assert_eq!(c.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(c.database, "sqlite:/tmp/x.db");
        assert!(c.dev && c.database_given);
        let Ok(Command::Serve(c)) = parse_args(&args("serve --listen=127.0.0.1:9001"), &env) else { panic!() };
        assert_eq!(c.listen.to_string(), "127.0.0.1:9001", "a flag beats the environment");
    }

    #[test]
    fn worker_threads_leave_a_core_to_the_sqlite_writer() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let Ok(Command::Serve(c)) = parse_args(&args("serve"), &no_env) else { panic!("serve parses") };
        assert_eq!(c.worker_threads(), cores.saturating_sub(1).max(1), "SQLite: one core for its writer");
        let Ok(Command::Serve(c)) = parse_args(&args("serve --database postgres://u@127.0.0.1/db"), &no_env) else { panic!() };
        assert_eq!(c.worker_threads(), cores, "PostgreSQL: every core serves HTTP");
        let env = |k: &str| (k == "SHIRUBE_WORKERS").then(|| "3".to_string());
        let Ok(Command::Serve(c)) = parse_args(&args("serve"), &env) else { panic!() };
        assert_eq!(c.worker_threads(), 3);
        let Ok(Command::Serve(c)) = parse_args(&args("serve --workers 5"), &env) else { panic!() };
        assert_eq!(c.worker_threads(), 5, "a flag beats the environment");
        let e = |s: &str| parse_args(&args(s), &no_env).err().map(|e| e.0).unwrap_or_default();
        assert!(e("serve --workers 0").contains("from 1 to 1024"), "{}", e("serve --workers 0"));
        assert!(e("serve --workers many").contains("--workers"));
    }

    #[test]
    fn mistakes_are_explained() {
        let e = |s: &str| parse_args(&args(s), &no_env).err().map(|e| e.0).unwrap_or_default();
        assert!(e("serve --listen nowhere").contains("not an address"));
        assert!(e("serve --database mysql://x").contains("not understood"));
        assert!(e("serve --bogus").contains("unknown option"));
        assert!(e("project create").contains("needs a name"));
        assert!(e("project create a b").contains("one name"));
        assert!(e("project create bad.name").contains("not allowed"));
        assert!(e("project create acme --origin app.example.com").contains("needs a scheme"));
        assert!(e("frobnicate").contains("unknown command"));
        assert!(e("seed --users 0").contains("whole number from 1"));
        assert!(e("seed --users many").contains("whole number"));
        assert!(e("seed --end 2026-02-30").contains("not a date"));
        assert!(e("seed --project a.b").contains("not allowed"));
        assert!(e("serve --users 3").contains("unknown option"));
    }

    #[test]
    fn seed_options() {
        let Ok(Command::Seed { options, config }) = parse_args(&args("seed --users 50 --days 30 --seed 7 --end 2026-11-01 --database sqlite:/tmp/s.db"), &no_env) else {
            panic!("seed parses")
        };
        assert_eq!(options, SeedArgs { users: 50, days: 30, seed: 7, end: Some("2026-11-01".into()), ..SeedArgs::default() });
        assert_eq!(config.database, "sqlite:/tmp/s.db");
        let Ok(Command::Seed { options, .. }) = parse_args(&args("seed"), &no_env) else { panic!("defaults") };
        assert_eq!((options.users, options.days, options.project.as_str()), (3_000, 90, "demo"));
    }

    #[test]
    fn project_create_collects_origins() {
        let cmd = parse_args(&args("project create acme --origin https://App.Example.com/ --origin http://localhost:3000"), &no_env);
        let Ok(Command::ProjectCreate { name, origins, identity_secret, .. }) = cmd else { panic!("{cmd:?}") };
        assert_eq!(name, "acme");
        assert_eq!(origins, vec!["https://app.example.com", "http://localhost:3000"]);
        assert!(identity_secret);
    }

    #[test]
    fn config_file() {
        let dir = std::env::temp_dir().join(format!("shirube-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            r#"
listen = "127.0.0.1:9100"
database = "postgres://u@127.0.0.1/db"
log_format = "text"
[limits]
rate_per_second = 50
max_in_flight = 8
body_timeout_ms = 2000
[[projects]]
name = "acme"
write_key = "sb_pub_acme_1234"
admin_token = "sb_admin_acme_1234"
origins = ["https://app.acme.com/"]
"#,
        )
        .expect("write config");
        let a = vec!["serve".to_string(), "--config".into(), path.display().to_string()];
        let Ok(Command::Serve(c)) = parse_args(&a, &no_env) else { panic!("config parses") };
        assert_eq!(c.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.limits.rate_per_second, 50.0);
        assert_eq!(c.limits.burst, 2_000.0);
        assert_eq!(c.limits.max_in_flight, 8);
        assert_eq!(c.limits.body_timeout, Duration::from_secs(2));
        assert_eq!(c.projects.len(), 1);
        assert_eq!(c.projects[0].origins, vec!["https://app.acme.com"]);
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nlimts = {}\n").expect("write");
        let e = parse_args(&a, &no_env).err().map(|e| e.0).unwrap_or_default();
        assert!(e.contains("unknown field"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

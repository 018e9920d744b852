//! The `shirube-collector` binary: parses the command line (see `config::USAGE`), then serves,
//! manages projects, migrates, seeds demo data or validates specs. Exit codes: 0 success, 1 a runtime failure
//! (database, port), 2 a usage or configuration mistake.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use shirube_collector::config::{self, Command, Config, LogFormat, SeedArgs};
use shirube_collector::metrics::Metrics;
use shirube_collector::store::{self, ProjectRow, Store};
use shirube_collector::{date, dev_project, now_ms, project, seed, server, sync_projects};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match config::parse_args(&args, &|k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("shirube-collector: {e}");
            return ExitCode::from(2);
        }
    };
    match cmd {
        Command::Help => {
            print!("{}", config::USAGE);
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("shirube-collector {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Validate(files) => validate(&files),
        Command::Serve(c) => run(c.clone(), |c| Box::pin(serve(c))),
        Command::Migrate(c) => run(c.clone(), |c| Box::pin(migrate(c))),
        Command::Seed { config, options } => run(config, move |c| Box::pin(seed_demo(c, options))),
        Command::ProjectList(c) => run(c.clone(), |c| Box::pin(project_list(c))),
        Command::ProjectCreate { config, name, origins, identity_secret } => {
            run(config, move |c| Box::pin(project_create(c, name, origins, identity_secret)))
        }
    }
}

type Job = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>;

fn run(config: Config, job: impl FnOnce(Config) -> Job) -> ExitCode {
    init_logs(&config);
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(config.worker_threads()).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shirube-collector: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(job(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shirube-collector: {e}");
            ExitCode::from(1)
        }
    }
}

fn init_logs(c: &Config) {
    let builder = tracing_subscriber::fmt().with_max_level(c.log_level).with_writer(std::io::stderr).with_target(false);
    match c.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

/// A directory removed when dropped: `--dev`'s database lives and dies with the process.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let dir = std::env::temp_dir().join(format!("shirube-dev-{}-{}", std::process::id(), now_ms()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn open(c: &Config, metrics: Arc<Metrics>) -> Result<Arc<dyn Store>, String> {
    store::open(&c.database, metrics).await.map_err(|e| format!("cannot open the database {}: {e}", redact(&c.database)))
}

/// The database URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    let (Some(s), Some(at)) = (url.find("://"), url.rfind('@')) else { return url.to_owned() };
    match url.get(s + 3..at).and_then(|creds| creds.split_once(':')) {
        Some((user, _)) => format!("{}{user}:***{}", url.get(..s + 3).unwrap_or(""), url.get(at..).unwrap_or("")),
        None => url.to_owned(),
    }
}

async fn serve(mut c: Config) -> Result<(), String> {
    let _tmp = if c.dev && !c.database_given {
        let t = TempDir::new()?;
        c.database = format!("sqlite:{}", t.0.join("collector.db").display());
        Some(t)
    } else {
        None
    };
    if c.dev {
        c.projects.push(dev_project());
    }
    let metrics = Arc::new(Metrics::default());
    let store = open(&c, metrics.clone()).await?;
    sync_projects(store.as_ref(), &c.projects).await.map_err(|e| format!("cannot write the configured projects: {e}"))?;
    let running = server::start_with(c.listen, store.clone(), metrics, c.limits.clone(), c.dev).await?;
    let mut banner = format!(
        "shirube-collector {} listening on http://{}\n  database  {} ({})\n",
        env!("CARGO_PKG_VERSION"),
        running.addr,
        redact(&c.database),
        store.backend()
    );
    if c.dev {
        banner.push_str(&format!(
            "  project   {}\n  write key {}\n  admin     {}\n  identity  {}\n  origins   any (dev)\n  dashboard http://{}/  (sign in with the admin token)\n",
            config::DEV_PROJECT,
            config::DEV_WRITE_KEY,
            config::DEV_ADMIN_TOKEN,
            config::DEV_IDENTITY_SECRET,
            running.addr
        ));
    }
    print!("{banner}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    tracing::info!(addr = %running.addr, backend = store.backend(), "listening");

    wait_for_signal().await?;
    tracing::info!("shutting down");
    running.shutdown().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("cannot listen for SIGINT: {e}"))?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

async fn migrate(c: Config) -> Result<(), String> {
    let store = open(&c, Arc::new(Metrics::default())).await?;
    store.close().await;
    println!("the schema of {} is up to date", redact(&c.database));
    Ok(())
}

async fn seed_demo(c: Config, a: SeedArgs) -> Result<(), String> {
    let spec = match &a.spec {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read the spec {path}: {e}"))?,
        None => seed::ACME_SPEC.to_owned(),
    };
    let end_day = a.end.as_deref().and_then(date::parse_ymd).unwrap_or_else(|| date::day_of_ms(now_ms()));
    let store = open(&c, Arc::new(Metrics::default())).await?;
    let mut projects = store.projects().await.map_err(|e| e.to_string())?;
    if a.project == config::DEV_PROJECT && !projects.iter().any(|p| p.name == a.project) {
        // The demo project of `serve --dev`, so a seeded file can be served with --dev later.
        sync_projects(store.as_ref(), &[dev_project()]).await.map_err(|e| e.to_string())?;
        projects = store.projects().await.map_err(|e| e.to_string())?;
    }
    let Some(project) = projects.into_iter().find(|p| p.name == a.project) else {
        store.close().await;
        return Err(format!(
            "no project named {} in {}; create it first with `shirube-collector project create {}`",
            a.project,
            redact(&c.database),
            a.project
        ));
    };
    let opts = seed::Options { users: a.users, days: a.days, end_day, seed: a.seed, spec, not_after: now_ms() };
    let t0 = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    let mut report = |s: &seed::Summary| {
        if last.elapsed().as_secs() >= 5 {
            last = std::time::Instant::now();
            eprintln!("seed: {} of {} users, {} events", s.users, opts.users, s.events);
        }
    };
    let result = seed::run(store.clone(), project.id, &opts, &mut report).await;
    store.close().await;
    let s = result?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "seeded project {} in {}: {} users over {} days ending {}, {} events in {} batches ({} already there), {:.1} s ({:.0} events/s)",
        project.name,
        redact(&c.database),
        s.users,
        a.days,
        date::ymd(end_day),
        s.events,
        s.batches,
        s.duplicates,
        secs,
        s.events as f64 / secs.max(1e-9)
    );
    Ok(())
}

async fn project_create(c: Config, name: String, origins: Vec<String>, identity_secret: bool) -> Result<(), String> {
    let store = open(&c, Arc::new(Metrics::default())).await?;
    let write_key = project::generate_key("sb_pub_").map_err(|e| e.to_string())?;
    let admin_token = project::generate_key("sb_admin_").map_err(|e| e.to_string())?;
    let secret = if identity_secret { Some(project::generate_key("sb_secret_").map_err(|e| e.to_string())?) } else { None };
    let created = store
        .create_project(ProjectRow {
            id: 0,
            name: name.clone(),
            write_key: write_key.clone(),
            admin_token_sha256: project::sha256_hex(&admin_token),
            identity_secret: secret.clone(),
            origins: origins.clone(),
            created_at: now_ms(),
        })
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    if !created {
        return Err(format!("a project named {name} already exists in {}", redact(&c.database)));
    }
    println!("created project {name} in {}", redact(&c.database));
    println!("  write key        {write_key}");
    println!("  admin token      {admin_token}   (shown only now: the database keeps its hash)");
    match &secret {
        Some(s) => println!("  identity secret  {s}   (for your backend only: user_hash = hex(HMAC-SHA256(secret, user_id)))"),
        None => println!("  identity secret  none (state sync is off)"),
    }
    if origins.is_empty() {
        println!("  origins          none yet: browsers will get 403 until you add some");
    } else {
        println!("  origins          {}", origins.join(" "));
    }
    println!("running collectors pick the project up within a second");
    Ok(())
}

async fn project_list(c: Config) -> Result<(), String> {
    let store = open(&c, Arc::new(Metrics::default())).await?;
    let projects = store.projects().await.map_err(|e| e.to_string())?;
    if projects.is_empty() {
        println!("no projects yet: shirube-collector project create <name> --origin https://app.example.com");
    }
    for p in &projects {
        let events = store.count_events(p.id).await.map_err(|e| e.to_string())?;
        println!(
            "{}\twrite key {}\tstate sync {}\torigins {}\tevents {events}",
            p.name,
            p.write_key,
            if p.identity_secret.is_some() { "on" } else { "off" },
            if p.origins.is_empty() { "-".to_string() } else { p.origins.join(",") }
        );
    }
    store.close().await;
    Ok(())
}

fn validate(files: &[String]) -> ExitCode {
    let mut code = 0u8;
    for file in files {
        match std::fs::read_to_string(file) {
            Ok(src) => {
                let v = shirube::validate(&src);
                for d in &v.diagnostics {
                    println!("{}:{}", file, d.display());
                }
                if !v.ok() {
                    code = code.max(1);
                }
            }
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                code = 2;
            }
        }
    }
    ExitCode::from(code)
}

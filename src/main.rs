//! The `poalint` command line.

/// mimalloc returns freed memory to the system far better than glibc's per-thread arenas when
/// worker threads allocate while reading and the main thread keeps the diagnostics: peak memory
/// stays flat with the number of files.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use poalint::check::policy::{self, Effective};
use poalint::check::rules::RuleSet;
use poalint::report::{self, Format, ReportOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXAMPLES: &str = "Ejemplos:
  poalint lint capturas/                      revisa todas las capturas de la carpeta
  poalint lint capturas/ --format json        informe para otros programas
  poalint lint capturas/ --fix-dir correcciones/   además escribe los libros de correcciones
  poalint inspect capturas/064-IMIP.xlsx      muestra lo que se leyó de cada hoja
  poalint rules --policy mexicali             reglas activas con la política de Mexicali
  poalint explain suma-programado             documentación de una regla";

#[derive(Parser)]
#[command(
    name = "poalint",
    version,
    about = "Revisa las capturas trimestrales del POA (formato TMM-F004 «Avance Físico Programático»)",
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct PolicyArgs {
    /// Política: nombre integrado (default, mexicali) o ruta de un .toml. Si no se indica, se
    /// busca poalint.toml en la carpeta revisada y sus padres; si no, «default».
    #[arg(long, value_name = "NOMBRE|RUTA")]
    policy: Option<String>,
    /// Carpeta con reglas .toml que reemplazan o amplían las integradas.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Revisa libros (.xlsx, .xlsm, .xls, .ods) y carpetas (recursivamente).
    Lint {
        #[arg(required = true, value_name = "RUTA")]
        paths: Vec<PathBuf>,
        /// Formato del informe.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Escribe el informe en un archivo en lugar de la salida estándar.
        #[arg(long, short, value_name = "ARCHIVO")]
        output: Option<PathBuf>,
        #[command(flatten)]
        policy: PolicyArgs,
        /// Solo los archivos que coinciden con estos patrones glob.
        #[arg(long, value_name = "GLOB")]
        include: Vec<String>,
        /// Omite los archivos que coinciden con estos patrones glob.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// Hilos de trabajo (por omisión, todos los núcleos).
        #[arg(long, short = 'j', default_value_t = 0)]
        jobs: usize,
        /// Escribe un libro de correcciones por dependencia y resumen.xlsx en esta carpeta.
        #[arg(long, value_name = "CARPETA")]
        fix_dir: Option<PathBuf>,
        /// Reemplaza los libros de correcciones que ya existan.
        #[arg(long)]
        force: bool,
        /// Muestra el número de hallazgos por regla.
        #[arg(long)]
        statistics: bool,
        /// Solo el resumen.
        #[arg(long, short)]
        quiet: bool,
        /// Termina con estado 1 también si hay advertencias.
        #[arg(long)]
        deny_warnings: bool,
        /// Sin colores.
        #[arg(long)]
        no_color: bool,
    },
    /// Muestra lo que el lector entendió de cada hoja de un libro.
    Inspect {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
        format: InspectFormat,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Lista las reglas con la política activa (id, tipo, severidad, activa).
    Rules {
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Muestra la documentación de una regla.
    Explain {
        rule: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Operaciones sobre políticas.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Imprime el script de autocompletado para un shell (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Imprime la política efectiva (tras `extends` y ajustes).
    Show {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Carpeta a revisar (para encontrar su poalint.toml); por omisión, la actual.
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InspectFormat {
    Human,
    Json,
}

/// Whether `p` is (or is named as) a spreadsheet: any workbook or template extension, or an
/// existing file that starts like a zipped (xlsx, ods) or OLE (xls) one.
fn is_spreadsheet(p: &Path) -> bool {
    const MORE: &[&str] = &["xlsb", "xltx", "xltm", "xlt", "ots", "fods"];
    let named = poalint::read::discover::has_workbook_extension(p)
        || p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MORE.contains(&e.to_ascii_lowercase().as_str()));
    let mut head = [0u8; 4];
    let starts = std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && (head == *b"PK\x03\x04" || head == [0xD0, 0xCF, 0x11, 0xE0]);
    named || starts
}

/// A command-line error in Spanish (clap writes its own in English); `--help` and `--version`
/// print as clap does.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    let ctx = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let what = match e.kind() {
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
        K::UnknownArgument => format!("argumento desconocido «{}»", ctx(ContextKind::InvalidArg)),
        K::InvalidSubcommand => format!(
            "subcomando desconocido «{}»",
            ctx(ContextKind::InvalidSubcommand)
        ),
        K::InvalidValue | K::ValueValidation => {
            let valid = ctx(ContextKind::ValidValue);
            format!(
                "valor inválido «{}» para {}{}",
                ctx(ContextKind::InvalidValue),
                ctx(ContextKind::InvalidArg),
                if valid.is_empty() {
                    String::new()
                } else {
                    format!(" (valores posibles: {valid})")
                }
            )
        }
        K::MissingRequiredArgument => format!("falta {}", ctx(ContextKind::InvalidArg)),
        K::MissingSubcommand => {
            "falta el subcomando (lint, inspect, rules, explain, policy…)".into()
        }
        K::ArgumentConflict => format!(
            "{} no se puede usar junto con {}",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::PriorArg)
        ),
        K::TooManyValues | K::WrongNumberOfValues | K::TooFewValues => {
            format!(
                "número de valores equivocado para {}",
                ctx(ContextKind::InvalidArg)
            )
        }
        _ => e
            .to_string()
            .trim()
            .trim_start_matches("error: ")
            .to_string(),
    };
    eprintln!(
        "error: {what}

Vea `poalint --help` (o `poalint lint --help`)."
    );
    ExitCode::from(2)
}

/// Checks, before a run that may take minutes, that the report can be written to `p` (`-o`):
/// not over a workbook (an input would be destroyed; the report is text), and in a folder
/// that exists and can be written. Creates the file when it is missing (nothing is truncated
/// yet) and says whether it did, so a run that fails can take it away again.
fn check_output(p: &Path) -> Result<bool, String> {
    if is_spreadsheet(p) {
        return Err(format!(
            "{} es un libro de hoja de cálculo (por su extensión de libro o por su contenido): el informe es texto (use, por ejemplo, .json, .sarif o .csv); el libro con el resumen lo escribe --fix-dir",
            p.display()
        ));
    }
    let existed = p.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(p)
        .map_err(|e| {
            let cause = match e.kind() {
                std::io::ErrorKind::NotFound => "la carpeta no existe".to_string(),
                _ => poalint::read::io_cause(&e),
            };
            format!(
                "no se puede escribir el informe en {}: {cause}",
                p.display()
            )
        })?;
    Ok(!existed)
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn load_policy(args: &PolicyArgs, paths: &[PathBuf]) -> Result<Effective, ExitCode> {
    let rules = match &args.rules {
        Some(dir) => RuleSet::with_dir(dir).map_err(|e| {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        })?,
        None => RuleSet::builtin(),
    };
    let src = policy::choose(args.policy.as_deref(), paths).map_err(fail)?;
    policy::load(&src, &rules).map_err(|e| {
        eprintln!("{:?}", miette::Report::new(e));
        ExitCode::from(2)
    })
}

fn write_out(output: &Option<PathBuf>, text: &str) -> Result<(), ExitCode> {
    match output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| fail(format!("no se pudo escribir {}: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    match cli.command {
        Command::Lint {
            paths,
            format,
            output,
            policy,
            include,
            exclude,
            jobs,
            fix_dir,
            force,
            statistics,
            quiet,
            deny_warnings,
            no_color,
        } => {
            let eff = match load_policy(&policy, &paths) {
                Ok(e) => e,
                Err(c) => return c,
            };
            if let Some(dir) = &fix_dir
                && let Err(e) = poalint::fix::check_out_dir(dir, &paths)
            {
                return fail(e);
            }
            let created = match output.as_deref().map(check_output) {
                Some(Err(e)) => return fail(e),
                Some(Ok(created)) => created,
                None => false,
            };
            let opts = poalint::run::Options {
                paths,
                include,
                exclude,
                jobs,
                row_context: format == Format::Human && !quiet,
                fix_dir: fix_dir.clone(),
                force,
                prerender: (format == Format::Json).then_some(report::json::prerender as _),
            };
            let progress = poalint::report::progress::Progress::new(quiet);
            let result = match poalint::run::lint(&eff, &opts, &|d, t| progress.tick(d, t)) {
                Ok(r) => r,
                Err(e) => {
                    if let Some(p) = output.as_ref().filter(|_| created) {
                        let _ = std::fs::remove_file(p);
                    }
                    return fail(e);
                }
            };
            progress.finish();
            if result.files.is_empty() {
                eprintln!(
                    "advertencia: no se encontró ningún libro (.xlsx, .xlsm, .xls, .ods) en las rutas dadas{}",
                    if opts.include.is_empty() && eff.files.include.is_empty() {
                        ""
                    } else {
                        " con los patrones de --include y de la política"
                    }
                );
            }
            // Only in a build with the `stage-timings` feature (bench/stages.sh).
            if let Some(times) = poalint::stages::report() {
                eprintln!("{times}");
            }
            let color = !no_color
                && output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let ropts = ReportOptions {
                quiet,
                statistics,
                color,
                width: None,
            };
            let written = match &output {
                Some(p) => std::fs::File::create(p).and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    report::write(format, &result, &eff, &ropts, &mut w)?;
                    w.flush()
                }),
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    report::write(format, &result, &eff, &ropts, &mut w).and_then(|_| w.flush())
                }
            };
            if let Err(e) = written
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                let cause = poalint::read::io_cause(&e);
                return fail(match &output {
                    Some(p) => format!("no se pudo escribir el informe {}: {cause}", p.display()),
                    None => format!("no se pudo escribir el informe: {cause}"),
                });
            }
            if format != Format::Human && (statistics || output.is_some()) {
                if statistics {
                    eprint!("{}", report::human::statistics(&result));
                }
                let mut err = std::io::BufWriter::new(std::io::stderr().lock());
                let _ = report::human::write_summary(&result, &mut err).and_then(|_| err.flush());
            } else if !matches!(format, Format::Human | Format::Json) {
                // SARIF, GitHub and CSV have no place for them: they count for --deny-warnings,
                // so the user must see them.
                let mut err = std::io::stderr().lock();
                let _ = report::human::write_unused_exceptions(&result, &mut err);
            }
            match &result.fix {
                Some(Ok(summary)) => eprintln!("{summary}"),
                Some(Err(e)) => return fail(e),
                None => {}
            }
            let errors = result.count(poalint::check::Severity::Error);
            let warnings =
                result.count(poalint::check::Severity::Warning) + result.unused_exceptions.len();
            if errors > 0 || (deny_warnings && warnings > 0) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Inspect {
            file,
            format,
            policy,
        } => {
            let eff = match load_policy(&policy, std::slice::from_ref(&file)) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let shown = poalint::run::display_path(&file);
            let read = poalint::read::read_path(&file, &shown, &eff.labels);
            let text = match format {
                InspectFormat::Human => poalint::report::inspect::human(&shown, &read),
                InspectFormat::Json => poalint::report::inspect::json(&read),
            };
            let _ = write_out(&None, &text);
            match read {
                poalint::read::FileRead::Ok { .. } => ExitCode::SUCCESS,
                poalint::read::FileRead::Failed(_) => ExitCode::from(1),
            }
        }
        Command::Rules { policy } => {
            let eff = match load_policy(&policy, &[PathBuf::from(".")]) {
                Ok(e) => e,
                Err(c) => return c,
            };
            println!("Política: {}\n", eff.name);
            println!("{:<28} {:<14} {:<10} ACTIVA", "REGLA", "TIPO", "SEVERIDAD");
            for r in &eff.rules {
                println!(
                    "{:<28} {:<14} {:<10} {}",
                    r.def.id,
                    r.def.kind.as_str(),
                    r.def.severity.as_str(),
                    if r.enabled { "sí" } else { "no" }
                );
            }
            ExitCode::SUCCESS
        }
        Command::Explain { rule, policy } => {
            let eff = match load_policy(&policy, &[PathBuf::from(".")]) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let Some(r) = eff.rule(&rule) else {
                return fail(format!(
                    "no existe la regla «{rule}» (`poalint rules` las lista)"
                ));
            };
            let d = &r.def;
            println!(
                "{} ({}, {}{})\n",
                d.id,
                d.kind.as_str(),
                d.severity.as_str(),
                if r.enabled { "" } else { ", desactivada" }
            );
            println!("Qué detecta\n  {}\n", d.doc.what);
            println!("Por qué importa\n  {}\n", d.doc.why);
            println!("Ejemplo\n  {}\n", d.doc.example);
            println!("Mensaje\n  {}\n", d.message);
            println!("Ayuda\n  {}\n", d.help);
            if !d.params.is_empty() {
                println!("Parámetros ([params.{}] en la política)", d.id);
                for (k, v) in &d.params {
                    println!("  {k} = {}", policy::inline(v));
                }
            }
            println!("\nDefinida en {}", d.source);
            ExitCode::SUCCESS
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "poalint",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Policy {
            action: PolicyAction::Show { policy, path },
        } => {
            // As `lint` and `rules` would find it: from the folder given, or this one.
            let paths = [path.unwrap_or_else(|| PathBuf::from("."))];
            let eff = match load_policy(&policy, &paths) {
                Ok(e) => e,
                Err(c) => return c,
            };
            print!("{}", policy::show(&eff));
            ExitCode::SUCCESS
        }
    }
}

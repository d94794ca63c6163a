//! Where the server and the load generator run: the default split of the usable CPUs, the
//! `--server-cpus`/`--loadgen-cpus` flags, or no pinning (`--no-pin`, `--url`, one CPU, not
//! Linux), and why.
//!
//! The default (Linux, at least 2 usable CPUs, a server the harness starts): the generator gets
//! [`generator_cpus`] of the usable CPUs (half, rounded down, at least 1: against a fast server
//! it needs about as much CPU per request as the server, see there) and the server the rest,
//! on disjoint sets, so neither steals the other's CPU time and every round sees the same
//! placement. Whole physical cores go to one side (hyperthread siblings stay together) when
//! there are at least two cores; the generator takes the highest-numbered ones, so the server
//! keeps CPU 0 (2 CPUs: server 0, generator 1; 3: 0-1 and 2; 4: 0-1 and 2-3; 8: 0-3 and 4-7;
//! 16: 0-7 and 8-15). A server started with more `--workers` than its share still runs on its
//! share: give it more with `--server-cpus`.
//!
//! With `--url` nothing is pinned by default: the harness did not start that server and
//! cannot pin it, and pinning the generator alone would not keep the two apart (the server may
//! still run on the generator's CPUs) while it would cap a generator aimed at another machine.
//! `--loadgen-cpus` still pins the generator there.

use crate::loadgen::generator_cpus;
use crate::schema::{PinSource, PinningInfo};

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinRequest {
    /// `--server-cpus`, validated.
    pub server: Option<Vec<usize>>,
    /// `--loadgen-cpus`, validated.
    pub loadgen: Option<Vec<usize>>,
    /// `--no-pin`.
    pub no_pin: bool,
    /// False for `run --url` (a server the harness did not start).
    pub starts_server: bool,
}

/// The pinning applied: the CPU sets (`None` = not pinned) and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinning {
    pub server: Option<Vec<usize>>,
    pub loadgen: Option<Vec<usize>>,
    pub source: PinSource,
    /// Why pinning is off, or how flags were completed.
    pub reason: Option<String>,
}

impl Pinning {
    /// No pinning, for `reason`.
    pub fn off(reason: impl Into<String>) -> Pinning {
        Pinning { server: None, loadgen: None, source: PinSource::Off, reason: Some(reason.into()) }
    }

    /// The record for the result's configuration.
    pub fn info(&self) -> PinningInfo {
        PinningInfo { source: self.source, reason: self.reason.clone() }
    }

    /// The CPUs the measurement can run on: both pinned sets, or all of `usable` if either
    /// side floats.
    pub fn used_cpus(&self, usable: &[usize]) -> Vec<usize> {
        let mut cpus = match (&self.server, &self.loadgen) {
            (Some(s), Some(l)) => s.iter().chain(l).copied().collect(),
            _ => usable.to_vec(),
        };
        cpus.sort_unstable();
        cpus.dedup();
        cpus
    }
}

/// The default split of the usable CPUs, given grouped by physical core (see
/// [`crate::host::core_groups`]): `(server, generator)`, or `None` with fewer than 2 CPUs.
pub fn split(groups: &[Vec<usize>]) -> Option<(Vec<usize>, Vec<usize>)> {
    let n: usize = groups.iter().map(Vec::len).sum();
    if n < 2 {
        return None;
    }
    let want = generator_cpus(n);
    let (server, generator): (Vec<usize>, Vec<usize>) = if groups.len() >= 2 {
        // Whole cores from the top: at least one, then more while they fit in `want` CPUs
        // (the server gets the rounding), always leaving the server one.
        let mut taken = groups[groups.len() - 1].len();
        let mut cut = groups.len() - 1;
        while cut > 1 && taken + groups[cut - 1].len() <= want {
            cut -= 1;
            taken += groups[cut].len();
        }
        (groups[..cut].concat(), groups[cut..].concat())
    } else {
        // One core with several hyperthreads: split its threads.
        let cpus = &groups[0];
        let cut = cpus.len() - want.min(cpus.len() - 1);
        (cpus[..cut].to_vec(), cpus[cut..].to_vec())
    };
    Some((sorted(server), sorted(generator)))
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

/// Decide the pinning: flags win, then `--no-pin`, `--url`, not-Linux and one-CPU turn it
/// off, else the default [`split`] of `groups` (the usable CPUs by physical core).
pub fn resolve(request: &PinRequest, groups: &[Vec<usize>], linux: bool) -> Pinning {
    let usable: Vec<usize> = sorted(groups.concat());
    let list = crate::host::format_cpu_list;
    if request.server.is_some() || request.loadgen.is_some() {
        if !linux {
            return Pinning::off(format!(
                "--server-cpus/--loadgen-cpus were given, but pinning needs Linux (sched_setaffinity); this is {}",
                std::env::consts::OS
            ));
        }
        let rest = |given: &[usize]| -> Option<Vec<usize>> {
            let rest: Vec<usize> = usable.iter().copied().filter(|c| !given.contains(c)).collect();
            (!rest.is_empty()).then_some(rest)
        };
        let (server, loadgen, reason) = match (&request.server, &request.loadgen) {
            (Some(s), None) if request.starts_server => {
                let l = rest(s);
                let why = match &l {
                    Some(l) => {
                        format!("--server-cpus only: the load generator got the other CPUs ({})", list(l))
                    }
                    None => {
                        "--server-cpus took every usable CPU: the load generator is not pinned".to_string()
                    }
                };
                (Some(s.clone()), l, Some(why))
            }
            (None, Some(l)) if request.starts_server => {
                let s = rest(l);
                let why = match &s {
                    Some(s) => format!("--loadgen-cpus only: the server got the other CPUs ({})", list(s)),
                    None => "--loadgen-cpus took every usable CPU: the server is not pinned".to_string(),
                };
                (s, Some(l.clone()), Some(why))
            }
            (None, Some(l)) => (
                None,
                Some(l.clone()),
                Some("--url: only the load generator is pinned (the server was not started here)".into()),
            ),
            (s, l) => (s.clone(), l.clone(), None),
        };
        return Pinning { server, loadgen, source: PinSource::Flags, reason };
    }
    if request.no_pin {
        return Pinning::off("--no-pin");
    }
    if !request.starts_server {
        return Pinning::off(
            "--url: the harness did not start the server, so it cannot pin it, and pinning the \
             generator alone would not keep them apart (--loadgen-cpus pins it anyway)",
        );
    }
    if !linux {
        return Pinning::off(format!(
            "pinning needs Linux (sched_setaffinity); this is {}",
            std::env::consts::OS
        ));
    }
    match split(groups) {
        Some((server, loadgen)) => {
            Pinning { server: Some(server), loadgen: Some(loadgen), source: PinSource::Default, reason: None }
        }
        None => Pinning::off(format!(
            "only 1 usable CPU ({}): the server and the load generator share it",
            list(&usable)
        )),
    }
}

/// [`resolve`] on this machine: its usable CPUs (affinity mask) grouped by physical core.
pub fn resolve_here(request: &PinRequest) -> Pinning {
    let groups = crate::host::core_groups(&crate::host::affinity_cpus());
    resolve(request, &groups, cfg!(target_os = "linux"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(n: usize) -> Vec<Vec<usize>> {
        (0..n).map(|c| vec![c]).collect()
    }

    fn default(groups: &[Vec<usize>]) -> Pinning {
        resolve(&PinRequest { starts_server: true, ..PinRequest::default() }, groups, true)
    }

    #[test]
    fn the_split_gives_the_generator_half_and_the_server_the_rest() {
        let got: Vec<Option<(Vec<usize>, Vec<usize>)>> =
            [1, 2, 3, 4, 8, 16].iter().map(|&n| split(&flat(n))).collect();
        assert_eq!(got[0], None);
        assert_eq!(got[1], Some((vec![0], vec![1])));
        assert_eq!(got[2], Some((vec![0, 1], vec![2])));
        assert_eq!(got[3], Some((vec![0, 1], vec![2, 3])));
        assert_eq!(got[4], Some(((0..4).collect(), (4..8).collect())));
        assert_eq!(got[5], Some(((0..8).collect(), (8..16).collect())));
    }

    #[test]
    fn hyperthread_siblings_stay_on_one_side() {
        // 4 cores × 2 threads (cpu i and i + 4 are siblings): two whole cores each.
        let smt8 = vec![vec![0, 4], vec![1, 5], vec![2, 6], vec![3, 7]];
        assert_eq!(split(&smt8), Some((vec![0, 1, 4, 5], vec![2, 3, 6, 7])));
        // 2 cores × 2 threads: one core each.
        assert_eq!(split(&[vec![0, 2], vec![1, 3]]), Some((vec![0, 2], vec![1, 3])));
        // 3 cores × 2 threads: the generator's 3 CPUs round down to 1 core, the server gets 2.
        let smt6 = vec![vec![0, 3], vec![1, 4], vec![2, 5]];
        assert_eq!(split(&smt6), Some((vec![0, 1, 3, 4], vec![2, 5])));
        // Uneven groups (a CPU of a core missing from the mask): still whole cores.
        assert_eq!(split(&[vec![0, 2], vec![1]]), Some((vec![0, 2], vec![1])));
        // One core, two threads: the threads are split.
        assert_eq!(split(&[vec![0, 1]]), Some((vec![0], vec![1])));
        // A usable set that is not 0..n (e.g. under taskset -c 2,5).
        assert_eq!(split(&[vec![2], vec![5]]), Some((vec![2], vec![5])));
    }

    #[test]
    fn default_pinning_is_disjoint_or_off_with_a_reason() {
        for n in [2, 4, 8, 16] {
            let p = default(&flat(n));
            assert_eq!(p.source, PinSource::Default, "{n}");
            let (s, l) = (p.server.clone().unwrap(), p.loadgen.clone().unwrap());
            assert!(s.iter().all(|c| !l.contains(c)), "{n}: {s:?} {l:?}");
            assert_eq!(s.len() + l.len(), n);
            assert_eq!(p.used_cpus(&[]), (0..n).collect::<Vec<_>>());
        }
        let one = default(&[vec![3]]);
        assert_eq!((one.source, one.server, one.loadgen), (PinSource::Off, None, None));
        assert!(one.reason.unwrap().contains("only 1 usable CPU (3)"));
        let other_os = resolve(&PinRequest { starts_server: true, ..PinRequest::default() }, &flat(4), false);
        assert_eq!(other_os.source, PinSource::Off);
        assert!(other_os.reason.unwrap().contains("needs Linux"));
    }

    #[test]
    fn no_pin_and_url_turn_it_off() {
        let no_pin = resolve(
            &PinRequest { no_pin: true, starts_server: true, ..PinRequest::default() },
            &flat(4),
            true,
        );
        assert_eq!(no_pin, Pinning::off("--no-pin"));
        assert_eq!(no_pin.used_cpus(&[0, 1, 2, 3]), vec![0, 1, 2, 3]);
        let url = resolve(&PinRequest::default(), &flat(4), true);
        assert_eq!((url.source, &url.server, &url.loadgen), (PinSource::Off, &None, &None));
        assert!(url.reason.unwrap().starts_with("--url"));
    }

    #[test]
    fn flags_override_and_one_flag_gets_the_other_cpus() {
        let req = |server: Option<Vec<usize>>, loadgen: Option<Vec<usize>>, starts_server| PinRequest {
            server,
            loadgen,
            no_pin: false,
            starts_server,
        };
        let both = resolve(&req(Some(vec![1]), Some(vec![0]), true), &flat(2), true);
        assert_eq!(
            (both.server, both.loadgen, both.source, both.reason),
            (Some(vec![1]), Some(vec![0]), PinSource::Flags, None)
        );
        let server_only = resolve(&req(Some(vec![0, 1]), None, true), &flat(4), true);
        assert_eq!((server_only.server, server_only.loadgen), (Some(vec![0, 1]), Some(vec![2, 3])));
        assert!(server_only.reason.unwrap().contains("other CPUs (2,3)"));
        let loadgen_only = resolve(&req(None, Some(vec![3]), true), &flat(4), true);
        assert_eq!(loadgen_only.source, PinSource::Flags);
        assert_eq!((loadgen_only.server, loadgen_only.loadgen), (Some(vec![0, 1, 2]), Some(vec![3])));
        let everything = resolve(&req(Some(vec![0, 1]), None, true), &flat(2), true);
        assert_eq!((everything.server, everything.loadgen), (Some(vec![0, 1]), None));
        assert!(everything.reason.unwrap().contains("not pinned"));
        // Flags win over --url's default too (the generator alone), and over a single CPU.
        let url = resolve(&req(None, Some(vec![0]), false), &flat(1), true);
        assert_eq!((url.server, url.loadgen, url.source), (None, Some(vec![0]), PinSource::Flags));
        let other_os = resolve(&req(Some(vec![0]), None, true), &flat(2), false);
        assert_eq!(other_os.source, PinSource::Off);
    }
}

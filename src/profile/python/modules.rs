//! What the server's files say: the app's own Python files (under its working directory) and,
//! for each native extension module in a recording, whether its `.so` imports a
//! condition-variable wait (read from the ELF dynamic symbol table). Reads `/proc` and files.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::gil::{is_condvar_wait, is_extension_frame};
use super::stacks::{split_frame, Recording};

/// The app's Python files, relative to its folder (the server's working directory), as
/// py-spy names them.
pub fn app_files(pid: i32) -> HashSet<String> {
    fn walk(root: &Path, dir: &Path, depth: usize, out: &mut HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if path.is_dir() {
                let skip = name.starts_with('.')
                    || ["__pycache__", "node_modules", "venv", "site-packages"].contains(&name.as_str());
                if depth < 3 && !skip {
                    walk(root, &path, depth + 1, out);
                }
            } else if name.ends_with(".py") {
                if let Ok(rel) = path.strip_prefix(root) {
                    out.insert(rel.display().to_string());
                }
            }
        }
    }
    let mut out = HashSet::new();
    if let Ok(cwd) = std::fs::read_link(format!("/proc/{pid}/cwd")) {
        walk(&cwd, &cwd, 0, &mut out);
    }
    out
}

/// The extension modules of a recording, sorted by what their `.so` imports.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Extensions {
    /// Imports no `pthread_cond_*` wait: a condvar wait under it went through CPython.
    pub condvar_free: HashSet<String>,
    /// Imports one: it may wait on condvars of its own.
    pub own_condvars: BTreeSet<String>,
    /// Not found among the processes' mapped files, or not readable as ELF.
    pub unknown: BTreeSet<String>,
}

/// Read the `.so` of every extension module named in `native` (py-spy's short names such as
/// `spikard/_spikard.abi3.so`, matched against the files mapped by `pids`).
pub fn extensions(native: &Recording, pids: &[i32]) -> Extensions {
    let mapped: BTreeSet<PathBuf> = pids.iter().flat_map(|p| mapped_files(*p)).collect();
    let names: BTreeSet<&str> = native
        .stacks
        .iter()
        .flat_map(|(s, _)| s.iter())
        .filter(|f| is_extension_frame(f))
        .map(|f| split_frame(f).1)
        .filter(|loc| loc.ends_with(".so") || loc.contains(".so."))
        .collect();
    let mut out = Extensions::default();
    for name in names {
        let path = mapped.iter().find(|p| p.ends_with(name));
        match path.and_then(|p| std::fs::read(p).ok()).and_then(|b| imports_condvar_wait(&b)) {
            Some(false) => out.condvar_free.insert(name.to_string()),
            Some(true) => out.own_condvars.insert(name.to_string()),
            None => out.unknown.insert(name.to_string()),
        };
    }
    out
}

/// Files mapped into a process (`/proc/<pid>/maps`).
fn mapped_files(pid: i32) -> Vec<PathBuf> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|p| p.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}

/// Whether an ELF64 little-endian file imports (has an undefined dynamic symbol for) a
/// condition-variable wait; `None` when the bytes are not such a file.
pub fn imports_condvar_wait(elf: &[u8]) -> Option<bool> {
    Some(undefined_dynamic_symbols(elf)?.iter().any(|s| is_condvar_wait(s)))
}

fn undefined_dynamic_symbols(elf: &[u8]) -> Option<Vec<&str>> {
    let u16_at = |o: usize| Some(u16::from_le_bytes(elf.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(elf.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(elf.get(o..o + 8)?.try_into().ok()?) as usize);
    // ELF magic, 64-bit, little-endian.
    if elf.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let (shoff, shentsize, shnum) = (u64_at(0x28)?, u16_at(0x3a)? as usize, u16_at(0x3c)? as usize);
    let section = |i: usize| {
        let h = shoff + i * shentsize;
        // (type, offset, size, link, entry size)
        Some((u32_at(h + 4)?, u64_at(h + 0x18)?, u64_at(h + 0x20)?, u32_at(h + 0x28)?, u64_at(h + 0x38)?))
    };
    const SHT_DYNSYM: u32 = 11;
    let (_, off, size, link, entsize) =
        (0..shnum).filter_map(section).find(|s| s.0 == SHT_DYNSYM && s.4 >= 24)?;
    let (_, str_off, str_size, _, _) = section(link as usize)?;
    let strings = elf.get(str_off..str_off + str_size)?;
    let mut out = Vec::new();
    for sym in (0..size / entsize).map(|i| off + i * entsize) {
        let (name, shndx) = (u32_at(sym)? as usize, u16_at(sym + 6)?);
        if shndx != 0 || name == 0 {
            continue;
        }
        let rest = strings.get(name..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        out.push(std::str::from_utf8(&rest[..end]).ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dynamic_imports_of_an_elf_file_are_read() {
        // This test binary: Rust's std parks on futexes through libc's `syscall`, and never
        // calls pthread_cond_*.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let imports = undefined_dynamic_symbols(&me).unwrap();
        assert!(imports.contains(&"syscall"), "{imports:?}");
        assert_eq!(imports_condvar_wait(&me), Some(false));
        assert_eq!(imports_condvar_wait(b"#!/bin/sh\n"), None);
        assert_eq!(imports_condvar_wait(&me[..64]), None);
    }

    #[test]
    fn extensions_not_mapped_are_unknown() {
        let r = Recording::parse("thread (3);0x7f0b (_gone.abi3.so);pthread_cond_timedwait (libc.so.6) 5\n");
        let e = extensions(&r, &[std::process::id() as i32]);
        assert_eq!(e.unknown, BTreeSet::from(["_gone.abi3.so".to_string()]));
        assert!(e.condvar_free.is_empty() && e.own_condvars.is_empty());
    }
}

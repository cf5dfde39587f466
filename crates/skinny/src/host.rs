//! Facts about the host machine, for the result file and for sizing cold-cache rotations.

use std::collections::BTreeMap;
use std::fs;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub cpu_model: String,
    pub logical_cores: usize,
    /// Size of the largest CPU cache level, bytes; `None` when the system does not say.
    pub last_level_cache_bytes: Option<u64>,
}

impl HostInfo {
    pub fn detect() -> HostInfo {
        HostInfo {
            hostname: read_trimmed("/proc/sys/kernel/hostname")
                .or_else(|| read_trimmed("/etc/hostname"))
                .unwrap_or_else(|| "unknown".into()),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
            logical_cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            last_level_cache_bytes: last_level_cache_bytes(),
        }
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn cpu_model() -> Option<String> {
    let info = fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// The largest cache of cpu0 from sysfs (`index*/size`, e.g. "32768K").
fn last_level_cache_bytes() -> Option<u64> {
    let mut by_level: BTreeMap<u32, u64> = BTreeMap::new();
    for entry in fs::read_dir("/sys/devices/system/cpu/cpu0/cache")
        .ok()?
        .flatten()
    {
        let dir = entry.path();
        let level = fs::read_to_string(dir.join("level"))
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        let size = fs::read_to_string(dir.join("size"))
            .ok()
            .and_then(|s| parse_cache_size(s.trim()));
        if let (Some(level), Some(size)) = (level, size) {
            let slot = by_level.entry(level).or_default();
            *slot = (*slot).max(size);
        }
    }
    by_level.into_values().next_back()
}

fn parse_cache_size(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let value: u64 = digits.parse().ok()?;
    match unit {
        "K" => Some(value << 10),
        "M" => Some(value << 20),
        "G" => Some(value << 30),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sizes_parse() {
        assert_eq!(parse_cache_size("32768K"), Some(32 << 20));
        assert_eq!(parse_cache_size("2M"), Some(2 << 20));
        assert_eq!(parse_cache_size("12"), None);
        assert_eq!(parse_cache_size("5Q"), None);
    }

    #[test]
    fn detection_gives_at_least_one_core() {
        assert!(HostInfo::detect().logical_cores >= 1);
    }
}

//! Chain records: what the launches of a counted chain count and wait on.
//!
//! A counted plan's kernel (common.cuh, `chain_begin` / `chain_arrive`) takes a pointer to its
//! launch's record: four u64s, `[arrivals, blocks of the launch before (0: wait for its grid),
//! wait guard in ns, unused]`, with the record of the launch before right in front of it. One
//! buffer holds a leading record (no launch before the first) and one record a launch, in
//! launch order. Arrival counts start at zero and only grow, so the buffer serves every replay
//! of the graph its launches were captured into, and no other sequence of launches.

use std::sync::Arc;

use cudarc::driver::{CudaSlice, CudaStream};

use super::device_ptr;

/// u64s in one record (common.cuh reads the record before at `chain - 4`).
const RECORD_WORDS: usize = 4;

/// One launch of the chain as its record sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountedLaunch {
    /// The launch's kernel counts its blocks' arrivals (and so takes a record).
    pub counts: bool,
    /// Blocks in its grid.
    pub blocks: u64,
}

pub struct ChainRecords {
    _buffer: CudaSlice<u64>,
    /// Its device address, taken once (taking it inside a graph capture would record events).
    base: u64,
    /// Which launches take their record (the others are launched without one).
    counts: Vec<bool>,
}

/// The records' words for `launches`, leading record first: each launch's record names the
/// block count of the launch before when that one counts, 0 (wait for its grid) otherwise.
fn record_words(launches: &[CountedLaunch], guard_ns: u64) -> Vec<u64> {
    let mut words = vec![0u64; RECORD_WORDS * (launches.len() + 1)];
    for (i, launch) in launches.iter().enumerate() {
        let record = &mut words[RECORD_WORDS * (i + 1)..RECORD_WORDS * (i + 2)];
        record[1] = match i.checked_sub(1).map(|b| launches[b]) {
            Some(before) if before.counts => before.blocks,
            _ => 0,
        };
        record[2] = guard_ns;
        // A count from a launch that counts nothing would never arrive; a grid of no blocks
        // never launches. Neither reaches the device.
        debug_assert!(!launch.counts || launch.blocks > 0);
    }
    words
}

impl ChainRecords {
    /// Records for `launches`, issued in this order on `stream` (copied there, so in stream
    /// order before any launch that reads them).
    pub fn new(
        stream: &Arc<CudaStream>,
        launches: &[CountedLaunch],
        guard_ns: u64,
    ) -> Result<ChainRecords, String> {
        if let Some(i) = launches.iter().position(|l| l.counts && l.blocks == 0) {
            return Err(format!("launch {i} counts arrivals but has no blocks"));
        }
        let words = record_words(launches, guard_ns);
        let buffer = stream
            .clone_htod(&words)
            .map_err(|e| format!("copying the chain records: {e}"))?;
        Ok(ChainRecords {
            base: device_ptr(stream, &buffer),
            _buffer: buffer,
            counts: launches.iter().map(|l| l.counts).collect(),
        })
    }

    /// The device address of launch `i`'s record, or 0 for a launch that takes none.
    pub fn record(&self, i: usize) -> u64 {
        if !self.counts.get(i).copied().unwrap_or(false) {
            return 0;
        }
        self.base + ((i + 1) * RECORD_WORDS * 8) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(counts: bool, blocks: u64) -> CountedLaunch {
        CountedLaunch { counts, blocks }
    }

    #[test]
    fn each_record_names_the_block_count_of_a_counting_launch_before_it() {
        let launches = [
            launch(true, 288),
            launch(true, 224),
            launch(false, 1216),
            launch(true, 224),
        ];
        let words = record_words(&launches, 7);
        assert_eq!(words.len(), 4 * 5);
        // The leading record: nothing before the first launch, no count, no guard.
        assert_eq!(&words[0..4], &[0, 0, 0, 0]);
        // The first launch waits for whatever came before it by its grid.
        assert_eq!(&words[4..8], &[0, 0, 7, 0]);
        assert_eq!(&words[8..12], &[0, 288, 7, 0]);
        assert_eq!(&words[12..16], &[0, 224, 7, 0]);
        // After a launch that does not count, the grid wait again.
        assert_eq!(&words[16..20], &[0, 0, 7, 0]);
    }
}

//! Progress on stderr while the probe runs: a spinner for the ceilings, then a bar over the
//! runs. indicatif draws nothing when stderr is not a terminal, so logs and tests stay clean.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use skinny::probe::{ProbeObserver, RunRecord};
use skinny::registry::Variant;
use skinny::shapes::Shape;

pub struct ProgressDisplay {
    bar: ProgressBar,
}

impl ProgressDisplay {
    pub fn new() -> ProgressDisplay {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        ProgressDisplay { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl ProbeObserver for ProgressDisplay {
    fn ceilings_started(&mut self) {
        self.bar.set_message("measuring the device's ceilings");
    }

    fn runs_planned(&mut self, runs: usize) {
        self.bar.set_length(runs as u64);
        self.bar.set_position(0);
        self.bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed} {wide_msg}")
                .expect("the template is valid"),
        );
    }

    fn run_started(&mut self, shape: &Shape, variant: &Variant) {
        self.bar
            .set_message(format!("{} on {}", variant.id, shape.label()));
    }

    fn run_finished(&mut self, _record: &RunRecord) {
        self.bar.inc(1);
    }
}

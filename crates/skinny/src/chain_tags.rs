//! Which products of a tagged chain (`skinny decode`'s skinny-graph-tagged mode) write their
//! outputs as exchange words and which read their x from them.
//!
//! A tagged build (gemv.cu, `SKINNY_TAGGED`) that reads x from the exchange words of the product
//! before does not wait for that product's grid: it re-reads the words until they carry the
//! run's tag. The tag comes from an epoch word that the chain's first tagged product advances
//! after its own grid wait, before it lets the next kernel launch. That product cannot write
//! exchange words itself (its other blocks may read the epoch before or after its block 0
//! advances it), so the product after it reads its plain output behind a grid wait, as under
//! PDL, and is the first to write words. Products that are not tagged builds (cuBLAS, the
//! tensor-core families) read plain outputs behind their own waits and break the run of words.
//!
//! Pure data: the CUDA backend lays out the words and launches (backend/cuda/decode.rs).

use crate::decode::{Chain, Input};

/// How one product of a tagged chain is launched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TagLink {
    /// Reads x from the exchange words of this earlier step (its input) instead of waiting for
    /// the grid before it.
    pub reads: Option<usize>,
    /// Writes its outputs as exchange words too (a later tagged product reads them).
    pub writes: bool,
    /// The chain's first tagged product: advances the epoch, launched in plain stream order.
    pub bump: bool,
}

/// Each step's link, given which steps' plans are tagged builds (`takes_tags[i]` for step i).
/// No tagged build at all gives no links: the chain runs as a PDL chain.
pub fn tag_links(chain: &Chain, takes_tags: &[bool]) -> Result<Vec<TagLink>, String> {
    if takes_tags.len() != chain.steps.len() {
        return Err(format!(
            "{} tagged flags for a chain of {} steps",
            takes_tags.len(),
            chain.steps.len()
        ));
    }
    let mut links = vec![TagLink::default(); chain.steps.len()];
    let Some(first) = takes_tags.iter().position(|&t| t) else {
        return Ok(links);
    };
    links[first].bump = true;
    for (j, step) in chain.steps.iter().enumerate() {
        if let Input::Output { step: i } = step.input {
            if i > first && takes_tags[i] && takes_tags[j] {
                links[i].writes = true;
                links[j].reads = Some(i);
            }
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::embedded_set;

    fn qwen() -> Chain {
        Chain::from_set(&embedded_set("qwen2.5-0.5b").unwrap(), 1).unwrap()
    }

    #[test]
    fn every_product_after_the_second_reads_words_when_all_are_tagged_builds() {
        let chain = qwen();
        let links = tag_links(&chain, &vec![true; chain.steps.len()]).unwrap();
        // The first advances the epoch and writes no words; the second reads its plain output
        // behind a grid wait and is the first to write words.
        assert_eq!(
            links[0],
            TagLink {
                reads: None,
                writes: false,
                bump: true
            }
        );
        assert_eq!(
            links[1],
            TagLink {
                reads: None,
                writes: true,
                bump: false
            }
        );
        let last = chain.steps.len() - 1;
        for (j, link) in links.iter().enumerate().skip(2) {
            assert_eq!(link.reads, Some(j - 1), "step {j}");
            assert!(!link.bump, "step {j}");
            // lm_head's outputs feed nothing.
            assert_eq!(link.writes, j != last, "step {j}");
        }
    }

    #[test]
    fn a_product_that_is_not_a_tagged_build_breaks_the_run_of_words() {
        let chain = qwen();
        let mut takes = vec![true; chain.steps.len()];
        // Step 0 is cuBLAS, and so is step 5.
        takes[0] = false;
        takes[5] = false;
        let links = tag_links(&chain, &takes).unwrap();
        assert!(links[1].bump && !links[1].writes && links[1].reads.is_none());
        assert_eq!(links[2].reads, None);
        assert!(links[2].writes);
        assert_eq!(links[3].reads, Some(2));
        // Step 4 feeds a product that reads plain outputs: it writes no words.
        assert_eq!(links[4].reads, Some(3));
        assert!(!links[4].writes);
        assert_eq!(links[5], TagLink::default());
        // Step 6 reads step 5's plain output behind a grid wait, and writes words again.
        assert_eq!(links[6].reads, None);
        assert!(links[6].writes);
        assert_eq!(links[7].reads, Some(6));
        assert_eq!(links.iter().filter(|l| l.bump).count(), 1);
    }

    #[test]
    fn no_tagged_build_gives_no_links_and_a_wrong_length_is_an_error() {
        let chain = qwen();
        let links = tag_links(&chain, &vec![false; chain.steps.len()]).unwrap();
        assert!(links.iter().all(|l| *l == TagLink::default()));
        let err = tag_links(&chain, &[true, false]).unwrap_err();
        assert!(err.contains("2 tagged flags"), "{err}");
        assert!(err.contains("97 steps"), "{err}");
    }
}

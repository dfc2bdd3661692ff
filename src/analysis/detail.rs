//! A closer look at one plan: its report, its most frequent compositions,
//! and a typical pack to draw.

use serde::{Deserialize, Serialize};

use super::analyser::{Analyser, AnalysisError};
use super::whole_plan::PlanRequest;
use crate::plan::PackGroup;
use crate::report::Report;

/// The plan to look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailRequest {
    /// The plan.
    #[serde(flatten)]
    pub plan: PlanRequest,
    /// How many of the plan's most frequent compositions to list.
    #[serde(default = "default_top_groups")]
    pub top_groups: usize,
}

impl DetailRequest {
    /// How many of a plan's most frequent compositions are listed by default.
    pub const DEFAULT_TOP_GROUPS: usize = 20;
}

fn default_top_groups() -> usize {
    DetailRequest::DEFAULT_TOP_GROUPS
}

/// A closer look at one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDetail {
    /// The plan's report.
    pub report: Report,
    /// Its most frequent compositions.
    pub top_groups: Vec<PackGroup>,
    /// How many distinct compositions the plan has.
    pub distinct_compositions: usize,
    /// A pack to draw, typical of the plan: of median fill (half of all
    /// packs hold at most as many tokens, half at least), the most
    /// frequent composition of that fill.
    pub example: Vec<u32>,
}

impl Analyser {
    /// The closer look at `request`'s plan.
    ///
    /// # Errors
    /// The histogram cannot be built, or the algorithm fails.
    #[inline(never)] // See "Inlining" in the docs of `crate::analysis`.
    pub fn plan_detail(&mut self, request: &DetailRequest) -> Result<PlanDetail, AnalysisError> {
        let asked = &request.plan;
        let (histogram, plan, runtime_ms) =
            self.plan(asked.rows, asked.algorithm, asked.pack_options())?;
        // Groups come most frequent first (PackingPlan::from_groups).
        Ok(PlanDetail {
            report: Report::new(asked.algorithm, histogram, plan, runtime_ms),
            distinct_compositions: plan.groups.len(),
            top_groups: plan
                .groups
                .iter()
                .take(request.top_groups)
                .cloned()
                .collect(),
            example: representative_pack(&plan.groups),
        })
    }
}

/// A pack of median fill, the most frequent composition of that fill: what
/// a typical pack of the plan looks like. (The most frequent composition
/// alone can be far from typical: a plan whose packs are nearly all full
/// may still repeat one short leftover pack more often than any full one.)
fn representative_pack(groups: &[PackGroup]) -> Vec<u32> {
    let total: u64 = groups.iter().map(|group| group.count).sum();
    let median_rank = total.div_ceil(2);
    let packs_at_most = |fill: u64| -> u64 {
        groups
            .iter()
            .filter(|group| group.tokens() <= fill)
            .map(|group| group.count)
            .sum()
    };
    // The least fill that half of the packs do not exceed, by bisection:
    // a sort of the groups would cost more code in the page's module than
    // the few passes over them cost time.
    let (mut low, mut high) = (0, groups.iter().map(PackGroup::tokens).max().unwrap_or(0));
    while low < high {
        let middle = low + (high - low) / 2;
        if packs_at_most(middle) >= median_rank {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    // Groups come most frequent first (PackingPlan::from_groups).
    groups
        .iter()
        .find(|group| group.tokens() == low)
        .map(|group| group.lengths.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_pack_is_of_median_fill() {
        let group = |lengths: &[u32], count| PackGroup {
            lengths: lengths.to_vec(),
            count,
        };
        // The most frequent composition is a short leftover; most packs are full.
        let groups = vec![
            group(&[3], 5),
            group(&[6, 4], 4),
            group(&[5, 5], 3),
            group(&[7, 3], 2),
            group(&[2], 1),
        ];
        assert_eq!(representative_pack(&groups), vec![6, 4]);
        // Fills 3, 3, 3, 3, 3, 10, 10: the median pack holds 3 tokens.
        let groups = vec![group(&[3], 5), group(&[6, 4], 2)];
        assert_eq!(representative_pack(&groups), vec![3]);
        assert_eq!(representative_pack(&[]), Vec::<u32>::new());
    }
}

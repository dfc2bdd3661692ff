//! The packing algorithms, and the one entry point that runs and checks them.

mod greedy;
mod nnlshp;

pub use nnlshp::SolutionCache;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cutting_stock::{pack_optimal, CuttingStockError, PlanSource};
use crate::histogram::Histogram;
use crate::nnls::NnlsError;
use crate::plan::{validate, Bucketing, Optimality, PackGroup, PackingPlan, PlanError, PlanOrigin};

/// A packing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Algorithm {
    /// No packing: one sequence per row, padded to `max_len`.
    None,
    /// Shortest-pack-first histogram packing (the paper's fast packer).
    Spfhp,
    /// Longest-pack-first histogram packing (the same authors' refinement).
    Lpfhp,
    /// Non-negative least-squares histogram packing (the paper's most
    /// efficient packer at few sequences per pack).
    Nnlshp,
    /// Best-fit decreasing, the usual packer of training libraries.
    Bfd,
    /// The cutting-stock LP's solution, rounded down and completed: within
    /// a few packs of the LP bound (see [`crate::cutting_stock`]). When
    /// that plan misses the bound, the other packers' plans at the same
    /// settings are made too and the one with fewest packs is kept; the
    /// plan's [`Optimality`] says which, and whether it is proven optimal.
    Optimal,
}

impl Algorithm {
    /// Every algorithm, in the order Packlab lists them.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::None,
        Algorithm::Spfhp,
        Algorithm::Lpfhp,
        Algorithm::Nnlshp,
        Algorithm::Bfd,
        Algorithm::Optimal,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::None => "none",
            Algorithm::Spfhp => "spfhp",
            Algorithm::Lpfhp => "lpfhp",
            Algorithm::Nnlshp => "nnlshp",
            Algorithm::Bfd => "bfd",
            Algorithm::Optimal => "optimal",
        }
    }

    /// The most sequences per pack used when the user sets none: 3 for
    /// NNLSHP, whose cost grows quickly with depth and which the paper
    /// found near-optimal at 3; no limit for the others.
    pub fn default_max_per_pack(self) -> Option<u32> {
        match self {
            Algorithm::Nnlshp => Some(3),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|algorithm| algorithm.name() == text)
            .ok_or_else(|| {
                format!(
                    "unknown algorithm `{text}`: use none, spfhp, lpfhp, nnlshp, bfd or optimal"
                )
            })
    }
}

/// Why packing failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PackError {
    /// `max_per_pack` is zero.
    #[error("max_per_pack must be at least 1 sequence per pack (or unlimited)")]
    ZeroMaxPerPack,
    /// The NNLSHP bucket width is zero.
    #[error("the NNLSHP bucket width must be at least 1 token (1 plans every length exactly)")]
    ZeroBucketTokens,
    /// The least-squares solve behind NNLSHP failed.
    #[error("NNLSHP's least-squares solve failed: {0}; SPFHP or LPFHP give a plan for this data")]
    LeastSquares(#[from] NnlsError),
    /// The cutting-stock LP behind the optimal packer failed.
    #[error("the optimal packer failed: {0}; LPFHP gives a plan for this data")]
    CuttingStock(#[from] CuttingStockError),
    /// An algorithm produced an unsound plan. This is a bug in Packlab; the
    /// plan is withheld rather than reported wrong.
    #[error(
        "{algorithm} produced an unsound plan ({problem}); this is a bug in Packlab, \
         please report it with the input; another algorithm will give a sound plan"
    )]
    UnsoundPlan {
        /// The algorithm at fault.
        algorithm: Algorithm,
        /// What `validate` found.
        problem: PlanError,
    },
}

/// The limit on sequences per pack a user sets once for every algorithm,
/// as the page's setting and the command line's `--max-per-pack` do.
///
/// Written as `"default"`, `"unlimited"` (or `null`) or a number in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MaxPerPack {
    /// Each algorithm's own default ([`Algorithm::default_max_per_pack`]):
    /// no limit, but 3 for NNLSHP.
    #[default]
    AlgorithmDefault,
    /// No limit for any algorithm.
    Unlimited,
    /// At most this many sequences per pack for every algorithm (at least 1).
    AtMost(u32),
}

impl MaxPerPack {
    /// The limit `algorithm` packs with; `None`: no limit.
    pub fn for_algorithm(self, algorithm: Algorithm) -> Option<u32> {
        match self {
            MaxPerPack::AlgorithmDefault => algorithm.default_max_per_pack(),
            MaxPerPack::Unlimited => None,
            MaxPerPack::AtMost(limit) => Some(limit),
        }
    }

    /// The loosest limit any algorithm packs with: a lower bound on packs
    /// at this limit holds for every algorithm's plan (a plan that keeps a
    /// tighter limit keeps this one too).
    pub fn loosest(self) -> Option<u32> {
        Algorithm::ALL
            .into_iter()
            .map(|algorithm| self.for_algorithm(algorithm))
            .max_by_key(|limit| limit.map_or(u64::MAX, u64::from))
            .flatten()
    }
}

impl fmt::Display for MaxPerPack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxPerPack::AlgorithmDefault => f.write_str("default"),
            MaxPerPack::Unlimited => f.write_str("unlimited"),
            MaxPerPack::AtMost(limit) => write!(f, "{limit}"),
        }
    }
}

impl FromStr for MaxPerPack {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("default") {
            return Ok(MaxPerPack::AlgorithmDefault);
        }
        if text.eq_ignore_ascii_case("unlimited") {
            return Ok(MaxPerPack::Unlimited);
        }
        match text.parse::<u32>() {
            Ok(0) => Err("must be at least 1 (or `unlimited`, or `default`)".to_string()),
            Ok(limit) => Ok(MaxPerPack::AtMost(limit)),
            Err(_) => Err(format!(
                "`{text}` is not a whole number from 1, nor `unlimited` or `default`"
            )),
        }
    }
}

impl Serialize for MaxPerPack {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MaxPerPack::AtMost(limit) => serializer.serialize_u32(*limit),
            other => serializer.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for MaxPerPack {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A number, a name, or `null` (no limit, as reports write it).
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Limit(u32),
            Name(String),
            Null(()),
        }
        match Written::deserialize(deserializer)? {
            Written::Limit(0) => Err(serde::de::Error::custom(
                "max_per_pack must be at least 1 (or \"unlimited\", or \"default\")",
            )),
            Written::Limit(limit) => Ok(MaxPerPack::AtMost(limit)),
            Written::Name(name) => name.parse().map_err(serde::de::Error::custom),
            Written::Null(()) => Ok(MaxPerPack::Unlimited),
        }
    }
}

/// Settings of a packing beyond the algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackOptions {
    /// Most sequences per pack; `None`: no limit.
    #[serde(default)]
    pub max_per_pack: Option<u32>,
    /// NNLSHP only: tokens per length bucket; `None`: chosen from max_len
    /// by [`automatic_bucket_tokens`](crate::plan::automatic_bucket_tokens)
    /// (exact up to max_len 512, then as narrow as keeps 512 buckets).
    #[serde(default)]
    pub bucket_tokens: Option<u32>,
}

/// Packs `histogram` with `algorithm`, at most `max_per_pack` sequences per
/// pack (`None`: no limit), and checks the plan with [`validate`].
///
/// # Errors
/// [`PackError::ZeroMaxPerPack`] for a limit of 0; NNLSHP can fail in its
/// least-squares solve; an unsound plan is returned as an error, never as
/// a plan.
pub fn pack(
    histogram: &Histogram,
    algorithm: Algorithm,
    max_per_pack: Option<u32>,
) -> Result<PackingPlan, PackError> {
    pack_with(
        histogram,
        algorithm,
        &PackOptions {
            max_per_pack,
            bucket_tokens: None,
        },
    )
}

/// [`pack`] with every setting.
///
/// # Errors
/// As [`pack`]; also [`PackError::ZeroBucketTokens`].
pub fn pack_with(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
) -> Result<PackingPlan, PackError> {
    pack_inner(histogram, algorithm, options, None)
}

/// [`pack_with`], reusing and keeping NNLSHP's least-squares solutions in
/// `cache`: for sweeps over max_per_pack and repeated requests on one
/// histogram. The plans are those [`pack_with`] gives.
///
/// # Errors
/// As [`pack_with`].
pub fn pack_cached(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
    cache: &mut SolutionCache,
) -> Result<PackingPlan, PackError> {
    pack_inner(histogram, algorithm, options, Some(cache))
}

fn pack_inner(
    histogram: &Histogram,
    algorithm: Algorithm,
    options: &PackOptions,
    cache: Option<&mut SolutionCache>,
) -> Result<PackingPlan, PackError> {
    let max_per_pack = options.max_per_pack;
    if max_per_pack == Some(0) {
        return Err(PackError::ZeroMaxPerPack);
    }
    if options.bucket_tokens == Some(0) {
        return Err(PackError::ZeroBucketTokens);
    }
    let max_len = histogram.max_len();
    // A pack never holds more than max_len sequences (each has a token), so
    // the algorithms treat larger limits as no limit; the plan keeps the
    // user's figure.
    let effective_limit = max_per_pack.filter(|&limit| limit < max_len);
    let mut bucketing = None;
    let mut optimality = None;
    let groups = match algorithm {
        Algorithm::None => histogram
            .longest_first()
            .map(|(length, count)| PackGroup {
                lengths: vec![length],
                count,
            })
            .collect(),
        Algorithm::Spfhp => greedy::pack(histogram, effective_limit, greedy::SPFHP),
        Algorithm::Lpfhp => greedy::pack(histogram, effective_limit, greedy::LPFHP),
        Algorithm::Bfd => greedy::pack(histogram, effective_limit, greedy::BEST_FIT_DECREASING),
        Algorithm::Nnlshp => {
            let outcome = nnlshp::pack(histogram, effective_limit, options.bucket_tokens, cache)?;
            bucketing = outcome.bucketing;
            outcome.groups
        }
        Algorithm::Optimal => {
            let (kept, known) = pack_best_found(histogram, options, effective_limit, cache)?;
            bucketing = kept.bucketing;
            optimality = Some(known);
            kept.groups
        }
    };
    // No packing holds one sequence per pack whatever the limit says.
    let plan_limit = if algorithm == Algorithm::None {
        Some(1)
    } else {
        max_per_pack
    };
    let mut plan = PackingPlan::from_groups(max_len, plan_limit, groups);
    plan.bucketing = bucketing;
    plan.optimality = optimality;
    validate(&plan, histogram).map_err(|problem| PackError::UnsoundPlan { algorithm, problem })?;
    Ok(plan)
}

/// A plan the optimal packer may keep, and the packer that made it.
struct Candidate {
    plan_from: PlanOrigin,
    groups: Vec<PackGroup>,
    bucketing: Option<Bucketing>,
}

impl Candidate {
    fn packs(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }
}

/// The packers the optimal packer asks when the LP's plan misses the
/// bound: the two greedy ones first (microseconds), then NNLSHP. LPFHP
/// is not among them: the LP's plan is already LPFHP's when that is no
/// worse.
const OTHER_PACKERS: [(PlanOrigin, Algorithm); 3] = [
    (PlanOrigin::Spfhp, Algorithm::Spfhp),
    (PlanOrigin::Bfd, Algorithm::Bfd),
    (PlanOrigin::Nnlshp, Algorithm::Nnlshp),
];

/// The optimal packer: the cutting-stock LP's plan (see [`pack_optimal`]),
/// unless it misses the LP bound and another packer's plan at the same
/// settings uses fewer packs. Where column generation stops before the
/// LP converges, its rounding can lose to NNLSHP by a few packs, and a
/// packer called optimal must never show more packs than another one.
/// NNLSHP reuses and keeps its solutions in `cache`, as when asked for
/// itself, so a page that showed NNLSHP's plan does not solve it again.
fn pack_best_found(
    histogram: &Histogram,
    options: &PackOptions,
    effective_limit: Option<u32>,
    mut cache: Option<&mut SolutionCache>,
) -> Result<(Candidate, Optimality), PackError> {
    let outcome = pack_optimal(histogram, effective_limit)?;
    let lower_bound_packs = outcome.bound.lower_bound_packs;
    let lp_bound_exact = outcome.bound.proven;
    let lp_plan = Candidate {
        plan_from: match outcome.source {
            PlanSource::LpRounding => PlanOrigin::LpRounding,
            PlanSource::Lpfhp => PlanOrigin::Lpfhp,
        },
        groups: outcome.groups,
        bucketing: outcome.bucketing,
    };
    // Lazy: each packer runs only if no plan before it met the bound.
    let others = OTHER_PACKERS.iter().filter_map(|&(plan_from, algorithm)| {
        // A packer that fails here fails the same way when asked for
        // itself, and says why there; the plans at hand are enough here.
        let plan = pack_inner(histogram, algorithm, options, cache.as_deref_mut()).ok()?;
        Some(Candidate {
            plan_from,
            groups: plan.groups,
            bucketing: plan.bucketing,
        })
    });
    let kept = keep_fewest_packs(lp_plan, lower_bound_packs, others);
    let optimality = Optimality {
        lower_bound_packs,
        proven_optimal: kept.packs() <= lower_bound_packs,
        lp_bound_exact,
        plan_from: kept.plan_from,
    };
    Ok((kept, optimality))
}

/// The candidate with fewest packs, the earlier one on a tie (so the LP's
/// own plan, given `first`, wins ties). Candidates are taken from `others`
/// only while the kept one misses `lower_bound_packs`: no plan uses fewer,
/// so none after a plan that meets it can win, and they need not be made.
fn keep_fewest_packs(
    first: Candidate,
    lower_bound_packs: u64,
    others: impl IntoIterator<Item = Candidate>,
) -> Candidate {
    let mut kept = first;
    let mut others = others.into_iter();
    while kept.packs() > lower_bound_packs {
        let Some(other) = others.next() else {
            break;
        };
        if other.packs() < kept.packs() {
            kept = other;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A candidate of `packs` one-sequence packs.
    fn candidate(plan_from: PlanOrigin, packs: u64) -> Candidate {
        Candidate {
            plan_from,
            groups: vec![PackGroup {
                lengths: vec![1],
                count: packs,
            }],
            bucketing: None,
        }
    }

    #[test]
    fn another_packers_plan_with_fewer_packs_is_kept() {
        let lp_plan = candidate(PlanOrigin::LpRounding, 12);
        let others = [
            candidate(PlanOrigin::Spfhp, 13),
            candidate(PlanOrigin::Bfd, 11),
            candidate(PlanOrigin::Nnlshp, 10),
        ];
        let kept = keep_fewest_packs(lp_plan, 9, others);
        assert_eq!(kept.plan_from, PlanOrigin::Nnlshp);
        assert_eq!(kept.packs(), 10);
    }

    #[test]
    fn ties_keep_the_earlier_plan() {
        let others = [
            candidate(PlanOrigin::Spfhp, 12),
            candidate(PlanOrigin::Nnlshp, 12),
        ];
        let kept = keep_fewest_packs(candidate(PlanOrigin::Lpfhp, 12), 10, others);
        assert_eq!(kept.plan_from, PlanOrigin::Lpfhp);
        let others = [
            candidate(PlanOrigin::Bfd, 11),
            candidate(PlanOrigin::Nnlshp, 11),
        ];
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 12), 10, others);
        assert_eq!(kept.plan_from, PlanOrigin::Bfd);
    }

    #[test]
    fn no_plan_is_made_after_one_meets_the_bound() {
        let made = Cell::new(0);
        let counted = |plan_from, packs| {
            made.set(made.get() + 1);
            candidate(plan_from, packs)
        };
        // The LP's plan meets the bound: no other packer runs.
        let others = [(PlanOrigin::Spfhp, 9)]
            .into_iter()
            .map(|(origin, packs)| counted(origin, packs));
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 10), 10, others);
        assert_eq!((kept.plan_from, made.get()), (PlanOrigin::LpRounding, 0));
        // BFD's plan meets it: NNLSHP does not run.
        let others = [
            (PlanOrigin::Spfhp, 12),
            (PlanOrigin::Bfd, 10),
            (PlanOrigin::Nnlshp, 10),
        ]
        .into_iter()
        .map(|(origin, packs)| counted(origin, packs));
        let kept = keep_fewest_packs(candidate(PlanOrigin::LpRounding, 11), 10, others);
        assert_eq!((kept.plan_from, made.get()), (PlanOrigin::Bfd, 2));
    }

    #[test]
    fn the_default_limit_is_each_algorithms_own() {
        let setting = MaxPerPack::AlgorithmDefault;
        assert_eq!(setting.for_algorithm(Algorithm::Nnlshp), Some(3));
        for algorithm in [
            Algorithm::Spfhp,
            Algorithm::Lpfhp,
            Algorithm::Bfd,
            Algorithm::Optimal,
        ] {
            assert_eq!(setting.for_algorithm(algorithm), None, "{algorithm}");
        }
        // A bound with no limit holds for NNLSHP's plan at 3 too.
        assert_eq!(setting.loosest(), None);
        assert_eq!(MaxPerPack::AtMost(2).loosest(), Some(2));
        assert_eq!(
            MaxPerPack::AtMost(2).for_algorithm(Algorithm::Nnlshp),
            Some(2)
        );
        assert_eq!(MaxPerPack::Unlimited.for_algorithm(Algorithm::Nnlshp), None);
    }

    #[test]
    fn limits_read_and_write_as_users_type_them() {
        for (text, setting) in [
            ("default", MaxPerPack::AlgorithmDefault),
            ("unlimited", MaxPerPack::Unlimited),
            ("7", MaxPerPack::AtMost(7)),
        ] {
            assert_eq!(text.parse::<MaxPerPack>(), Ok(setting));
            assert_eq!(setting.to_string(), text);
        }
        assert!("0".parse::<MaxPerPack>().is_err());
        assert!("three".parse::<MaxPerPack>().is_err());

        let read = |json: &str| serde_json::from_str::<MaxPerPack>(json);
        assert_eq!(read("3").unwrap(), MaxPerPack::AtMost(3));
        assert_eq!(read("null").unwrap(), MaxPerPack::Unlimited);
        assert_eq!(read("\"unlimited\"").unwrap(), MaxPerPack::Unlimited);
        assert_eq!(read("\"default\"").unwrap(), MaxPerPack::AlgorithmDefault);
        assert!(read("0").is_err());
        assert!(read("-1").is_err());
        assert!(read("\"deep\"").is_err());
        let written = serde_json::to_string(&[
            MaxPerPack::AtMost(4),
            MaxPerPack::Unlimited,
            MaxPerPack::AlgorithmDefault,
        ])
        .unwrap();
        assert_eq!(written, r#"[4,"unlimited","default"]"#);
    }
}

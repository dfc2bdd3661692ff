//! What a user chooses for a packing: the algorithm, the limit on
//! sequences per pack, and NNLSHP's bucket width.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
    /// plan's [`Optimality`](crate::plan::Optimality) says which, and
    /// whether it is proven optimal.
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

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

//! Synthetic example datasets, so that a new user sees Packlab at work
//! before uploading anything.
//!
//! They are **synthetic**: lengths drawn with a fixed seed from the simple
//! distributions documented on each [`Preset`], shaped like the kinds of
//! data ML engineers pack, not copied from any real dataset. The same preset
//! gives the same histogram on every machine.

use serde::Serialize;

use crate::histogram::LengthCounts;
use crate::random::SplitMix64;

/// A synthetic example dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// BERT pre-training-like, max_len 512: 500,000 sequences; 20% fill the
    /// row (documents cut at 512 tokens), the rest log-normal with median
    /// 180 tokens and σ = 0.55, cut to 1..=511.
    BertPretraining512,
    /// Question-answering fine-tuning-like, max_len 384: 88,641 sequences,
    /// log-normal with median 160 tokens and σ = 0.33, lengths below 36
    /// redrawn, lengths above 384 truncated to 384.
    QaFinetuning384,
    /// Chat fine-tuning, max_len 4096: 100,000 conversations, log-normal
    /// with median 650 tokens and σ = 0.9; about 2% run past 4096.
    ChatFinetuning4096,
    /// Long-context training, max_len 32768: 20,000 documents, log-normal
    /// with median 5,000 tokens and σ = 1.0.
    LongContext32768,
}

impl Preset {
    /// Every preset, the default first.
    pub const ALL: [Preset; 4] = [
        Preset::QaFinetuning384,
        Preset::BertPretraining512,
        Preset::ChatFinetuning4096,
        Preset::LongContext32768,
    ];

    /// The identifier used in URLs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preset::BertPretraining512 => "bert-pretraining-512",
            Preset::QaFinetuning384 => "qa-finetuning-384",
            Preset::ChatFinetuning4096 => "chat-finetuning-4096",
            Preset::LongContext32768 => "long-context-32768",
        }
    }

    /// A label that says what the preset is, and that it is synthetic.
    pub fn label(self) -> &'static str {
        match self {
            Preset::BertPretraining512 => "Synthetic: BERT pre-training-like, max_len 512",
            Preset::QaFinetuning384 => {
                "Synthetic: question-answering fine-tuning-like, max_len 384"
            }
            Preset::ChatFinetuning4096 => "Synthetic: chat fine-tuning, max_len 4096",
            Preset::LongContext32768 => "Synthetic: long-context, max_len 32768",
        }
    }

    /// How the lengths were drawn, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            Preset::BertPretraining512 => {
                "500,000 sequences, seed 1: 20% fill the row at 512 tokens, the rest \
                 log-normal with median 150 and sigma 0.55, cut to 1..511."
            }
            Preset::QaFinetuning384 => {
                "88,641 sequences, seed 2: log-normal with median 160 and sigma 0.33, \
                 lengths below 36 redrawn, lengths above 384 truncated."
            }
            Preset::ChatFinetuning4096 => {
                "100,000 conversations, seed 3: log-normal with median 650 and sigma 0.9."
            }
            Preset::LongContext32768 => {
                "20,000 documents, seed 4: log-normal with median 5,000 and sigma 1.0."
            }
        }
    }

    /// The row length the preset is meant for.
    pub fn max_len(self) -> u32 {
        match self {
            Preset::BertPretraining512 => 512,
            Preset::QaFinetuning384 => 384,
            Preset::ChatFinetuning4096 => 4096,
            Preset::LongContext32768 => 32768,
        }
    }

    /// Looks a preset up by [`Preset::name`].
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|preset| preset.name() == name)
    }

    /// Draws the preset's lengths; the result declares the preset's max_len.
    pub fn generate(self) -> LengthCounts {
        let mut counts = LengthCounts::new();
        counts.declare_max_len(self.max_len());
        let mut add = |length: u64| {
            // Cannot overflow: a preset holds at most 500,000 sequences.
            let _ = counts.add_one(length);
        };
        match self {
            Preset::BertPretraining512 => {
                let mut random = SplitMix64::new(1);
                for _ in 0..500_000 {
                    if random.next_f64() < 0.2 {
                        add(512);
                    } else {
                        let length = random.log_normal(150.0, 0.55).round().clamp(1.0, 511.0);
                        add(length as u64);
                    }
                }
            }
            Preset::QaFinetuning384 => {
                let mut random = SplitMix64::new(2);
                for _ in 0..88_641 {
                    let length = loop {
                        let draw = random.log_normal(160.0, 0.33).round();
                        if draw >= 36.0 {
                            break draw.min(384.0);
                        }
                    };
                    add(length as u64);
                }
            }
            Preset::ChatFinetuning4096 => {
                let mut random = SplitMix64::new(3);
                for _ in 0..100_000 {
                    add(random.log_normal(650.0, 0.9).round().max(1.0) as u64);
                }
            }
            Preset::LongContext32768 => {
                let mut random = SplitMix64::new(4);
                for _ in 0..20_000 {
                    add(random.log_normal(5000.0, 1.0).round().max(1.0) as u64);
                }
            }
        }
        counts
    }
}

impl SplitMix64 {
    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so its logarithm is finite.
        let radius = (-2.0 * (1.0 - self.next_f64()).ln()).sqrt();
        radius * (std::f64::consts::TAU * self.next_f64()).cos()
    }

    /// A log-normal draw with the given median and σ of its logarithm.
    fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_reproducible_and_declare_their_max_len() {
        for preset in Preset::ALL {
            let first = preset.generate();
            assert_eq!(first, preset.generate(), "{}", preset.name());
            assert_eq!(first.declared_max_len(), Some(preset.max_len()));
            assert_eq!(Preset::from_name(preset.name()), Some(preset));
            assert!(preset.label().starts_with("Synthetic"));
        }
    }

    #[test]
    fn presets_have_the_documented_shape() {
        let bert = Preset::BertPretraining512.generate().summary(512).unwrap();
        assert_eq!(bert.sequences, 500_000);
        assert_eq!(bert.max, 512);
        // Over half of the tokens of padded rows are padding, as in BERT's
        // Wikipedia pre-training data.
        assert!(1.0 - bert.tokens as f64 / (bert.sequences as f64 * 512.0) > 0.5);

        let qa = Preset::QaFinetuning384.generate().summary(384).unwrap();
        assert_eq!(qa.sequences, 88_641);
        assert!(qa.min >= 36 && qa.max == 384);
        assert!((150..=170).contains(&qa.median), "median {}", qa.median);

        let chat = Preset::ChatFinetuning4096.generate().summary(4096).unwrap();
        assert!((600..=700).contains(&chat.median), "median {}", chat.median);
        assert!(
            chat.overlong_sequences > 0,
            "some conversations run past 4096"
        );

        let long = Preset::LongContext32768.generate().summary(32768).unwrap();
        assert!(
            (4500..=5500).contains(&long.median),
            "median {}",
            long.median
        );
    }
}

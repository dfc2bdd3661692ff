//! Counting the tokens of a byte-level BPE tokenizer (GPT-2's family:
//! Llama 3, Qwen, Mistral's Tekken, DeepSeek, GPT-4o's) without building
//! its encodings.
//!
//! `tokenizers` encodes a text through a pipeline made for every use: each
//! piece of the text becomes a `NormalizedString` that tracks where each of
//! its bytes came from, the pre-tokenizer's look-ahead regex runs in a
//! backtracking engine, and the encoding keeps every token's string and
//! offsets. Counting needs none of that. For the tokenizers most models
//! use, a split by regex then the byte-to-character map then BPE, a
//! [`ByteLevelCounter`] does the same steps directly: the added tokens are
//! still extracted by `tokenizers` itself, each remaining piece is split by
//! the same regex run in `regex-automata` (the engine `fancy-regex` hands
//! these patterns to) with the one look-ahead these patterns use,
//! `\s+(?!\S)`, resolved by hand, its bytes are mapped, and the model's own
//! `tokenize` counts it, and each thread remembers the counts of the short
//! pieces it has seen (a word's count never changes: the BPE is
//! deterministic, so one with dropout gets no counter). It is several
//! times faster and gives the same
//! counts, which the tests check against `Tokenizer::encode` on texts made
//! to hit every rule. A tokenizer it cannot follow exactly (another
//! pre-tokenizer, a pattern with other look-arounds, one that can match
//! nothing) gets no counter, and is counted by the whole pipeline.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use ahash::AHashMap;
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::tokenizer::{Model, OffsetReferential, OffsetType, PostProcessor};
use tokenizers::{ModelWrapper, SplitDelimiterBehavior, Tokenizer};

/// GPT-2's pre-tokenizer pattern, which `ByteLevel` with `use_regex` runs.
const GPT2_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// The look-ahead alternative these patterns share: a run of white space
/// that is not followed by a non-space, so that the last space of a run
/// goes with the word after it.
const SPACES_NOT_BEFORE_TEXT: &str = r"\s+(?!\S)";

/// Pieces up to this many bytes are remembered with their count: words,
/// numbers and runs of spaces, which repeat; longer ones rarely do.
const REMEMBERED_PIECE_BYTES: usize = 48;

/// How many pieces each thread remembers (about 50 bytes each): enough for
/// the words of a language and the identifiers of a code base.
const REMEMBERED_PIECES: usize = 1 << 18;

/// Tells counters apart, for the pieces each thread remembers.
static NEXT_COUNTER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The counts of the pieces this thread has counted, for one counter
    /// at a time: kept per thread, so the threads counting one file never
    /// wait on each other.
    static REMEMBERED: RefCell<RememberedCounts> = RefCell::new(RememberedCounts::default());
}

#[derive(Default)]
struct RememberedCounts {
    /// The counter they are counts of (0: none yet).
    counter: u64,
    counts: AHashMap<Box<str>, u32>,
}

/// Counts tokens as a byte-level BPE [`Tokenizer`]'s `encode` does.
#[derive(Debug)]
pub(super) struct ByteLevelCounter {
    /// Its own number, for the counts each thread remembers.
    id: u64,
    /// The pre-tokenizer's splits, applied in order: each cuts every piece
    /// of the one before.
    splits: Vec<PieceSplit>,
    /// Each byte's character in the BPE vocabulary's alphabet.
    byte_chars: [char; 256],
}

/// One regex split, with matches and the text between them both kept as
/// pieces (`Isolated`).
#[derive(Debug)]
struct PieceSplit {
    /// The pattern, with `\s+(?!\S)|\s+` at its end read as `\s+`.
    whole: Regex,
    /// The look-ahead to apply by hand: the alternatives before it,
    /// anchored, which decide whether a match of white space came from
    /// them or from the look-ahead. `None` when the pattern has none.
    before_spaces: Option<SpacesRule>,
}

#[derive(Debug)]
struct SpacesRule {
    /// The alternatives before `\s+(?!\S)`; `None` when there are none.
    earlier: Option<Regex>,
}

impl ByteLevelCounter {
    /// The counter for `tokenizer`, if it is a byte-level BPE this counter
    /// follows exactly; `None` otherwise.
    pub(super) fn for_tokenizer(tokenizer: &Tokenizer) -> Option<Self> {
        // Dropout makes a word's tokens random: nothing to remember.
        match tokenizer.get_model() {
            ModelWrapper::BPE(model) if model.dropout.is_none_or(|dropout| dropout == 0.0) => {}
            _ => return None,
        }
        let splits = match tokenizer.get_pre_tokenizer()? {
            PreTokenizerWrapper::ByteLevel(byte_level) if byte_level_ok(byte_level, true) => {
                vec![PieceSplit::new(GPT2_PATTERN)?]
            }
            PreTokenizerWrapper::Sequence(sequence) => {
                let (last, splits) = sequence.as_ref().split_last()?;
                match last {
                    PreTokenizerWrapper::ByteLevel(byte_level)
                        if byte_level_ok(byte_level, false) => {}
                    _ => return None,
                }
                splits
                    .iter()
                    .map(|split| match split {
                        PreTokenizerWrapper::Split(split) => PieceSplit::from_split(split),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?
            }
            _ => return None,
        };
        Some(ByteLevelCounter {
            id: NEXT_COUNTER.fetch_add(1, Ordering::Relaxed),
            splits,
            byte_chars: byte_chars(),
        })
    }

    /// The number of tokens `tokenizer` (the one this counter was made
    /// for) encodes `text` into, with its post-processor's special tokens
    /// if `add_special_tokens`.
    pub(super) fn count(
        &self,
        tokenizer: &Tokenizer,
        text: &str,
        add_special_tokens: bool,
    ) -> tokenizers::Result<u64> {
        let ModelWrapper::BPE(model) = tokenizer.get_model() else {
            return Err("the byte-level counter was made for another tokenizer".into());
        };
        // The added tokens, as the pipeline extracts them (and the
        // normalizer, if any, applied to the rest).
        let pieces = tokenizer
            .get_added_vocabulary()
            .extract_and_normalize(tokenizer.get_normalizer(), text);
        let mut tokens = 0u64;
        REMEMBERED.with_borrow_mut(|remembered| {
            if remembered.counter != self.id {
                remembered.counts.clear();
                remembered.counter = self.id;
            }
            let mut piece_counter = PieceCounter {
                model,
                mapped: String::new(),
                remembered: &mut remembered.counts,
                tokens: 0,
            };
            for (piece, _, added) in
                pieces.get_splits(OffsetReferential::Original, OffsetType::None)
            {
                match added {
                    Some(added) => piece_counter.tokens += added.len() as u64,
                    None => self.count_piece(0, piece, &mut piece_counter)?,
                }
            }
            tokens = piece_counter.tokens;
            tokenizers::Result::Ok(())
        })?;
        if add_special_tokens {
            tokens += tokenizer
                .get_post_processor()
                .map_or(0, |processor| processor.added_tokens(false) as u64);
        }
        Ok(tokens)
    }

    /// Splits `piece` by split `level` and on, then counts each last
    /// piece's tokens into `counter`.
    fn count_piece(
        &self,
        level: usize,
        piece: &str,
        counter: &mut PieceCounter<'_, impl Model>,
    ) -> tokenizers::Result<()> {
        let Some(split) = self.splits.get(level) else {
            return counter.add(piece, &self.byte_chars);
        };
        let mut at = 0;
        while at < piece.len() {
            let Some(found) = split.whole.search(&Input::new(piece).range(at..)) else {
                break;
            };
            let (start, mut end) = (found.start(), found.end());
            if let Some(rule) = &split.before_spaces {
                end = rule.end_of_spaces(piece, start, end);
            }
            if start > at {
                self.count_piece(level + 1, &piece[at..start], counter)?;
            }
            self.count_piece(level + 1, &piece[start..end], counter)?;
            at = end;
        }
        if at < piece.len() {
            self.count_piece(level + 1, &piece[at..], counter)?;
        }
        Ok(())
    }
}

/// The tokens of one text's pieces, each piece mapped to the vocabulary's
/// alphabet and tokenized by the model, or its count remembered.
struct PieceCounter<'a, M> {
    model: &'a M,
    /// A buffer for the mapped piece.
    mapped: String,
    remembered: &'a mut AHashMap<Box<str>, u32>,
    tokens: u64,
}

impl<M: Model> PieceCounter<'_, M> {
    fn add(&mut self, piece: &str, byte_chars: &[char; 256]) -> tokenizers::Result<()> {
        if piece.is_empty() {
            return Ok(());
        }
        let remember = piece.len() <= REMEMBERED_PIECE_BYTES;
        if remember {
            if let Some(&count) = self.remembered.get(piece) {
                self.tokens += u64::from(count);
                return Ok(());
            }
        }
        self.mapped.clear();
        self.mapped
            .extend(piece.bytes().map(|byte| byte_chars[usize::from(byte)]));
        let count = self.model.tokenize(&self.mapped)?.len();
        self.tokens += count as u64;
        if remember && self.remembered.len() < REMEMBERED_PIECES {
            // At most 48 tokens: one per byte.
            self.remembered.insert(piece.into(), count as u32);
        }
        Ok(())
    }
}

impl SpacesRule {
    /// Where the match `start..end` of the pattern read without its
    /// look-ahead ends in the pattern with it. Only a match of the final
    /// `\s+` changes: a maximal run of white space (the regex stopped
    /// before a non-space, or at the end). With `\s+(?!\S)` first, such a
    /// run of two or more characters followed by text leaves its last
    /// character to the text; at the end of the piece, or alone, it is
    /// whole.
    fn end_of_spaces(&self, piece: &str, start: usize, end: usize) -> usize {
        if end == piece.len() {
            return end;
        }
        let run = &piece[start..end];
        let mut chars = run.char_indices();
        let (Some(_), Some((last_start, _))) = (chars.next(), chars.next_back()) else {
            return end; // one character (or none)
        };
        // A match of an earlier alternative stands as it is.
        if let Some(earlier) = &self.earlier {
            let anchored = Input::new(piece).range(start..).anchored(Anchored::Yes);
            if earlier.search(&anchored).is_some() {
                return end;
            }
        }
        start + last_start
    }
}

impl PieceSplit {
    fn from_split(split: &Split) -> Option<Self> {
        if split.invert || !matches!(split.behavior, SplitDelimiterBehavior::Isolated) {
            return None;
        }
        match &split.pattern {
            SplitPattern::Regex(pattern) => PieceSplit::new(pattern),
            SplitPattern::String(literal) => PieceSplit::new(&regex_syntax::escape(literal)),
        }
    }

    /// The split by `pattern`, if it can be followed exactly.
    fn new(pattern: &str) -> Option<Self> {
        let alternatives = top_level_alternatives(pattern)?;
        let (whole, before_spaces) = match alternatives
            .iter()
            .position(|&alternative| alternative == SPACES_NOT_BEFORE_TEXT)
        {
            None => (pattern.to_owned(), None),
            Some(at) => {
                // Only `\s+(?!\S)|\s+` at the end is followed.
                if alternatives[at + 1..] != [r"\s+"] {
                    return None;
                }
                let earlier = alternatives[..at].join("|");
                let whole = if earlier.is_empty() {
                    r"\s+".to_owned()
                } else {
                    format!(r"{earlier}|\s+")
                };
                let earlier = if earlier.is_empty() {
                    None
                } else {
                    Some(Regex::new(&earlier).ok()?)
                };
                (whole, Some(SpacesRule { earlier }))
            }
        };
        // A pattern that can match nothing would need the pipeline's own
        // handling of empty matches.
        let syntax = regex_syntax::Parser::new().parse(&whole).ok()?;
        if syntax
            .properties()
            .minimum_len()
            .is_none_or(|length| length == 0)
        {
            return None;
        }
        Some(PieceSplit {
            whole: Regex::new(&whole).ok()?,
            before_spaces,
        })
    }
}

/// Whether a `ByteLevel` pre-tokenizer is one this counter follows: no
/// space added in front, and its own GPT-2 split used or not as `use_regex`.
fn byte_level_ok(byte_level: &ByteLevel, use_regex: bool) -> bool {
    !byte_level.add_prefix_space && byte_level.use_regex == use_regex
}

/// The alternatives of `pattern` at its top level (outside groups and
/// character classes), as written; `None` for a pattern this scanner does
/// not understand (unbalanced brackets).
fn top_level_alternatives(pattern: &str) -> Option<Vec<&str>> {
    let mut alternatives = Vec::new();
    let mut depth = 0usize;
    let mut class_depth = 0usize;
    let mut start = 0;
    let mut chars = pattern.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => class_depth += 1,
            ']' if class_depth > 0 => class_depth -= 1,
            '(' if class_depth == 0 => depth += 1,
            ')' if class_depth == 0 => depth = depth.checked_sub(1)?,
            '|' if class_depth == 0 && depth == 0 => {
                alternatives.push(&pattern[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if depth != 0 || class_depth != 0 {
        return None;
    }
    alternatives.push(&pattern[start..]);
    Some(alternatives)
}

/// GPT-2's map from bytes to the characters of byte-level vocabularies:
/// the printable bytes `!`–`~`, `¡`–`¬` and `®`–`ÿ` stand for themselves,
/// and every other byte, in order, for the characters from U+0100 on.
fn byte_chars() -> [char; 256] {
    let mut chars = ['\0'; 256];
    let mut next_unprintable = 256u32;
    for byte in 0..=255u8 {
        let printable = matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        let code = if printable {
            u32::from(byte)
        } else {
            next_unprintable += 1;
            next_unprintable - 1
        };
        chars[usize::from(byte)] = char::from_u32(code).unwrap_or('\0');
    }
    chars
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::LazyLock;

    use tokenizers::models::bpe::{BpeTrainer, BPE};
    use tokenizers::models::TrainerWrapper;
    use tokenizers::pre_tokenizers::sequence::Sequence;
    use tokenizers::processors::template::TemplateProcessing;
    use tokenizers::AddedToken;

    use super::*;

    /// Llama 3's split pattern (its `tokenizer.json`, public).
    const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    const CORPUS: &[&str] = &[
        "The packing of sequences removes padding: 512 tokens, don't waste them.",
        "def pack(lengths):\n    return sorted(lengths)  # shortest first\n\n\tdone",
        "Über café naïve 東京 タワー 😀 3.14159 x²  ",
        "   indented\n\n   twice\r\n\r\nend   ",
    ];

    /// A BPE of 300 tokens trained on the corpus behind `pre_tokenizer`,
    /// with two special tokens, one added word and a `<|bos|>` template.
    fn trained(pre_tokenizer: PreTokenizerWrapper) -> Tokenizer {
        let mut trainer: TrainerWrapper = BpeTrainer::builder()
            .vocab_size(300)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        let mut tokenizer = Tokenizer::new(BPE::default());
        tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
        let corpus = CORPUS
            .iter()
            .cycle()
            .take(50)
            .map(|text| (*text).to_owned());
        tokenizer.train(&mut trainer, corpus).expect("trained");
        tokenizer.add_special_tokens(&[
            AddedToken::from("<|bos|>", true),
            AddedToken::from("<|end|>", true),
        ]);
        tokenizer.add_tokens(&[AddedToken::from("packing", false)]);
        let bos = tokenizer.token_to_id("<|bos|>").expect("bos");
        let template = TemplateProcessing::builder()
            .try_single("<|bos|> $A")
            .expect("template")
            .special_tokens(vec![("<|bos|>", bos)])
            .build()
            .expect("processor");
        tokenizer.with_post_processor(Some(template));
        tokenizer
    }

    /// A tokenizer and its counter, shared by every test (and thread), so
    /// that texts are also counted from pieces remembered from others.
    struct Counted {
        tokenizer: Tokenizer,
        counter: ByteLevelCounter,
    }

    fn counted(tokenizer: Tokenizer) -> Counted {
        let counter = ByteLevelCounter::for_tokenizer(&tokenizer).expect("a counter");
        Counted { tokenizer, counter }
    }

    static GPT2: LazyLock<Counted> =
        LazyLock::new(|| counted(trained(ByteLevel::new(false, true, true).into())));

    static LLAMA3: LazyLock<Counted> = LazyLock::new(|| {
        let split = Split::new(
            SplitPattern::Regex(LLAMA3_PATTERN.to_owned()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .expect("split");
        counted(trained(
            Sequence::new(vec![
                split.into(),
                ByteLevel::new(false, true, false).into(),
            ])
            .into(),
        ))
    });

    fn assert_counts_as_encode(counted: &Counted, text: &str) {
        let Counted { tokenizer, counter } = counted;
        for special in [true, false] {
            let expected = tokenizer.encode_fast(text, special).expect("encodes").len() as u64;
            let counted = counter.count(tokenizer, text, special).expect("counts");
            assert_eq!(counted, expected, "{text:?}, special tokens {special}");
        }
    }

    #[test]
    fn the_byte_map_is_the_byte_level_alphabet() {
        let chars: HashSet<char> = byte_chars().into_iter().collect();
        assert_eq!(chars.len(), 256);
        assert_eq!(
            chars,
            ByteLevel::alphabet().into_iter().collect::<HashSet<_>>()
        );
        assert_eq!(byte_chars()[usize::from(b' ')], 'Ġ');
        assert_eq!(byte_chars()[usize::from(b'\n')], 'Ċ');
    }

    #[test]
    fn alternatives_are_cut_at_the_top_level_only() {
        assert_eq!(
            top_level_alternatives(r"(?i:'s|'t)|[^|\]]+|\|x|\s+(?!\S)|\s+"),
            Some(vec![
                r"(?i:'s|'t)",
                r"[^|\]]+",
                r"\|x",
                r"\s+(?!\S)",
                r"\s+"
            ])
        );
        assert_eq!(top_level_alternatives(r"(a|b"), None);
    }

    #[test]
    fn only_tokenizers_it_follows_get_a_counter() {
        // A space put in front of each piece.
        let mut prefixed = GPT2.tokenizer.clone();
        prefixed.with_pre_tokenizer(Some(ByteLevel::new(true, true, true)));
        assert!(ByteLevelCounter::for_tokenizer(&prefixed).is_none());
        // Dropout: a word's tokens vary from one call to the next.
        let mut dropping = GPT2.tokenizer.clone();
        let ModelWrapper::BPE(mut model) = dropping.get_model().clone() else {
            panic!("a BPE");
        };
        model.dropout = Some(0.1);
        dropping.with_model(model);
        assert!(ByteLevelCounter::for_tokenizer(&dropping).is_none());
        // Another look-ahead; a pattern that can match nothing; the
        // look-ahead without its `|\s+`.
        for pattern in [r"\w+(?=\s)|\s+", r"a*", r"\s+(?!\S)"] {
            assert!(PieceSplit::new(pattern).is_none(), "{pattern}");
        }
    }

    #[test]
    fn the_corpus_and_its_edges_count_as_encode_does() {
        for tokenizer in [&*GPT2, &*LLAMA3] {
            // Each text twice: the second time from remembered pieces.
            for text in CORPUS.iter().copied().chain([
                "",
                " ",
                "  ",
                "a  b",
                "a \t\nb",
                "x   ",
                "<|bos|>hi<|end|>  <|end|>",
                "packing  packing\n\n",
                "\u{3000}\u{a0}word\u{2028}",
            ]) {
                assert_counts_as_encode(tokenizer, text);
                assert_counts_as_encode(tokenizer, text);
            }
        }
    }

    // proptest does not build for WebAssembly.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

        use super::*;

        fn text() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                " ", "  ", "\t", "\n", "\r\n", "\u{a0}", "\u{3000}", "a", "word", "Über", "東京",
                "😀", "'s", "'LL", "42", "1234567", "3.14", ".", "!?", "--", "<|bos|>", "<|end|>",
                "packing", "x²", "\u{301}", "é",
            ]);
            prop::collection::vec(pieces, 0..40).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #![proptest_config(Config {
                cases: 2000,
                rng_algorithm: RngAlgorithm::ChaCha,
                rng_seed: RngSeed::Fixed(0x7E_C0DE),
                failure_persistence: None,
                ..Config::default()
            })]

            #[test]
            fn any_text_counts_as_encode_does(text in text()) {
                assert_counts_as_encode(&GPT2, &text);
                assert_counts_as_encode(&LLAMA3, &text);
            }
        }
    }
}

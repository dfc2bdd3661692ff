//! What can go wrong while reading lengths, where, and how to fix it.

use std::fmt;

use thiserror::Error;

use crate::histogram::MAX_SUPPORTED_MAX_LEN;

/// A file Packlab could not read, with where the problem is and what it is.
///
/// Displays as `<file>:<location>: <problem>. <how to fix>`, the location
/// left out when it is unknown, e.g.
/// `lengths.txt:12: `12.5` is not a whole number. Lengths are whole token
/// counts; write 12 not 12.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The name of the file (or other source) as the caller gave it.
    pub source_name: String,
    /// Where in the file the problem is.
    pub location: Location,
    /// What the problem is.
    pub kind: InputErrorKind,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::Unknown => write!(f, "{}: {}", self.source_name, self.kind),
            _ => write!(f, "{}:{}: {}", self.source_name, self.location, self.kind),
        }
    }
}

// No `source()`: the kind's message is already part of the display, and
// error reporters that walk the chain would print it twice.
impl std::error::Error for InputError {}

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Nowhere in particular (an empty file, a read failure) or not known.
    Unknown,
    /// A line, counted from 1.
    Line(u64),
    /// A line and a column (in bytes), both counted from 1. In JSON, the
    /// position the parser had reached: at the end of the offending value
    /// or just after it.
    LineColumn {
        /// The line, counted from 1.
        line: u64,
        /// The column, counted from 1.
        column: u64,
    },
    /// A byte position, counted from 0 (binary formats).
    ByteOffset(u64),
    /// An element of an array, counted from 0 as in NumPy indexing: of a
    /// `.npy` array, or of a JSON array of objects.
    Element(u64),
    /// A named part of the file: a header key, a JSON key.
    Field(String),
    /// A row of a Parquet file, counted from 0 across the file, and the
    /// row group holding it, counted from 0.
    Row {
        /// The row group.
        group: u64,
        /// The row.
        row: u64,
    },
    /// A field (a CSV column, a JSON Lines key) on a line counted from 1.
    LineField {
        /// The line, counted from 1.
        line: u64,
        /// The column or key name.
        field: String,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Unknown => Ok(()),
            Location::Line(line) => write!(f, "{line}"),
            Location::LineColumn { line, column } => write!(f, "{line}:{column}"),
            Location::ByteOffset(offset) => write!(f, "byte {offset}"),
            Location::Element(index) => write!(f, "element {index}"),
            Location::Field(field) => write!(f, "`{field}`"),
            Location::Row { group, row } => write!(f, "row {row} (row group {group})"),
            Location::LineField { line, field } => write!(f, "{line}, `{field}`"),
        }
    }
}

/// What went wrong. Each message says the problem, then how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InputErrorKind {
    // ----- Reading and recognising the file -----
    /// The source could not be read.
    #[error(
        "reading failed ({message}). Check that the file exists, is readable \
         and is complete"
    )]
    Io {
        /// The operating system's description.
        message: String,
    },
    /// The file could not be opened.
    #[error("cannot open: {message}; check the path")]
    CannotOpen {
        /// The operating system's description.
        message: String,
    },
    /// The input holds no sequence at all.
    #[error(
        "the file holds no sequence lengths. Check that it is the right file \
         and that it was saved completely"
    )]
    Empty,
    /// UTF-16 text, which Packlab does not decode.
    #[error(
        "the file is UTF-16 text. Save it as UTF-8 (in most editors: \
         Save As, encoding UTF-8)"
    )]
    Utf16,
    /// Bytes that text never contains.
    #[error(
        "the file looks binary (it holds the byte 0x{byte:02X}, which text \
         does not contain). If it is a NumPy array, give it the .npy extension; \
         otherwise write the lengths as text, one per line"
    )]
    Binary {
        /// The first such byte.
        byte: u8,
    },
    /// A compressed file or a container format Packlab does not open.
    #[error("the file is {container}, which Packlab does not read. {fix}")]
    UnsupportedContainer {
        /// What the file is, e.g. "gzip-compressed".
        container: &'static str,
        /// How to get a file Packlab reads.
        fix: &'static str,
    },

    // ----- Numbers -----
    /// A token that is not a number at all.
    #[error(
        "`{token}` is not a sequence length. Write each length as a whole \
         number of tokens, like 512 (a table with a header row is read as CSV)"
    )]
    NotANumber {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// A sequence of length 0.
    #[error(
        "a sequence has length 0. Packlab rejects empty sequences because \
         they carry no tokens: filter them out (keep lengths of 1 or more)"
    )]
    ZeroLength,
    /// A negative number.
    #[error(
        "`{token}` is negative. Lengths and counts are never negative: check \
         that the right column or field is read"
    )]
    Negative {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// A number with a fraction or an exponent.
    #[error(
        "`{token}` is not a whole number. Lengths are whole token counts; \
         write 12 not 12.0"
    )]
    Fractional {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// A whole number above 2^64 - 1.
    #[error(
        "`{token}` is larger than 2^64 - 1, the largest number Packlab \
         counts. No real sequence is this long: check that the right column \
         or field is read"
    )]
    TooLarge {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// A hexadecimal number.
    #[error("`{token}` is hexadecimal. Write lengths in decimal, like 16 for 0x10")]
    Hexadecimal {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// A number with thousands separators.
    #[error(
        "`{token}` has thousands separators. Write the number without them, \
         like 1000 for 1,000 (in a spreadsheet, format the column as a plain number)"
    )]
    ThousandsSeparator {
        /// The token, shortened to about 20 characters.
        token: String,
    },
    /// An empty CSV field where a number belongs.
    #[error(
        "the field is empty. Give every row a value, or remove the rows \
         that have none"
    )]
    EmptyField,
    /// One length's count passed 2^64 - 1.
    #[error(
        "the number of sequences of length {length} exceeds 2^64 - 1. A \
         histogram this large cannot be real: check that counts were not added twice"
    )]
    CountOverflow {
        /// The length whose count overflowed.
        length: u64,
    },
    /// The total number of sequences passed 2^64 - 1.
    #[error(
        "the input holds more than 2^64 - 1 sequences in all. A dataset this \
         large cannot be real: check the counts for a unit error"
    )]
    TooManySequences,
    /// A histogram that gives the same length twice.
    #[error(
        "the length {length} appears twice. Give each length once in a \
         histogram (Packlab does not add repeats up: they usually mean two \
         histograms were pasted together)"
    )]
    DuplicateLength {
        /// The repeated length.
        length: u64,
    },
    /// A histogram where the lengths of single sequences, in order, are needed.
    #[error(
        "the file is a length histogram (a count for each length), which does not \
         say which sequence has which length, so its sequences cannot be assigned \
         to packs. Give the file with one length per sequence, in dataset order \
         (e.g. `packlab assign lengths.txt` with one line per sequence), not its histogram"
    )]
    HistogramHasNoOrder,

    // ----- CSV -----
    /// The column asked for is not in the header.
    #[error(
        "there is no column `{requested}`; the columns are {}. Name one of \
         them with --column NAME",
        name_list(.available)
    )]
    MissingColumn {
        /// The column asked for.
        requested: String,
        /// The columns of the header.
        available: Vec<String>,
    },
    /// No column could be taken for the lengths.
    #[error(
        "no column holds sequence lengths; the columns are {}. Name the length \
         column with --column NAME, or call it `length`",
        name_list(.available)
    )]
    NoLengthColumn {
        /// The columns of the header.
        available: Vec<String>,
    },
    /// Several columns could be the lengths.
    #[error(
        "several columns hold whole numbers ({}), so which one holds the \
         lengths is unclear. Name it with --column NAME, or call it `length`",
        name_list(.candidates)
    )]
    AmbiguousLengthColumn {
        /// The columns whose first value is a whole number.
        candidates: Vec<String>,
    },
    /// A column name that appears more than once.
    #[error(
        "the column `{name}` appears more than once in the header. Rename the \
         copies so that each column has its own name"
    )]
    DuplicateColumn {
        /// The repeated name.
        name: String,
    },
    /// A table of several numeric columns without a header row.
    #[error(
        "the first row holds only numbers ({fields} fields), so the file has \
         no header row. Add a header row naming the columns (e.g. length), so \
         Packlab knows which one holds the lengths"
    )]
    MissingHeader {
        /// The number of fields in the first row.
        fields: u64,
    },
    /// A row with more or fewer fields than the header.
    #[error(
        "this row has {found} fields but the first row has {expected}. Give \
         every row the same fields, and quote values that contain the delimiter"
    )]
    UnequalFields {
        /// The number of fields of the first row.
        expected: u64,
        /// The number of fields of this row.
        found: u64,
    },
    /// The count column of a histogram, named as the lengths.
    #[error(
        "--column {column} names the count column of a histogram: it says how \
         many sequences have each `{length_column}`, it does not hold lengths. \
         Leave out --column to read the histogram, or name the length column"
    )]
    CountColumnNamed {
        /// The column the user named.
        column: String,
        /// The table's length column.
        length_column: String,
    },
    /// A field that holds a list, such as a row's token ids saved by pandas.
    #[error(
        "the field holds a list ({token}), but a table gives one length per \
         row. Save the lengths instead (with pandas: \
         df[\"length\"] = df[\"input_ids\"].map(len)), or save the rows as \
         JSON Lines, where an input_ids array is counted"
    )]
    CsvListField {
        /// The start of the field, shortened to about 20 characters.
        token: String,
    },
    /// Another CSV problem, as the CSV parser describes it.
    #[error("the CSV is malformed ({message}). Check the quoting on this line")]
    Csv {
        /// The CSV parser's description.
        message: String,
    },

    // ----- JSON -----
    /// JSON that does not parse.
    #[error(
        "the JSON is malformed: {message}. Fix the JSON at this position \
         (`python -m json.tool FILE` points at it too)"
    )]
    JsonSyntax {
        /// The JSON parser's description, without its position.
        message: String,
    },
    /// JSON that ends in the middle of the document.
    #[error(
        "the JSON ends before the document is complete. The file is probably \
         cut short: save or upload it again"
    )]
    JsonTruncated,
    /// More content after a complete JSON document.
    #[error(
        "more content follows the JSON document. A .json file holds one \
         document; if it holds one object per line, give it the .jsonl extension"
    )]
    JsonTrailingContent,
    /// A JSON document of a shape Packlab does not read.
    #[error(
        "the JSON document is {found}. Packlab reads an array of lengths \
         [12, 40, 7], a histogram {{\"max_len\": 512, \"counts\": [...]}}, or \
         lengths with their counts {{\"17\": 120, \"18\": 95}}"
    )]
    JsonWrongDocument {
        /// What the document is, e.g. "a string".
        found: &'static str,
    },
    /// A string where a number belongs.
    #[error("found the string \"{text}\" where {expected} belongs. Write numbers without quotes")]
    JsonString {
        /// The string, shortened to about 20 characters.
        text: String,
        /// What belongs there, e.g. "a sequence length".
        expected: &'static str,
    },
    /// `null` where a number belongs.
    #[error(
        "found null where {expected} belongs. Remove the entries that have \
         no value, or fill them in"
    )]
    JsonNull {
        /// What belongs there.
        expected: &'static str,
    },
    /// `true` or `false` where a number belongs.
    #[error("found `{value}` where {expected} belongs. Write it as a whole number")]
    JsonBool {
        /// The boolean found.
        value: bool,
        /// What belongs there.
        expected: &'static str,
    },
    /// An array where a number belongs.
    #[error(
        "found an array where {expected} belongs. Give plain numbers, like \
         [12, 40, 7]; to count token ids, give one object per sequence, like \
         {{\"input_ids\": [...]}} (one per line in JSON Lines, or as the \
         elements of an array)"
    )]
    JsonArray {
        /// What belongs there.
        expected: &'static str,
    },
    /// An object where a number belongs.
    #[error(
        "found an object where {expected} belongs. Give plain numbers, like \
         [12, 40, 7] or {{\"17\": 120}}"
    )]
    JsonObject {
        /// What belongs there.
        expected: &'static str,
    },
    /// Something other than an array where an array belongs.
    #[error("`{field}` is {found}, not an array. Give {field} as an array")]
    JsonExpectedArray {
        /// The key whose value should be an array.
        field: &'static str,
        /// What it is, e.g. "a number".
        found: &'static str,
    },
    /// A key other than `max_len` and `counts` in a dense histogram.
    #[error(
        "unknown key `{key}` in a histogram {{\"max_len\": ..., \"counts\": [...]}}. \
         The allowed keys are max_len and counts: remove the others"
    )]
    JsonUnknownKey {
        /// The key, shortened to about 20 characters.
        key: String,
    },
    /// A key given twice in one object.
    #[error("the key `{key}` appears twice. Give each key once")]
    JsonDuplicateKey {
        /// The key, shortened to about 20 characters.
        key: String,
    },
    /// A dense histogram without `max_len` or `counts`.
    #[error(
        "the histogram has no `{key}`. A dense histogram needs both: \
         {{\"max_len\": 512, \"counts\": [c1, ..., c512]}}"
    )]
    JsonMissingKey {
        /// The missing key.
        key: &'static str,
    },
    /// A key of a sparse histogram that is not a length.
    #[error(
        "the key `{key}` is not a sequence length. A JSON object is read as a \
         histogram, {{\"max_len\": 512, \"counts\": [...]}} or {{\"17\": 120}} \
         (length: count); if the file holds one object per line, give it the \
         .jsonl extension"
    )]
    JsonNotALengthKey {
        /// The key, shortened to about 20 characters.
        key: String,
    },
    /// A sparse histogram that counts sequences of length 0.
    #[error(
        "the key \"0\" counts {count} sequences of length 0, and no sequence \
         is empty. A histogram's keys are lengths; if these keys are row \
         numbers, as pandas' Series.to_json() writes them, save the values as \
         an array instead: series.to_json(path, orient=\"records\")"
    )]
    JsonLengthZeroKey {
        /// The count given for length 0.
        count: u64,
    },
    /// A `max_len` of 0 or beyond what Packlab supports.
    #[error(
        "max_len is {value}, but it must be a whole number from 1 to {limit}. \
         Set it to the longest length the counts cover",
        limit = MAX_SUPPORTED_MAX_LEN
    )]
    InvalidMaxLen {
        /// The value given.
        value: u64,
    },
    /// A dense `counts` array whose length is not `max_len`.
    #[error(
        "counts has {found} entries but max_len is {max_len}. counts[i] counts \
         the sequences of length i+1, so it needs exactly max_len entries{}",
        dense_counts_hint(*.max_len, *.found)
    )]
    DenseCountsLength {
        /// The declared `max_len`.
        max_len: u32,
        /// The number of entries of `counts`.
        found: u64,
    },

    /// A JSON object that is not a histogram, read without naming a field.
    #[error(
        "the JSON object is not a histogram: its keys ({}) are not lengths, nor \
         max_len and counts. If one of them holds an array of lengths, name it \
         with --column NAME; if the file holds one object per line, read it as \
         JSON Lines (give it the .jsonl extension)",
        name_list(.fields)
    )]
    JsonObjectWithoutColumn {
        /// The object's keys, in file order (at most 20).
        fields: Vec<String>,
    },
    /// A JSON object without the field asked for.
    #[error(
        "the JSON object has no field `{field}` (its fields: {}). Name the field \
         that holds the array of lengths with --column NAME",
        name_list(.fields)
    )]
    JsonMissingField {
        /// The field asked for.
        field: String,
        /// The object's fields, in file order (at most 20).
        fields: Vec<String>,
    },
    /// The named field of a JSON object, which is not an array.
    #[error(
        "`{field}` is {found}, not an array. In one JSON object the named field \
         holds all the lengths, like {{\"{field}\": [12, 40, 7]}}; if the file \
         holds one object per sequence, one per line, read it as JSON Lines \
         (give it the .jsonl extension; from pandas: \
         df.to_json(path, orient=\"records\", lines=True))"
    )]
    JsonFieldNotAnArray {
        /// The field the user named.
        field: String,
        /// What it is, e.g. "a number".
        found: &'static str,
    },
    /// A field called `input_ids` named as the lengths of a JSON document.
    #[error(
        "`{field}` holds token ids, but the array a JSON object's named field \
         holds is read as a list of lengths. If the object is one sequence, read \
         the file as JSON Lines (--format jsonl), which counts its ids; if the \
         field does hold lengths, rename it"
    )]
    TokenIdsAsLengths {
        /// The field the user named.
        field: String,
    },
    /// An element other than an object in an array of records.
    #[error(
        "found {found} where an object belongs. The array's first element is an \
         object, so every element is read as one sequence, like \
         {{\"length\": 12}} or {{\"input_ids\": [...]}}: give every element as \
         an object"
    )]
    JsonRecordExpected {
        /// What the element is, e.g. "a number".
        found: &'static str,
    },
    /// `--column` for a JSON histogram, whose keys are not columns.
    #[error(
        "--column {column} was given, but the JSON document is a length \
         histogram ({{\"max_len\": 512, \"counts\": [...]}} or \
         {{\"17\": 120}}), whose keys are not columns: its counts say how many \
         sequences have each length, they are not lengths. Leave out --column \
         to read the histogram"
    )]
    ColumnOnHistogram {
        /// The column the user named.
        column: String,
    },

    // ----- Rows: JSON Lines, and arrays of objects -----
    /// A row's token ids that hold arrays or objects.
    #[error(
        "`{field}` holds {found} inside its array, so it is not the token ids of \
         one sequence. Give each sequence its own row with a flat array of \
         token ids, or its length as a number; if the arrays hold lengths, \
         write them as one flat array [12, 40, 7]"
    )]
    TokenIdsNested {
        /// The field counted.
        field: String,
        /// What the element is: "an array" or "an object".
        found: &'static str,
    },
    /// A row's token ids that hold something other than whole numbers.
    #[error(
        "`{field}` holds {found} among its token ids. Token ids are whole \
         numbers: check that the right field is read (name it with \
         --column NAME), or give the length as a number"
    )]
    TokenIdNotWhole {
        /// The field counted.
        field: String,
        /// What the element is, e.g. "a string".
        found: &'static str,
    },
    /// A named field that gives some rows' lengths as numbers and others'
    /// as arrays of token ids.
    #[error(
        "`{field}` is {found} here but {first} in the rows before. A field gives \
         every row's length the same way, as a number or as an array of token \
         ids: check that the right field is read, and that the rows come from \
         one dataset"
    )]
    FieldShapeChanged {
        /// The field the user named.
        field: String,
        /// What it is in the first row: "a number" or "an array".
        first: &'static str,
        /// What it is in this row.
        found: &'static str,
    },

    // ----- Columns -----
    /// `--column` for a file whose format has no columns.
    #[error(
        "--column {column} was given, but the file is read as {read_as}, which \
         has no columns or fields. Leave out --column for this file, or give \
         the file in a format with named columns (CSV with a header row, JSON \
         Lines)"
    )]
    ColumnNotApplicable {
        /// The column the user named.
        column: String,
        /// What the file is read as, e.g. "a plain list of numbers".
        read_as: &'static str,
    },

    // ----- JSON Lines -----
    /// A line that is not a JSON object.
    #[error(
        "the line is {found}, not an object. Each line of a JSON Lines file \
         is one object, like {{\"length\": 12}}"
    )]
    JsonlNotAnObject {
        /// What the line is, e.g. "an array".
        found: &'static str,
    },
    /// More content after the object on a line.
    #[error(
        "more content follows the object on this line. Put each object on \
         a line of its own"
    )]
    JsonlTrailingContent,
    /// An object without any of the fields that give a length.
    #[error(
        "the object has none of the fields length, num_tokens or input_ids \
         (its fields: {}). Add one, or name the field that holds the length \
         (or, in a file of one JSON object, the array of lengths) with \
         --column NAME",
        name_list(.fields)
    )]
    JsonlNoLengthField {
        /// The object's fields, in file order (at most 20).
        fields: Vec<String>,
    },
    /// An object without the field asked for.
    #[error(
        "the object has no field `{field}` (its fields: {}). Name a field that \
         every row has with --column NAME",
        name_list(.fields)
    )]
    JsonlMissingField {
        /// The field asked for.
        field: String,
        /// The object's fields, in file order (at most 20).
        fields: Vec<String>,
    },
    /// A line that is a dense histogram, in a file read as JSON Lines.
    #[error(
        "the line is a dense histogram {{\"max_len\": ..., \"counts\": [...]}}, \
         not one sequence of a dataset. Read the file as one JSON document \
         (--format json, or the .json extension), without --column"
    )]
    JsonlHistogramLine,
    /// A line whose object does not end on it.
    #[error(
        "the object on this line is not closed before the line ends. JSON Lines \
         puts each object on one line: if the file is one JSON document spread \
         over several lines, read it as JSON (--format json); otherwise the line \
         is cut short or lacks its closing brace"
    )]
    JsonlUnclosedLine,

    // ----- NumPy -----
    /// A file read as `.npy` without the NumPy signature.
    #[error(
        "the file does not start with the NumPy signature \\x93NUMPY, so it \
         is not a .npy file. Save the array with numpy.save, or give the file \
         the extension of its real format"
    )]
    NpyBadMagic,
    /// A `.npy` format version Packlab does not know.
    #[error(
        "the .npy format version {major}.{minor} is not supported. Save the \
         array with numpy.save, which writes version 1.0, 2.0 or 3.0"
    )]
    NpyUnsupportedVersion {
        /// The major version byte.
        major: u8,
        /// The minor version byte.
        minor: u8,
    },
    /// A `.npy` header that does not parse.
    #[error("the .npy header is malformed: {problem}. Save the array again with numpy.save")]
    NpyBadHeader {
        /// What is wrong with it.
        problem: String,
    },
    /// A floating-point array.
    #[error(
        "the array holds floating-point numbers (dtype {descr}). Lengths are \
         whole token counts: save lengths.astype(np.int64)"
    )]
    NpyFloatDtype {
        /// The dtype as the header gives it, e.g. "<f8".
        descr: String,
    },
    /// An array of a type other than integers and floats.
    #[error(
        "the array's dtype {descr} is not an integer type. Save the lengths as \
         integers: np.save(path, lengths.astype(np.int64))"
    )]
    NpyUnsupportedDtype {
        /// The dtype as the header gives it.
        descr: String,
    },
    /// An array that is not a list.
    #[error(
        "the array has shape {shape}, but Packlab reads a 1-D array of lengths. \
         Save one list of lengths, e.g. lengths.reshape(-1) if the array holds \
         nothing else"
    )]
    NpyShape {
        /// The shape, written as Python writes it, e.g. "(3, 4)".
        shape: String,
    },
    /// An array with fewer data bytes than its header promises.
    #[error(
        "the array should hold {expected_elements} elements ({expected_bytes} \
         bytes) but the file has only {found_bytes} bytes of data. The file is \
         cut short: save or upload it again"
    )]
    NpyTruncated {
        /// The number of elements the header declares.
        expected_elements: u64,
        /// The number of data bytes they take.
        expected_bytes: u64,
        /// The number of data bytes present.
        found_bytes: u64,
    },
    /// Bytes after the array's data.
    #[error(
        "{extra_bytes} bytes follow the array's data. A .npy file holds one \
         array: if several were saved into one file, join them \
         (np.concatenate) and save them once"
    )]
    NpyTrailingData {
        /// How many bytes follow.
        extra_bytes: u64,
    },

    // ----- Megatron-LM / NeMo indexes -----
    /// A file read as a Megatron index without its signature.
    #[error(
        "the file does not start with MMIDIDX, the signature of a Megatron-LM \
         index (.idx). Give the .idx of the dataset (not its .bin), or the file's \
         real format"
    )]
    MegatronBadMagic,
    /// An index version Packlab does not know.
    #[error(
        "the index is version {version}; Packlab reads version 1, what \
         Megatron-LM and NeMo write. Rebuild the index with Megatron-LM's \
         tools/preprocess_data.py"
    )]
    MegatronUnsupportedVersion {
        /// The version the header gives.
        version: u64,
    },
    /// A header that cannot be an index's.
    #[error("the index header is malformed: {problem}. Rebuild the index")]
    MegatronBadHeader {
        /// What is wrong with it.
        problem: String,
    },
    /// Document boundaries that do not split the sequences.
    #[error(
        "the index's document boundaries are broken: {problem}. The index is \
         damaged: rebuild it"
    )]
    MegatronBadDocuments {
        /// What is wrong with them.
        problem: String,
    },
    /// An index shorter than its header says.
    #[error(
        "the index should be {expected_bytes} bytes long but ends after \
         {found_bytes}. The file is cut short: copy or upload it again"
    )]
    MegatronTruncated {
        /// The size the header implies.
        expected_bytes: u64,
        /// The bytes present.
        found_bytes: u64,
    },
    /// Bytes after the index that are not one mode per sequence.
    #[error(
        "{extra_bytes} bytes follow the index's document boundaries, neither \
         none nor one mode byte per sequence (a multimodal index). The file \
         is not one index: give the .idx Megatron-LM wrote"
    )]
    MegatronTrailingData {
        /// How many bytes follow.
        extra_bytes: u64,
    },
    /// A binary `.bin`, most likely a Megatron dataset's tokens.
    #[error(
        "the file is binary, not text; a .bin is most likely the tokens of a \
         Megatron-LM / NeMo dataset, whose lengths are in its index: give the \
         .idx of the same name instead"
    )]
    MegatronDataFile,
    // ----- Parquet and Arrow -----
    /// A Parquet file the reader cannot read (a cut footer, a codec it
    /// does not know, a damaged page).
    #[error(
        "the Parquet file cannot be read ({message}). If it was cut short, \
         copy it again; if it uses a codec other than snappy, zstd, gzip, lz4 \
         or brotli, write it again with one of those"
    )]
    ParquetUnreadable {
        /// The Parquet reader's message.
        message: String,
    },
    /// A column named that the file does not have.
    #[error(
        "the file has no column `{column}`; its columns are {}. Name one of \
         them with --column",
        name_list(.columns)
    )]
    NoSuchColumn {
        /// The column asked for.
        column: String,
        /// The file's columns.
        columns: Vec<String>,
    },
    /// A column that holds neither lengths nor token ids.
    #[error(
        "the column `{column}` holds {found}, not lengths (integers) or token \
         ids (a list of integers). Name the column of token ids or lengths with \
         --column"
    )]
    ColumnNotLengths {
        /// The column.
        column: String,
        /// What it holds.
        found: String,
    },
    /// No column to read without `--column`.
    #[error(
        "no column of the file is the lengths: {} list of integers \
         columns ({}), none of them `input_ids`, and no integer column named \
         like a length. Its columns are {}. Name the column with --column",
        if .lists.is_empty() { "no" } else { "several" },
        name_list(.lists),
        name_list(.columns)
    )]
    NoTokenColumn {
        /// The columns of lists of integers.
        lists: Vec<String>,
        /// Every column.
        columns: Vec<String>,
    },
    /// A null where a length or a token must be.
    #[error(
        "this row's {what} is null. Every sequence needs its tokens: filter \
         the null rows out first (e.g. dataset.filter(lambda row: row[\"input_ids\"] is not None))"
    )]
    NullInColumn {
        /// What is null: the list, an element of it, or the length.
        what: &'static str,
    },
    /// A Parquet file given where only a stream can be read.
    #[error(
        "a Parquet file is read from its end (its footer) first, which standard \
         input cannot give: give the file's path"
    )]
    ParquetNeedsAFile,
    /// An Arrow IPC file or stream the reader cannot read.
    #[error(
        "the Arrow file cannot be read ({message}). If it was cut short, copy \
         it again; Packlab reads the uncompressed IPC files and streams that \
         Hugging Face datasets writes"
    )]
    ArrowUnreadable {
        /// The Arrow reader's message.
        message: String,
    },
    /// A folder that is not a dataset's.
    #[error(
        "the folder cannot be read as a dataset: {problem}. Give a \
         save_to_disk folder, a folder of .arrow or .parquet shards, or a file"
    )]
    FolderUnreadable {
        /// What is wrong with it.
        problem: String,
    },
    // ----- Text, counted with a tokenizer -----
    /// A `tokenizer.json` that does not load.
    #[error(
        "the tokenizer cannot be loaded ({message}). Give the model's \
         tokenizer.json (what tokenizer.save_pretrained or Tokenizer.save \
         writes), not its tokenizer_config.json, vocab.json or a \
         SentencePiece .model"
    )]
    TokenizerUnreadable {
        /// The tokenizers library's message.
        message: String,
    },
    /// A `tokenizer_config.json` that is not a JSON object.
    #[error(
        "the tokenizer configuration cannot be read: {message}. Give the \
         model's tokenizer_config.json, or the chat template alone (a Jinja \
         file) with --chat-template"
    )]
    TokenizerConfigUnreadable {
        /// What is wrong with it.
        message: String,
    },
    /// A chat template that does not compile.
    #[error(
        "the chat template does not compile{}: {message}. Fix the template, \
         or give the model's own with --chat-template FILE",
        template_line_suffix(*.template_line)
    )]
    ChatTemplateSyntax {
        /// The template engine's message.
        message: String,
        /// The template's line, counted from 1, when known.
        template_line: Option<u64>,
    },
    /// A tokenizer configuration given as the chat template that holds none.
    #[error(
        "the configuration has no chat_template. Give the model's \
         tokenizer_config.json that holds one, or the template as a Jinja file"
    )]
    ConfigWithoutChatTemplate,
    /// A chat template file that is not UTF-8 text.
    #[error("the chat template is not UTF-8 text. Save it as UTF-8")]
    ChatTemplateNotUtf8,
    /// A chat template that fails on a row's conversation.
    #[error(
        "the chat template fails on this conversation{}: {message}. Check the \
         row's messages (roles, their order, a `content` in each), or give \
         the template the model is trained with (--chat-template FILE)",
        template_line_suffix(*.template_line)
    )]
    ChatTemplateFailed {
        /// The template's message (its own, for `raise_exception`).
        message: String,
        /// The template's line, counted from 1, when known.
        template_line: Option<u64>,
    },
    /// A conversation and no chat template to render it with.
    #[error(
        "the row holds a conversation (a list of messages), but the tokenizer \
         has no chat template. Pass --chat-template FILE (a Jinja file, or the \
         model's tokenizer_config.json), or keep the model's \
         tokenizer_config.json beside its tokenizer.json"
    )]
    NoChatTemplate,
    /// The tokenizer failed on a text.
    #[error(
        "the tokenizer failed on this text ({message}). The tokenizer file \
         may be damaged: save it again from the model"
    )]
    TokenizerFailed {
        /// The tokenizers library's message.
        message: String,
    },
    /// A row without the field that holds its text.
    #[error(
        "the row has no field {} (its fields: {}). {}",
        .field.as_ref().map_or("`text` or `messages`".to_owned(), |field| format!("`{field}`")),
        name_list(.fields),
        if .field.is_some() {
            "Name a field every row has with --text-field NAME"
        } else {
            "Name the field holding the text (or the list of messages) with \
             --text-field NAME, or give the row a length, num_tokens or \
             input_ids field"
        }
    )]
    TextFieldMissing {
        /// The field named with `--text-field`, if one was.
        field: Option<String>,
        /// The row's fields, in file order (at most 20).
        fields: Vec<String>,
    },
    /// A text field that holds neither text nor a list of messages.
    #[error(
        "`{field}` is {found}, neither a text (a string) nor a conversation \
         (a list of {{\"role\": ..., \"content\": ...}} messages). Name the \
         field holding the text with --text-field NAME"
    )]
    TextFieldNotText {
        /// The field read.
        field: String,
        /// What it holds, e.g. "a number".
        found: &'static str,
    },
    /// A JSON document read with a tokenizer that is not an array of rows.
    #[error(
        "the JSON document is {found}; with --tokenizer, a JSON file holds \
         an array of rows [{{\"text\": ...}}, ...]. Give it as an array, or \
         one row per line in JSON Lines (.jsonl)"
    )]
    TextDocumentNotRows {
        /// What the document is, e.g. "an object".
        found: &'static str,
    },
    /// A tokenizer given for a file that holds no text rows.
    #[error(
        "--tokenizer counts the text of rows (JSON Lines, a JSON array of \
         rows, Parquet or Arrow), but this file is read as {read_as}, which \
         holds no text. \
         Leave --tokenizer out for it, or save the texts as JSON Lines \
         ({{\"text\": ...}} on each line)"
    )]
    TokenizerNotApplicable {
        /// What the file is read as.
        read_as: &'static str,
    },
    /// An option that only means something with a tokenizer.
    #[error(
        "{option} only applies when texts are tokenized: add --tokenizer FILE \
         (the model's tokenizer.json), or leave {option} out"
    )]
    NeedsTokenizer {
        /// The option, e.g. "--text-field".
        option: &'static str,
    },
    /// `--column` together with a tokenizer.
    #[error(
        "--column {column} names a length field, but --tokenizer counts a \
         text field: name that one with --text-field {column} instead"
    )]
    ColumnWithTokenizer {
        /// The column the user named.
        column: String,
    },
    /// A sample of no rows.
    #[error("a sample of 0 rows estimates nothing: give --sample 1 or more rows")]
    EmptySample,
    /// A sample where the lengths of every row, in order, are needed.
    #[error(
        "a sample estimates the lengths of most rows, so it cannot say which \
         row has which length, as assigning rows to packs needs. Leave \
         --sample out to tokenize every row"
    )]
    SampleHasNoOrder,
    /// Documents asked for in a file that has none.
    #[error(
        "--documents counts the documents of a Megatron index, but this file \
         is read as {read_as}, which has sequences only. Leave --documents out"
    )]
    DocumentsNotApplicable {
        /// What the file was read as.
        read_as: &'static str,
    },
}

/// The most names an error message lists before it says how many more there are.
const LISTED_NAMES: usize = 20;

/// `a, b, c`, with long lists cut short; "none" for an empty list.
fn name_list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    let mut listed = names
        .iter()
        .take(LISTED_NAMES)
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED_NAMES {
        listed.push_str(&format!(" and {} more", names.len() - LISTED_NAMES));
    }
    listed
}

/// " (template line 3)", or nothing when the line is not known.
fn template_line_suffix(line: Option<u64>) -> String {
    line.map_or_else(String::new, |line| format!(" (template line {line})"))
}

/// The extra advice for a dense histogram one entry too long: the usual
/// cause is an array indexed by length, such as `np.bincount(lengths)`,
/// whose entry 0 counts the (non-existent) sequences of length 0.
fn dense_counts_hint(max_len: u32, found: u64) -> &'static str {
    if found == u64::from(max_len) + 1 {
        "; with max_len + 1 entries it probably starts at length 0 \
         (like np.bincount): drop the first entry"
    } else {
        ""
    }
}

/// An error found by one of the format readers, before the file's name is
/// attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) location: Location,
    pub(crate) kind: InputErrorKind,
}

impl Failure {
    pub(crate) fn new(location: Location, kind: InputErrorKind) -> Self {
        Failure { location, kind }
    }

    pub(crate) fn at_line(line: u64, kind: InputErrorKind) -> Self {
        Failure::new(Location::Line(line), kind)
    }

    pub(crate) fn io(error: &std::io::Error) -> Self {
        Failure::new(
            Location::Unknown,
            InputErrorKind::Io {
                message: error.to_string(),
            },
        )
    }

    /// The error a user sees: this failure in the source named `source_name`.
    pub(crate) fn in_source(self, source_name: &str) -> InputError {
        InputError {
            source_name: source_name.to_owned(),
            location: self.location,
            kind: self.kind,
        }
    }
}

impl From<InputErrorKind> for Failure {
    fn from(kind: InputErrorKind) -> Self {
        Failure::new(Location::Unknown, kind)
    }
}

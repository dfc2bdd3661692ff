// The data a user analyses: a synthetic preset, or their own files
// (uploaded or dropped; several merge), with reading progress.
import { View, h, setText, uniqueId } from '../dom.js';
import { countOf, formatBytes, formatCount, formatDecimal, whereOnThisPage } from '../format.js';

/** The value of the preset picker's entry for the user's own files. */
const OWN_DATA = '';
/** Files from this size up say how fast they were read. */
const SPEED_SHOWN_BYTES = 16 * 1024 * 1024;

const FORMATS = [
  ['', 'Detect from name and content'],
  ['text', 'Text: one length per line'],
  ['csv', 'CSV or TSV with a header'],
  ['json', 'JSON: array or histogram'],
  ['jsonl', 'JSON Lines'],
  ['npy', 'NumPy .npy'],
  ['megatron', 'Megatron-LM / NeMo index (.idx)'],
  ['parquet', 'Parquet'],
  ['arrow', 'Arrow IPC (datasets shards)'],
];

export class DataPanel extends View {
  constructor() {
    super();
    const presetId = uniqueId('preset');
    const uploadId = uniqueId('upload');
    const folderId = uniqueId('upload-folder');
    const formatId = uniqueId('format');
    const columnId = uniqueId('column');
    const appendId = uniqueId('append');
    const documentsId = uniqueId('documents');
    const tokenizerId = uniqueId('tokenizer');
    const textFieldId = uniqueId('text-field');
    const specialTokensId = uniqueId('special-tokens');
    const sampleId = uniqueId('sample-rows');
    const descriptionId = uniqueId('preset-description');

    this.presetSelect = h('select', {
      id: presetId,
      'data-testid': 'preset',
      'aria-describedby': descriptionId,
      disabled: true,
      onchange: () => {
        if (this.presetSelect.value !== OWN_DATA) this.emit('preset', this.presetSelect.value);
      },
    }, h('option', { value: OWN_DATA, text: 'Loading the examples…' }));
    this.ownDataOption = this.presetSelect.firstElementChild;
    this.datasetLabel = h('strong', { class: 'dataset-label' });
    this.datasetText = h('span');
    this.description = h('p', { id: descriptionId, class: 'hint' }, this.datasetLabel, ' ', this.datasetText);

    this.fileInput = h('input', {
      id: uploadId,
      type: 'file',
      multiple: true,
      class: 'visually-hidden',
      'data-testid': 'upload',
      'aria-describedby': `${uploadId}-hint`,
      onchange: () => {
        const files = [...this.fileInput.files];
        // Cleared so that choosing the same file again reads it again.
        this.fileInput.value = '';
        if (files.length) this.emit('files', { files, options: this.readOptions(), append: this.appendBox.checked });
      },
    });

    // A dataset folder: its files come with paths; the shards are those at
    // its top (a `save_to_disk` folder, a folder of Parquet shards).
    this.folderInput = h('input', {
      id: folderId,
      type: 'file',
      webkitdirectory: true,
      class: 'visually-hidden',
      'data-testid': 'upload-folder',
      'aria-describedby': `${uploadId}-hint`,
      onchange: () => {
        const all = [...this.folderInput.files];
        this.folderInput.value = '';
        const files = all.filter((file) => file.webkitRelativePath.split('/').length === 2);
        const folder = (all[0]?.webkitRelativePath ?? '').split('/')[0];
        if (all.length) this.emit('files', { files, folder, options: this.readOptions(), append: this.appendBox.checked });
      },
    });

    this.formatSelect = h(
      'select',
      { id: formatId, 'data-testid': 'format' },
      FORMATS.map(([value, label]) => h('option', { value, text: label })),
    );
    this.columnInput = h('input', {
      id: columnId,
      type: 'text',
      'data-testid': 'column',
      placeholder: 'length, num_tokens, seq_len…',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    this.appendBox = h('input', { id: appendId, type: 'checkbox', 'data-testid': 'append' });
    this.documentsBox = h('input', { id: documentsId, type: 'checkbox', 'data-testid': 'documents' });
    // Text rows are counted with the model's own tokenizer: its
    // tokenizer.json, with its tokenizer_config.json (special tokens, the
    // chat template) and a chat_template.jinja where the model has them.
    this.tokenizerFiles = [];
    this.tokenizerInput = h('input', {
      id: tokenizerId,
      type: 'file',
      multiple: true,
      accept: '.json,.jinja',
      class: 'visually-hidden',
      'data-testid': 'tokenizer',
      'aria-describedby': `${tokenizerId}-hint`,
      onchange: () => {
        this.tokenizerFiles = [...this.tokenizerInput.files];
        setText(this.tokenizerChosen, this.tokenizerFiles.length ? `Counting text with ${this.tokenizerFiles.map((file) => file.name).join(', ')}.` : '');
        this.clearTokenizer.hidden = !this.tokenizerFiles.length;
      },
    });
    this.tokenizerChosen = h('span', { 'data-testid': 'tokenizer-chosen' });
    this.clearTokenizer = h('button', {
      type: 'button',
      class: 'link-button',
      hidden: true,
      onclick: () => {
        this.tokenizerFiles = [];
        this.tokenizerInput.value = '';
        setText(this.tokenizerChosen, '');
        this.clearTokenizer.hidden = true;
      },
    }, 'Stop counting text');
    this.textFieldInput = h('input', {
      id: textFieldId,
      type: 'text',
      'data-testid': 'text-field',
      placeholder: 'text, or messages',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    this.specialTokensBox = h('input', { id: specialTokensId, type: 'checkbox', checked: true, 'data-testid': 'special-tokens' });
    this.sampleInput = h('input', {
      id: sampleId,
      type: 'number',
      min: 1,
      step: 1,
      inputmode: 'numeric',
      'data-testid': 'sample-rows',
      placeholder: 'every row',
      'aria-describedby': `${sampleId}-hint`,
    });

    this.progressBar = h('progress', { max: 1, value: 0, 'aria-label': 'Reading files' });
    this.progressText = h('p', { class: 'progress__text', 'aria-live': 'polite' });
    this.progress = h(
      'div',
      { class: 'progress', 'data-testid': 'progress', hidden: true },
      this.progressText,
      h('div', { class: 'progress__row' },
        this.progressBar,
        h('button', { type: 'button', class: 'button button--small', 'data-testid': 'cancel-read', onclick: () => this.emit('cancel') }, 'Cancel'),
      ),
    );

    this.current = h('p', { class: 'dataset-current', 'data-testid': 'dataset', 'aria-live': 'polite' });
    // What a reader assumed that a file's content could not confirm (which
    // column it took, a one-line object read as lengths): the user checks it.
    this.notes = h('ul', { class: 'read-notes', 'data-testid': 'read-notes', hidden: true });
    this.notesShown = null;
    // How fast each file was read, and the user's tokenizer counted it.
    this.readSpeed = h('p', { class: 'hint', 'data-testid': 'read-speed', hidden: true });

    this.element = h(
      'section',
      { class: 'panel', 'aria-labelledby': `${presetId}-heading` },
      h('h2', { class: 'panel__title', id: `${presetId}-heading`, text: 'Data' }),
      h('div', { class: 'field' },
        h('label', { for: presetId, text: 'Example dataset' }),
        this.presetSelect,
        this.description,
      ),
      h('div', { class: 'field upload' },
        h('span', { class: 'field__label', text: 'Or your own data' }),
        h('div', { class: 'upload__buttons' },
          h('label', { for: uploadId, class: 'button button--primary upload__button upload__button--files' }, 'Choose files…'),
          h('label', { for: folderId, class: 'button upload__button upload__button--folder' }, 'Choose a folder…'),
        ),
        this.fileInput,
        this.folderInput,
        h('p', { class: 'hint', id: `${uploadId}-hint` },
          'Or drop them anywhere on the page. Text, CSV, TSV, JSON, JSON Lines, NumPy .npy, a Megatron-LM / NeMo index (.idx, without its .bin), Parquet, or Arrow; or a dataset folder (save_to_disk, or Parquet shards), read shard by shard in order. Several files merge. Files are read on this machine only, a slice at a time.'),
      ),
      h('details', { class: 'disclosure' },
        h('summary', {}, 'Advanced reading options'),
        h('div', { class: 'field' }, h('label', { for: formatId, text: 'Format' }), this.formatSelect),
        h('div', { class: 'field' },
          h('label', { for: columnId, text: 'Column or field with the lengths' }),
          this.columnInput,
          h('p', { class: 'hint', text: 'For CSV and JSON Lines, a length or token-ids field; for Parquet and Arrow, a list-of-token-ids or length column. Leave empty to find it: by name, or Parquet’s and Arrow’s only list of integers (input_ids where there are several).' }),
        ),
        h('div', { class: 'field field--check' },
          this.documentsBox,
          h('label', { for: documentsId, text: 'Megatron index: count documents, not sequences' }),
        ),
        h('div', { class: 'field upload' },
          h('span', { class: 'field__label', text: 'Tokenizer, for rows of text or conversations' }),
          h('div', { class: 'upload__buttons' },
            h('label', { for: tokenizerId, class: 'button upload__button upload__button--tokenizer' }, 'Choose tokenizer files…'),
          ),
          this.tokenizerInput,
          h('p', { class: 'hint', id: `${tokenizerId}-hint` },
            'The model’s tokenizer.json, with its tokenizer_config.json (special tokens, chat template) and chat_template.jinja if it has them. Rows with a text field (JSON Lines, Parquet, Arrow), or messages rendered with the chat template, are counted as this tokenizer counts them, here. ',
            this.tokenizerChosen, ' ', this.clearTokenizer),
        ),
        h('div', { class: 'field' },
          h('label', { for: textFieldId, text: 'Text field' }),
          this.textFieldInput,
        ),
        h('div', { class: 'field field--check' },
          this.specialTokensBox,
          h('label', { for: specialTokensId, text: 'Count the tokenizer’s special tokens (as encode(text) does)' }),
        ),
        h('div', { class: 'field' },
          h('label', { for: sampleId, text: 'Estimate from a sample of rows' }),
          this.sampleInput,
          h('p', { class: 'hint', id: `${sampleId}-hint`, text: 'For large text files: only this many rows, drawn at random, are tokenized, and each stands for its share of the file. Empty: every row, exactly.' }),
        ),
        h('div', { class: 'field field--check' },
          this.appendBox,
          h('label', { for: appendId, text: 'Add to the data already loaded' }),
        ),
      ),
      this.progress,
      this.current,
      this.readSpeed,
      this.notes,
    );
    this.presetsShown = false;
  }

  /**
   * The reading overrides the user set (empty means automatic): {format,
   * column, documents, tokenizerFiles, textField, specialTokens, sampleRows}.
   */
  readOptions() {
    const sample = Number(this.sampleInput.value);
    return {
      format: this.formatSelect.value,
      column: this.columnInput.value.trim(),
      documents: this.documentsBox.checked,
      tokenizerFiles: this.tokenizerFiles,
      textField: this.textFieldInput.value.trim(),
      specialTokens: this.specialTokensBox.checked,
      sampleRows: Number.isSafeInteger(sample) && sample > 0 ? sample : null,
    };
  }

  update(model) {
    if (!this.presetsShown && model.presets.length) {
      this.presetsShown = true;
      this.presetSelect.replaceChildren(
        this.ownDataOption,
        ...model.presets.map((preset) => h('option', { value: preset.name, text: preset.label })),
      );
    }
    const dataset = model.dataset;
    const ownData = dataset?.source === 'files';
    this.ownDataOption.hidden = !ownData;
    this.ownDataOption.disabled = !ownData;
    setText(this.ownDataOption, ownData ? `Your data: ${dataset.label}` : 'Loading the examples…');
    const selected = model.loading ?? (ownData ? OWN_DATA : dataset?.preset ?? OWN_DATA);
    if (this.presetSelect.value !== selected) this.presetSelect.value = selected;
    this.presetSelect.disabled = model.engine !== 'ready';
    this.fileInput.disabled = model.engine !== 'ready';
    this.folderInput.disabled = model.engine !== 'ready';

    if (ownData) {
      const formats = [...new Set(dataset.files.map((file) => file.format))].join(', ');
      setText(this.datasetLabel, `${dataset.label}:`);
      setText(this.datasetText, `${dataset.files.length === 1 ? 'One file' : `${dataset.files.length} files`} (${formats}), ${formatBytes(dataset.files.reduce((sum, file) => sum + file.bytes, 0))}${dataset.basePreset ? `, added to ${dataset.basePreset}` : ''}.`);
    } else if (model.loading || dataset) {
      const preset = model.presets.find((entry) => entry.name === (model.loading ?? dataset.preset));
      setText(this.datasetLabel, preset ? `${preset.label}.` : '');
      setText(this.datasetText, preset?.description ?? '');
    }

    const reading = model.reading;
    this.progress.hidden = !reading;
    if (reading) {
      const fraction = reading.total > 0 ? reading.loaded / reading.total : 0;
      this.progressBar.value = fraction;
      const which = reading.count > 1 ? ` (file ${reading.index + 1} of ${reading.count})` : '';
      setText(this.progressText, `Reading ${reading.file}${which}: ${formatBytes(reading.loaded)} of ${formatBytes(reading.total)}`);
    }

    const files = ownData ? dataset.files : [];
    if (files !== this.notesShown) {
      this.notesShown = files;
      const notes = files.flatMap((file) => file.notes ?? []);
      this.notes.replaceChildren(...notes.map((note) => h('li', { text: `${note} ${whereOnThisPage(note)}`.trim() })));
      this.notes.hidden = notes.length === 0;
      // How fast each large file was read (and its text tokenized): what
      // a user with many gigabytes wants to know before dropping the rest.
      const timed = files.filter((file) => file.seconds !== undefined && (file.tokens !== undefined || file.bytes >= SPEED_SHOWN_BYTES));
      setText(this.readSpeed, timed.map((file) => {
        const seconds = Math.max(file.seconds, 0.001);
        if (file.tokens === undefined) {
          return `${file.name}: ${formatBytes(file.bytes)} read in ${formatDecimal(seconds, 1)} s, ${formatBytes(file.bytes / seconds)}/s.`;
        }
        const workers = file.workers > 1 ? ` by ${file.workers} workers` : '';
        return `${file.name}: ${formatBytes(file.bytes)} of text tokenized in ${formatDecimal(seconds, 1)} s${workers}, ` +
          `${formatBytes(file.bytes / seconds)}/s, ${formatCount(Math.round(file.tokens / seconds))} tokens/s.`;
      }).join(' '));
      this.readSpeed.hidden = timed.length === 0;
    }

    const summary = model.summary?.summary;
    if (dataset && summary && !model.failed) {
      setText(this.current, `${countOf(summary.sequences, 'sequence')}, ${countOf(summary.tokens, 'token')}.`);
    } else {
      setText(this.current, model.engine === 'loading' ? 'Starting the engine…' : '');
    }
  }
}

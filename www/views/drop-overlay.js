// Dropping files anywhere on the page reads them, like the upload button;
// dropping a dataset folder (a `save_to_disk` folder, a folder of Parquet
// shards) reads its shards in order.
import { View, h } from '../dom.js';

/** Every entry of a dropped folder: a directory reader gives them in batches. */
async function folderEntries(directory) {
  const reader = directory.createReader();
  const entries = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return entries;
    entries.push(...batch);
  }
}

/** The files directly in a dropped folder (a dataset's shards sit at its top). */
async function folderFiles(directory) {
  const entries = (await folderEntries(directory)).filter((entry) => entry.isFile);
  return Promise.all(entries.map((entry) => new Promise((resolve, reject) => entry.file(resolve, reject))));
}

function carriesFiles(event) {
  return Boolean(event.dataTransfer?.types?.includes('Files'));
}

export class DropOverlay extends View {
  constructor() {
    super();
    this.element = h(
      'div',
      { class: 'drop-overlay', hidden: true, 'aria-hidden': 'true' },
      h('div', { class: 'drop-overlay__box' },
        h('p', { class: 'drop-overlay__title', text: 'Drop your files or a dataset folder' }),
        h('p', { text: 'They are read here, in your browser; several files merge.' }),
      ),
    );
    // dragenter and dragleave fire for every child crossed: count them.
    this.depth = 0;
    window.addEventListener('dragenter', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      this.depth += 1;
      this.element.hidden = false;
    });
    window.addEventListener('dragover', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('dragleave', (event) => {
      if (!carriesFiles(event)) return;
      this.depth = Math.max(0, this.depth - 1);
      if (this.depth === 0) this.element.hidden = true;
    });
    window.addEventListener('drop', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      this.depth = 0;
      this.element.hidden = true;
      // Entries must be taken while the event is being handled.
      const entries = [...event.dataTransfer.items ?? []].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
      const folders = entries.filter((entry) => entry.isDirectory);
      if (!folders.length) {
        const files = [...event.dataTransfer.files];
        if (files.length) this.emit('files', { files });
        return;
      }
      if (entries.length > 1) {
        this.emit('problem', 'Drop one dataset folder at a time, or files without folders: the rows of a folder are read in its own order.');
        return;
      }
      folderFiles(folders[0]).then(
        (files) => this.emit('files', { files, folder: folders[0].name }),
        (error) => this.emit('problem', `The folder ${folders[0].name} could not be read: ${error.message}`),
      );
    });
  }

  update() {}
}

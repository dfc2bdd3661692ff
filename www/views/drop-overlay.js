// Dropping files anywhere on the page reads them, like the upload button.
import { View, h } from '../dom.js';

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
        h('p', { class: 'drop-overlay__title', text: 'Drop your length files' }),
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
      const files = [...event.dataTransfer.files];
      if (files.length) this.emit('files', files);
    });
  }

  update() {}
}

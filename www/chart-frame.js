// A chart on the page: a canvas sized in device pixels, drawn by the engine
// on the main thread, redrawn when its size, the pixel ratio or the colour
// scheme changes, and exportable as SVG or PNG. Every chart view owns one.
import { drawChart, chartSvg } from './pkg/packlab.js';
import { h } from './dom.js';
import { download } from './download.js';

/** Room above a saved chart for its title, and below it for its caption (CSS pixels). */
const TITLE_CSS = 34;
const CAPTION_CSS = 38;

/** The font of a saved chart's title and caption (the page's own, where the viewer has it). */
const EXPORT_FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Text made safe inside an SVG element. */
function escapeXml(text) {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const darkScheme = matchMedia('(prefers-color-scheme: dark)');

/**
 * Whether two pieces of chart data hold the same figures. Views build
 * fresh arrays and objects on every update around results that stay the
 * same, so identity alone would redraw charts for nothing.
 */
function sameData(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => sameData(a[key], b[key]));
}

export class ChartFrame {
  /** `kind`: the engine's chart name; `testId`: the canvas's data-testid. */
  constructor(kind, { testId, label }) {
    this.kind = kind;
    this.data = null;
    /** The data on the canvas now: null until drawn, and while cleared. */
    this.drawnData = null;
    this.frame = 0;
    /** Called when the chart gains or loses its data (e.g. to enable its save buttons). */
    this.onDataChange = [];
    /** Called after each drawing of data on the canvas. */
    this.onDraw = [];
    this.canvas = h('canvas', {
      role: 'img',
      'aria-label': label,
      'data-testid': testId,
      width: 1,
      height: 1,
    });
    this.message = h('p', { class: 'chart__message', hidden: true });
    this.element = h('div', { class: `chart chart--${kind}` }, this.canvas, this.message);
    /**
     * The chart's size in CSS pixels, as the last layout left it: null until
     * first laid out, 0 × 0 while hidden. Drawing reads it from here rather
     * than from the element, because asking the element forces a layout in
     * the middle of the page's updates: with several charts drawing one
     * after another, those forced layouts took a quarter of a second of the
     * first render.
     */
    this.size = null;
    new ResizeObserver(([entry]) => {
      const box = entry.contentBoxSize?.[0];
      const width = box ? box.inlineSize : entry.contentRect.width;
      const height = box ? box.blockSize : entry.contentRect.height;
      this.size = { width: Math.round(width), height: Math.round(height) };
      this.schedule();
    }).observe(this.element);
    darkScheme.addEventListener('change', () => this.schedule());
    this.watchPixelRatio();
  }

  /**
   * Draws `data`, the chart's own piece of the engine's answers (see the
   * engine's `drawChart`), or nothing for null; `label` describes it for
   * screen readers. The chart is redrawn only when its figures changed.
   */
  show(data, label) {
    this.canvas.setAttribute('aria-label', label);
    if (sameData(data, this.data)) return;
    this.data = data;
    this.element.classList.toggle('has-data', data !== null);
    for (const listener of this.onDataChange) listener();
    this.schedule();
  }

  /** Dims the chart while it shows figures that are being recomputed. */
  setStale(stale) {
    this.element.classList.toggle('is-stale', stale);
  }

  /** Shows a note over the chart in place of a drawing (e.g. "computing…"). */
  setNote(text) {
    this.message.textContent = text ?? '';
    this.message.hidden = !text;
  }

  // Zooming changes devicePixelRatio; a media query on the current ratio
  // fires once when it changes, so it is set up again each time.
  watchPixelRatio() {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    query.addEventListener(
      'change',
      () => {
        this.schedule();
        this.watchPixelRatio();
      },
      { once: true },
    );
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** The size to draw at, in CSS pixels (at least 1 × 1). */
  cssSize() {
    return { width: Math.max(1, this.size?.width ?? 1), height: Math.max(1, this.size?.height ?? 1) };
  }

  /** Whether the chart is laid out and visible, so that a drawing would be seen. */
  get visible() {
    return this.size !== null && this.size.width > 0 && this.size.height > 0;
  }

  options() {
    return { dark: darkScheme.matches, pixel_ratio: window.devicePixelRatio || 1 };
  }

  draw() {
    const { width, height } = this.cssSize();
    const ratio = window.devicePixelRatio || 1;
    const pixelWidth = Math.round(width * ratio);
    const pixelHeight = Math.round(height * ratio);
    // Assigning a size clears the canvas, even to the same value.
    this.canvas.width = pixelWidth;
    this.canvas.height = pixelHeight;
    this.drawnData = null;
    if (!this.data || !this.visible) return;
    try {
      drawChart(this.canvas, this.kind, this.data, this.options());
      this.element.classList.remove('has-error');
    } catch (error) {
      this.element.classList.add('has-error');
      this.setNote(`This chart could not be drawn: ${error.message}`);
      return;
    }
    this.drawnData = this.data;
    for (const listener of this.onDraw) listener();
  }

  /** Whether there is a chart to export. */
  get ready() {
    return this.data !== null;
  }

  /** The colours of the chart's card: its background and its text. */
  colours() {
    const style = getComputedStyle(this.element);
    return {
      background: style.getPropertyValue('--surface').trim() || '#ffffff',
      text: style.getPropertyValue('--text').trim() || '#1f2328',
      muted: style.getPropertyValue('--muted').trim() || '#58616c',
    };
  }

  /**
   * Saves the chart as SVG, at its size on screen, in the current colour
   * scheme, with `title` above it and the lines of `caption` (the data and
   * settings) below.
   */
  downloadSvg(stem, { title, caption }) {
    const { width, height } = this.cssSize();
    const chart = chartSvg(this.kind, this.data, { ...this.options(), pixel_ratio: 1 }, width, height);
    const { background, text, muted } = this.colours();
    const total = height + TITLE_CSS + CAPTION_CSS;
    // The chart's own <svg> nests inside, moved down below the title.
    const nested = chart.replace(/^(\s*(?:<\?xml[^>]*>\s*)?<svg\b)/, `$1 x="0" y="${TITLE_CSS}"`);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">` +
      `<rect width="100%" height="100%" fill="${background}"/>` +
      `<text x="12" y="24" font-family="${EXPORT_FONT}" font-size="16" font-weight="700" fill="${text}">${escapeXml(title)}</text>` +
      nested.replace(/^\s*<\?xml[^>]*>/, '') +
      caption
        .map((line, index) => `<text x="12" y="${total - 24 + 15 * index}" font-family="${EXPORT_FONT}" font-size="11" fill="${muted}">${escapeXml(line)}</text>`)
        .join('') +
      '</svg>';
    download(new Blob([svg], { type: 'image/svg+xml' }), `${stem}.svg`);
  }

  /** Saves the canvas as PNG, at device resolution, with `title` above and `caption` below. */
  async downloadPng(stem, { title, caption }) {
    this.draw();
    const ratio = this.canvas.width / Math.max(1, this.cssSize().width);
    const page = document.createElement('canvas');
    page.width = this.canvas.width;
    page.height = this.canvas.height + Math.round((TITLE_CSS + CAPTION_CSS) * ratio);
    const context = page.getContext('2d');
    const { background, text, muted } = this.colours();
    context.fillStyle = background;
    context.fillRect(0, 0, page.width, page.height);
    context.fillStyle = text;
    context.font = `700 ${16 * ratio}px ${EXPORT_FONT}`;
    context.fillText(title, 12 * ratio, 24 * ratio);
    context.drawImage(this.canvas, 0, Math.round(TITLE_CSS * ratio));
    context.fillStyle = muted;
    context.font = `${11 * ratio}px ${EXPORT_FONT}`;
    caption.forEach((line, index) => context.fillText(line, 12 * ratio, page.height + (15 * index - 24) * ratio));
    const blob = await new Promise((resolve) => page.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the browser could not turn the chart into a PNG');
    download(blob, `${stem}.png`);
  }
}

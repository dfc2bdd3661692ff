// The frame shared by Packlab's result views: a titled section, a one-line
// lede, and the buttons that save its chart.
import { h, uniqueId } from './dom.js';
import { fileStem } from './download.js';

/** A result section: returns {element, heading, lede, tools, body}. */
export function resultSection({ id, title, lede = '' }) {
  const headingId = uniqueId(`${id}-heading`);
  const heading = h('h2', { id: headingId, class: 'card__title', text: title });
  const ledeElement = h('p', { class: 'card__lede', text: lede });
  const tools = h('div', { class: 'card__tools' });
  const body = h('div', { class: 'card__body' });
  const element = h(
    'section',
    { class: 'card', id, 'aria-labelledby': headingId },
    h('header', { class: 'card__header' }, h('div', { class: 'card__heading' }, heading, ledeElement), tools),
    body,
  );
  return { element, heading, lede: ledeElement, tools, body };
}

/** The base name of a saved chart: packlab-histogram-qa-finetuning-384-max-len-384. */
export function chartStem(model, kind) {
  const dataset = model.dataset;
  return fileStem('packlab', kind, dataset?.preset ?? 'data', `max-len-${model.settings.maxLen}`);
}

/**
 * SVG and PNG buttons for a chart. `stem()` gives the file name when
 * clicked; `name` says which chart for screen readers.
 */
export function chartDownloads(frame, name, stem) {
  const save = async (format) => {
    if (!frame.ready) return;
    try {
      if (format === 'svg') frame.downloadSvg(stem());
      else await frame.downloadPng(stem());
    } catch (error) {
      frame.setNote(`Could not save the chart: ${error.message}`);
    }
  };
  const buttons = [
    h('button', { type: 'button', class: 'button button--small', 'aria-label': `Save the ${name} chart as SVG`, disabled: true, onclick: () => save('svg') }, 'SVG'),
    h('button', { type: 'button', class: 'button button--small', 'aria-label': `Save the ${name} chart as PNG`, disabled: true, onclick: () => save('png') }, 'PNG'),
  ];
  frame.onDataChange.push(() => {
    for (const button of buttons) button.disabled = !frame.ready;
  });
  return h('div', { class: 'chart-downloads', role: 'group', 'aria-label': `Save the ${name} chart` }, buttons);
}

/** A "show the numbers" disclosure holding a view's full table. */
export function tableDisclosure(summary, ...content) {
  return h('details', { class: 'disclosure' }, h('summary', {}, summary), ...content);
}

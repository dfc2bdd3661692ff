// The frame shared by Packlab's result views: a titled section, a one-line
// lede, and the buttons that save its chart.
import { h, uniqueId } from './dom.js';
import { fileStem } from './download.js';
import { formatCount } from './format.js';
import { DEFAULT_PER_PACK } from './settings.js';

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

/**
 * What a saved chart carries: its file's base name
 * (packlab-histogram-qa-finetuning-384-max-len-384) and a caption of two
 * lines naming the data and the settings it shows, so that a chart pasted into a
 * report still says what it is.
 */
export function chartExport(model, kind) {
  const { dataset, settings } = model;
  const stem = fileStem('packlab', kind, dataset?.preset ?? 'data', `max-len-${settings.maxLen}`);
  let perPack = 'default (no limit, NNLSHP 3)';
  if (settings.maxPerPack === null) perPack = 'no limit';
  else if (settings.maxPerPack !== DEFAULT_PER_PACK) perPack = `at most ${settings.maxPerPack}`;
  // Two lines: the data, then the settings.
  const caption = [
    `${dataset?.label ?? 'Your data'} · Packlab`,
    `max_len ${formatCount(settings.maxLen)} · sequences per pack: ${perPack} · over max_len: ${settings.overlong}`,
  ];
  return { stem, caption };
}

/**
 * SVG and PNG buttons for a chart. `describe()` gives the file's name and
 * caption when clicked (see chartExport); the chart's title is its
 * section's; `name` says which chart for screen readers.
 */
export function chartDownloads(frame, name, describe) {
  const save = async (format) => {
    if (!frame.ready) return;
    const { stem, caption } = describe();
    const title = frame.element.closest('section')?.querySelector('.card__title')?.textContent ?? name;
    try {
      if (format === 'svg') frame.downloadSvg(stem, { title, caption });
      else await frame.downloadPng(stem, { title, caption });
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

// A small helper to build the page's elements without a framework.

/**
 * Creates an element. `attributes` may hold `class`, `text`, `dataset`
 * (an object), `on…` event listeners, booleans (present when true) and any
 * other attribute; `children` are nodes or strings (null and false skipped,
 * arrays flattened).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

/** Appends nodes and strings, skipping null and false, flattening arrays. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child);
  }
}

/** A fresh id for label/aria wiring, unique on the page. */
let nextId = 0;
export function uniqueId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** Sets or removes an element's text without touching it when unchanged. */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** A view's base: an element, and events to the controller. */
export class View extends EventTarget {
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// Saves what Packlab made (plans, tables, charts) as files, through Blob
// URLs: nothing leaves the machine.
import { h } from './dom.js';

/** Offers `blob` to the user as a file named `filename`. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download once click() returns; the URL
  // is kept a little longer for browsers that read it later.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** A file name from parts: "packlab", "plan", "NNLSHP", "384" → "packlab-plan-nnlshp-384". */
export function fileStem(...parts) {
  return parts
    .filter((part) => part !== null && part !== undefined && part !== '')
    .map((part) =>
      String(part)
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean)
    .join('-')
    .slice(0, 120);
}

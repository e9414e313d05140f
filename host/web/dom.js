// Building DOM nodes without HTML strings: text always goes in as text. The one exception,
// `setSanitizedHtml`, takes only `content_html` fields the server rendered and sanitised.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'readOnly']);

/** Creates an element: `h('button', {class: 'x', onClick: fn}, 'Text', child, [more])`. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), nodes and nested arrays; skips null and false. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Inserts HTML the server produced with its allow-list sanitiser (a `content_html` field). */
export function setSanitizedHtml(el, html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  el.replaceChildren(template.content);
}

let ids = 0;
/** A unique element id. */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form field; returns {row, input, error}. The error text sits beside the field. */
export function field(label, props = {}, kind = 'input') {
  const id = uid('f');
  const errorId = `${id}-error`;
  const input = h(kind, { id, 'aria-describedby': errorId, ...props });
  const error = h('p', { class: 'field-error', id: errorId, role: 'alert' });
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), input, error);
  return { row, input, error };
}

/**
 * Shows an API error: beside the field it names when the form has it (a key inside a field, such
 * as `plugin_config.colour`, beside that field), else in `general`.
 */
export function showError(err, fields, general) {
  for (const f of Object.values(fields)) {
    f.error.textContent = '';
    f.input.removeAttribute('aria-invalid');
  }
  if (general) general.textContent = '';
  if (!err) return;
  const target = err.field && (fields[err.field] ?? fields[err.field.split(/[.[]/)[0]]);
  if (target) {
    target.error.textContent = err.message;
    target.input.setAttribute('aria-invalid', 'true');
    target.input.focus();
  } else if (general) {
    general.textContent = err.message;
  }
}

/** A modal confirmation (<dialog> keeps focus inside); resolves to true when confirmed. */
export function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': titleId });
    const done = (ok) => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    append(dialog, [
      h('h2', { id: titleId }, title),
      h('p', null, text),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onClick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onClick: () => done(true) }, confirmLabel)),
    ]);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A short local date and time. */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

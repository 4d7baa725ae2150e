// The API reference: renders /openapi/v1.json (tags, operations, parameters, bodies with their examples, every answer)
// and lets a signed-in user send a request. Everything from the document reaches the page as text, never as markup.
import { enableForms, h, initSignIn, replace, token } from './common.js';

const $ = (id) => document.getElementById(id);

let doc = null;

/** Follows a local $ref (#/components/schemas/X). */
function resolve(schema) {
  let current = schema ?? {};
  for (let i = 0; i < 10 && current.$ref; i += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = doc.components?.schemas?.[name] ?? {};
  }
  return current;
}

function refName(schema) {
  return schema?.$ref ? schema.$ref.replace('#/components/schemas/', '') : null;
}

/** "string (date-time) · pattern … · one of a, b · ≤ 64": what a value must be, in one line. */
function describeType(schema) {
  const s = resolve(schema);
  const types = Array.isArray(s.type) ? s.type : [s.type ?? (s.properties ? 'object' : 'any')];
  const parts = [types.filter((t) => t !== 'null').join(' | ') + (types.includes('null') ? ' | null' : '')];
  if (s.type === 'array' || types.includes('array')) parts[0] = `array of ${describeType(s.items ?? {})}`;
  if (refName(schema)) parts.push(refName(schema));
  if (s.format) parts.push(`(${s.format})`);
  if (s.enum) parts.push(`one of ${s.enum.filter((v) => v !== null).join(', ')}`);
  if (s.pattern) parts.push(`pattern ${s.pattern}`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? ''}…${s.maximum ?? ''}`);
  return parts.join(' · ');
}

/** The fields of an object schema, nested objects indented by their path. */
function fieldRows(schema, prefix = '', depth = 0) {
  const s = resolve(schema);
  const target = s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array')) ? resolve(s.items) : s;
  if (!target.properties || depth > 4) return [];
  const required = new Set(target.required ?? []);
  return Object.entries(target.properties).flatMap(([name, property]) => [
    h('tr', {},
      h('td', {}, h('code', {}, `${prefix}${name}`)),
      h('td', {}, required.has(name) ? '必須 required' : ''),
      h('td', {}, describeType(property)),
      h('td', {}, resolve(property).description ?? '')),
    ...fieldRows(property, `${prefix}${name}${resolve(property).items ? '[]' : ''}.`, depth + 1),
  ]);
}

function fieldsTable(schema, caption) {
  const rows = fieldRows(schema);
  if (rows.length === 0) return h('p', { class: 'note' }, `${caption}: ${describeType(schema)}`);
  return h('table', { class: 'fields' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, ''), h('th', {}, 'Type'), h('th', {}, 'Description'))),
    h('tbody', {}, rows));
}

function operationView(path, method, op) {
  const parameters = op.parameters ?? [];
  const body = op.requestBody?.content ?? {};
  const mediaTypes = Object.keys(body);
  const inputs = new Map();
  const bodyInput = h('textarea', { class: 'body', rows: 8, spellcheck: 'false', 'aria-label': `${op.operationId} body` });
  const mediaSelect = mediaTypes.length > 1
    ? h('select', { 'aria-label': 'Content-Type' }, mediaTypes.map((m) => h('option', { value: m }, m)))
    : null;
  const showExample = () => {
    const example = body[mediaSelect ? mediaSelect.value : mediaTypes[0]]?.example;
    bodyInput.value = example === undefined ? '' : typeof example === 'string' ? example : JSON.stringify(example, null, 2);
  };
  if (mediaSelect) mediaSelect.addEventListener('change', showExample);
  showExample();
  const answer = h('div', { class: 'answer', role: 'status' });

  const send = async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    for (const parameter of parameters) {
      const value = inputs.get(parameter.name).value.trim();
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else if (value !== '') query.set(parameter.name, value);
    }
    const headers = {};
    const bearer = token.get();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const init = { method: method.toUpperCase(), headers, cache: 'no-store', credentials: 'omit' };
    if (mediaTypes.length > 0 && bodyInput.value.trim() !== '') {
      headers['Content-Type'] = mediaSelect ? mediaSelect.value : mediaTypes[0];
      init.body = bodyInput.value;
    }
    const target = query.size > 0 ? `${url}?${query}` : url;
    try {
      const response = await fetch(target, init);
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: shown as sent */ }
      replace(answer,
        h('p', { class: 'answer-status', dataset: { status: response.status } }, `${response.status} ${response.statusText}`,
          h('span', { class: 'note' }, `  ${response.headers.get('Content-Type') ?? ''}`)),
        h('pre', { class: 'pre mono' }, shown));
    } catch (error) {
      replace(answer, h('p', { class: 'problem' }, `network error: ${error}`));
    }
  };

  return h('details', { class: 'operation', id: op.operationId, dataset: { operationId: op.operationId } },
    h('summary', {},
      h('span', { class: `method method-${method}` }, method.toUpperCase()), ' ',
      h('code', {}, path), ' — ', op.summary ?? '',
      h('span', { class: 'note' }, `  ${op.operationId}`)),
    h('div', { class: 'pre' }, op.description ?? ''),
    parameters.length === 0 ? null : h('table', {},
      h('caption', {}, 'Parameters'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'In'), h('th', {}, ''), h('th', {}, 'Type'), h('th', {}, 'Description'))),
      h('tbody', {}, parameters.map((p) => h('tr', {},
        h('td', {}, h('code', {}, p.name)), h('td', {}, p.in), h('td', {}, p.required ? '必須 required' : ''),
        h('td', {}, describeType(p.schema)), h('td', {}, p.description ?? ''))))),
    mediaTypes.map((m) => fieldsTable(body[m].schema, `Request body (${m})`)),
    h('table', {},
      h('caption', {}, 'Answers'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Status'), h('th', {}, 'Meaning'), h('th', {}, 'Content'))),
      h('tbody', {}, Object.entries(op.responses ?? {}).map(([status, r]) => h('tr', { class: 'response' },
        h('td', {}, status), h('td', {}, r.description ?? ''),
        h('td', {}, Object.entries(r.content ?? {}).map(([m, c]) => h('div', {}, h('code', {}, m), ' ', refName(c.schema) ?? describeType(c.schema)))))))),
    h('form', { class: 'query try', method: 'post', autocomplete: 'off', novalidate: true, onsubmit: send },
      parameters.map((p) => {
        const input = h('input', { type: 'text', 'aria-label': p.name, spellcheck: 'false' });
        inputs.set(p.name, input);
        return h('div', { class: 'field' }, h('label', {}, `${p.name} (${p.in})`), input);
      }),
      mediaTypes.length === 0 ? null : h('div', { class: 'field' }, h('label', {}, 'Body ', mediaSelect), bodyInput),
      h('button', { type: 'submit', 'data-js': true }, '送信 Send')),
    answer);
}

async function load() {
  const response = await fetch('/openapi/v1.json', { cache: 'no-store', credentials: 'omit' });
  doc = await response.json();
  $('about-title').textContent = `${doc.info.title} ${doc.info.version}`;
  $('api-description').textContent = doc.info.description ?? '';
  const byTag = new Map((doc.tags ?? []).map((t) => [t.name, { tag: t, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, operations: [] });
      byTag.get(tag).operations.push(operationView(path, method, op));
    }
  }
  replace($('tags'), h('ul', { class: 'plain tag-list' },
    [...byTag.values()].map(({ tag }) => h('li', {}, h('a', { href: `#tag-${tag.name}` }, tag.name), ' — ', tag.description ?? ''))));
  replace($('operations'), [...byTag.values()].map(({ tag, operations }) => h('section', { class: 'tag', id: `tag-${tag.name}` },
    h('h2', {}, tag.name), h('p', { class: 'note' }, tag.description ?? ''), operations)));
  enableForms();
}

initSignIn(['institution', 'nws', 'mynaportal', 'auditor', 'incident-responder']);
enableForms();
load();

// Shared by the three pages: the token bar, calls to the API, problem display, JST times and DOM building.
// Every value from the API reaches the page as text (textContent / text nodes), never as markup.

const TOKEN_KEY = 'provision-ledger.token';

/** The bearer token lives in this tab's sessionStorage only; nothing else is ever stored by these pages. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Creates an element; children that are strings or numbers become text nodes, null/undefined/false are skipped. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/** "2025-05-01 09:00:05 +09:00": every time on these pages is shown in Japan time, with the offset. */
export function jst(iso) {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const j = new Date(d.getTime() + 9 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${j.getUTCFullYear()}-${p(j.getUTCMonth() + 1)}-${p(j.getUTCDate())} ${p(j.getUTCHours())}:${p(j.getUTCMinutes())}:${p(j.getUTCSeconds())} +09:00`;
}

/**
 * A date input as an explicit moment of that Japanese day: its first, or its last. Most routes read a bare date as a
 * whole JST day themselves; GET /api/v1/audit/access binds from/to as plain times, so the page spells the bounds out.
 */
export function jstDayBound(input, end) {
  const value = text(input);
  if (value === null) return null;
  return end ? `${value}T23:59:59.9999999+09:00` : `${value}T00:00:00+09:00`;
}

/** A datetime-local input read as Japan time. */
export function jstMoment(value) {
  if (!value) return null;
  return `${value.length === 16 ? `${value}:00` : value}+09:00`;
}

/** Trimmed text of an input, or null when empty. */
export function text(input) {
  const value = input.value.trim();
  return value === '' ? null : value;
}

export function yesNo(value) {
  return value ? 'はい' : 'いいえ';
}

const STATUS_TEXT = {
  400: '入力に誤りがあります (Bad Request)',
  401: '認証されていません：トークンがない、期限切れ、または署名が正しくありません (Unauthorized)',
  403: 'このトークンのロールでは利用できません (Forbidden)',
  404: '見つかりません (Not Found)',
  409: '台帳の記録と競合します (Conflict)',
  422: '台帳の記録と矛盾します (Unprocessable)',
  503: 'サービスが利用できません (Service Unavailable)',
};

/**
 * Calls the API with the token from the token bar. A call without a token is still sent, so that the user sees the
 * service's own 401 problem rather than a guess made by the page.
 * Returns { ok, status, data, problem }: data is the parsed JSON (or text), problem the problem+json of a failure.
 */
export async function api(method, path, { query, body, accept = 'application/json' } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: accept };
  const bearer = token.get();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { ok: false, status: 0, problem: { title: 'サービスに接続できません (network error)', detail: String(error) } };
  }

  const type = response.headers.get('Content-Type') ?? '';
  let data = null;
  if (type.includes('json')) {
    data = await response.json().catch(() => null);
  } else if (accept !== 'application/json') {
    data = await response.text();
  }
  if (response.ok) return { ok: true, status: response.status, data, response };
  const problem = type.includes('json') && data ? data : { title: response.statusText };
  return { ok: false, status: response.status, problem };
}

/** Shows a failed call: the status explained, the problem's title and detail, and every field it names. */
export function showProblem(container, result) {
  const problem = result.problem ?? {};
  const errors = problem.errors && typeof problem.errors === 'object' ? Object.entries(problem.errors) : [];
  replace(container, h('div', { class: 'problem', role: 'alert', dataset: { status: result.status } },
    h('p', { class: 'problem-status' }, result.status ? `${result.status} ` : '', STATUS_TEXT[result.status] ?? ''),
    problem.title ? h('p', { class: 'problem-title' }, problem.title) : null,
    problem.detail ? h('p', { class: 'problem-detail' }, problem.detail) : null,
    errors.length === 0 ? null : h('dl', { class: 'problem-errors' },
      errors.map(([field, messages]) => [
        h('dt', { class: 'problem-field' }, field),
        (Array.isArray(messages) ? messages : [messages]).map((m) => h('dd', {}, String(m))),
      ]))));
}

export function showMessage(container, message) {
  replace(container, h('p', { class: 'message', role: 'status' }, message));
}

/**
 * A table from column definitions ({ label, en, value(row) → string | Node | array }) and rows. Values are text or
 * nodes built with h(); nothing is parsed as HTML.
 */
export function table(columns, rows, { caption, rowClass } = {}) {
  return h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label, c.en ? h('span', { class: 'en' }, c.en) : null)))),
    h('tbody', {}, rows.map((row) => h('tr', { class: rowClass?.(row) }, columns.map((c) => h('td', {}, c.value(row)))))));
}

/** A definition list from [label, value] pairs. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

function decodePayload(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/**
 * Wires the token bar at the top of a page. The role shown is read from the token without checking its signature:
 * it is a hint for the user; the service decides.
 */
export function initSignIn(expectedRoles) {
  const input = document.getElementById('token');
  const status = document.getElementById('token-status');
  const describe = () => {
    const bearer = token.get();
    if (!bearer) {
      status.textContent = 'トークン未設定 (no token): 呼び出しは 401 になります';
      return;
    }
    const claims = decodePayload(bearer);
    if (!claims) {
      status.textContent = 'トークンを設定済み（内容を読めません）';
      return;
    }
    const parts = [`ロール role: ${claims.role ?? '?'}`];
    if (claims.inst) parts.push(`機関 inst: ${claims.inst}`);
    if (claims.exp) parts.push(`有効期限 expires: ${jst(new Date(claims.exp * 1000).toISOString())}`);
    if (claims.role && !expectedRoles.includes(claims.role)) parts.push(`このページは ${expectedRoles.join(' / ')} 用です`);
    status.textContent = parts.join('　');
  };
  document.getElementById('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) token.set(value);
    else token.clear();
    input.value = '';
    describe();
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    token.clear();
    input.value = '';
    describe();
  });
  describe();
}

/**
 * A listing paged by opaque cursor: remembers the query of the first page, fetches the next one with "次へ".
 * load(cursor) performs the call and renders; it returns the next cursor or null.
 */
export function pager(nextButton, pageLabel, load) {
  let next = null;
  let page = 0;
  const show = () => {
    nextButton.hidden = next === null;
    pageLabel.textContent = page > 0 ? `${page} ページ目` : '';
  };
  nextButton.addEventListener('click', async () => {
    if (next === null) return;
    const cursor = next;
    const result = await load(cursor);
    if (result !== undefined) {
      next = result;
      page += 1;
    }
    show();
  });
  return {
    async first() {
      next = null;
      page = 0;
      show();
      const result = await load(null);
      if (result !== undefined) {
        next = result;
        page = 1;
      }
      show();
    },
    reset() {
      next = null;
      page = 0;
      show();
    },
  };
}

/**
 * The forms' buttons are disabled in the HTML and enabled here: without scripts no form can be submitted at all, so a
 * browser with JavaScript off never sends what was typed (a My Number, a token) anywhere.
 */
export function enableForms() {
  for (const button of document.querySelectorAll('button[data-js]')) button.disabled = false;
}

/** Holds a field's value only while the page is shown: cleared before the page goes into history or the back-forward cache. */
export function forgetOnLeave(...inputs) {
  window.addEventListener('pagehide', () => {
    for (const input of inputs) input.value = '';
  });
}

/** Japanese names of the ledger's codes, for display; an unknown code is shown as it is. */
export const names = {
  method: {
    'applicant-provided': '本人からの個人番号の提供',
    'jlis-4-items': '住基ネット照会（基本4情報）',
    'jlis-3-items': '住基ネット照会（3情報）',
    'resident-registry': '住基システムによる確認',
    'employer-provided': '事業主等からの提供',
    'mislinkage-correction': '紐付け誤りの訂正',
  },
  queryItem: { kanjiName: '漢字氏名', kanaName: 'カナ氏名', dateOfBirth: '生年月日', sex: '性別', address: '住所' },
  result: { provided: '提供済み', 'no-data': '該当なし', error: 'エラー' },
  correction: { 'wrong-subject': '照会対象者誤り', 'wrong-procedure': '事務手続誤り', 'mis-linkage': '紐付け誤り', other: 'その他' },
  linkageEvent: {
    'subject-linked': '紐付け',
    'linkage-verified': '点検（一致）',
    'linkage-discrepancy-found': '点検（不一致）',
    'mislinkage-confirmed': '紐付け誤りの確定',
    'subject-unlinked': '紐付けの終了',
  },
  linkageStatus: { active: '有効', unlinked: '終了', mislinked: '紐付け誤り', 'never-linked': '未紐付け' },
  role: { inquirer: '情報照会者', provider: '情報提供者' },
};

export function nameOf(table, code) {
  if (code === null || code === undefined) return '—';
  return table[code] ? `${table[code]} (${code})` : String(code);
}

// The Mynaportal-style view: a portal operator searches one person's 情報提供等の記録.
// The My Number is read from the field when the search is made and kept in this module's memory only (the next page
// must send it again); it is never put in a URL, the history, storage or the title.
import { api, enableForms, forgetOnLeave, h, initSignIn, jst, pager, replace, showMessage, showProblem, table, text } from './common.js';

const ROUTE = '/api/v1/mynaportal/records/search';

const RESULTS = { provided: '提供済み', 'no-data': '該当なし', error: 'エラー' };

const CORRECTION_KINDS = {
  'wrong-subject': '照会対象者誤り',
  'wrong-procedure': '事務手続誤り',
  'mis-linkage': '紐付け誤り',
  other: 'その他',
};

const $ = (id) => document.getElementById(id);
const myNumber = $('my-number');
const viewerKind = $('viewer-kind');
const proxyId = $('proxy-id');
const outcome = $('outcome');
const records = $('records');

/** The search being paged: its body without the cursor. Memory only. */
let current = null;

const columns = [
  { label: '照会日時', en: 'Requested', value: (r) => jst(r.requestedAt) },
  { label: '提供日時', en: 'Provided', value: (r) => jst(r.providedAt) },
  { label: '照会機関', en: 'Inquirer', value: (r) => r.inquirerName },
  { label: '提供機関', en: 'Provider', value: (r) => r.providerName },
  { label: '事務', en: 'Procedure', value: (r) => r.procedureName },
  { label: '特定個人情報の項目', en: 'Information item', value: (r) => r.infoItemName },
  { label: '結果', en: 'Result', value: (r) => RESULTS[r.result] ?? (r.result ?? '未提供') },
  {
    label: '追記',
    en: 'Corrections',
    value: (r) => (r.corrections.length === 0
      ? '—'
      : h('ul', { class: 'plain corrections' }, r.corrections.map((c) => h('li', {},
        `【${CORRECTION_KINDS[c.kind] ?? c.kind}】${c.note}（${jst(c.occurredAt)}）`)))),
  },
];

async function load(cursor) {
  const result = await api('POST', ROUTE, { body: { ...current, cursor } });
  if (!result.ok) {
    showProblem(outcome, result);
    records.replaceChildren();
    return undefined;
  }
  const page = result.data;
  if (page.items.length === 0) {
    showMessage(outcome, '表示できる記録はありません。(No records to show.)');
    records.replaceChildren();
  } else {
    showMessage(outcome, `${page.items.length} 件を表示しています（新しい順）。(${page.items.length} records, newest first.)`);
    replace(records, table(columns, page.items, { caption: '情報提供等の記録 (records of information provision)' }));
  }
  return page.nextCursor ?? null;
}

const pages = pager($('next'), $('page-label'), load);

function pageSize() {
  const value = text($('page-size'));
  return value === null ? null : Number(value);
}

$('search').addEventListener('submit', async (event) => {
  event.preventDefault();
  const viewer = viewerKind.value === 'proxy' ? { kind: 'proxy', proxyId: text(proxyId) } : { kind: 'self' };
  current = {
    myNumber: myNumber.value.trim(),
    viewer,
    from: text($('from')),
    to: text($('to')),
    institutionCode: text($('institution')),
    procedureCode: text($('procedure')),
    infoItemCode: text($('item')),
    pageSize: pageSize(),
  };
  await pages.first();
});

function resetView() {
  current = null;
  $('search').reset();
  proxyId.disabled = true;
  outcome.replaceChildren();
  records.replaceChildren();
  pages.reset();
}

$('reset-button').addEventListener('click', resetView);

viewerKind.addEventListener('change', () => {
  proxyId.disabled = viewerKind.value !== 'proxy';
});

// Leaving the page (or putting it in the back-forward cache) forgets the search, the number and what was shown.
window.addEventListener('pagehide', resetView);
forgetOnLeave(myNumber, proxyId);
initSignIn(['mynaportal']);
enableForms();

// The auditor console: checkpoints and inclusion proofs of the hash chain, reconciliation of the three copies, party
// copies, a record's append history and the read-access log. A person's reads are searched with the My Number in the
// request body; the number is kept in this module's memory only, for the next page.
import {
  api, enableForms, facts, forgetOnLeave, h, initSignIn, jst, jstDayBound, nameOf, names, pager, replace, showMessage, showProblem,
  table, text, yesNo,
} from './common.js';

const $ = (id) => document.getElementById(id);
const mono = (value) => h('code', {}, value ?? '—');

// ---- checkpoints ---------------------------------------------------------------------------------------------------

const checkpointView = $('checkpoint-view');

function renderCheckpoint(c, heading) {
  replace(checkpointView,
    h('h3', {}, heading),
    facts([
      ['番号 Id', h('span', { id: 'checkpoint-shown-id' }, c.id)],
      ['鎖の長さ Sequence (chain length)', h('span', { id: 'checkpoint-sequence' }, c.sequence)],
      ['最後の事象 Last seq_id', c.lastSeqId ?? '—'],
      ['鎖の先頭 Chain head', mono(c.chainHead)],
      ['マークル根 Merkle root', mono(c.merkleRoot)],
      ['署名日時 Signed at', jst(c.signedAt)],
      ['鍵 Key id', mono(c.keyId)],
      ['方式 Algorithm', c.algorithm],
      ['署名 Signature', mono(c.signature)],
    ]));
}

async function showCheckpoint(method, path, heading) {
  const result = await api(method, path);
  if (!result.ok) {
    if (result.status === 404 && path.endsWith('/latest')) {
      showMessage(checkpointView, 'チェックポイントはまだありません。(No checkpoint yet.)');
    } else {
      showProblem(checkpointView, result);
    }
    return;
  }
  renderCheckpoint(result.data, heading);
}

$('checkpoint-latest').addEventListener('click', () => showCheckpoint('GET', '/api/v1/audit/checkpoints/latest', '最新のチェックポイント Latest checkpoint'));
$('checkpoint-make').addEventListener('click', () => showCheckpoint('POST', '/api/v1/audit/checkpoints', '作成したチェックポイント Checkpoint made'));
$('checkpoint-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = text($('checkpoint-id'));
  if (id === null) {
    showMessage(checkpointView, '番号を入力してください。(Enter a checkpoint id.)');
    return;
  }
  await showCheckpoint('GET', `/api/v1/audit/checkpoints/${encodeURIComponent(id)}`, `チェックポイント ${id}`);
});
$('public-key').addEventListener('click', async () => {
  const result = await api('GET', '/api/v1/audit/public-key', { accept: 'application/x-pem-file' });
  if (!result.ok) {
    showProblem(checkpointView, result);
    return;
  }
  replace(checkpointView, h('h3', {}, 'チェックポイントの公開鍵 Public key (PEM)'), h('pre', { class: 'mono' }, result.data));
});

// ---- inclusion proofs ----------------------------------------------------------------------------------------------

const proofView = $('proof-view');

$('proof-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const seq = text($('proof-seq'));
  if (seq === null) {
    showMessage(proofView, '順序番号を入力してください。(Enter a sequence number.)');
    return;
  }
  const result = await api('GET', `/api/v1/audit/proofs/${encodeURIComponent(seq)}`, { query: { checkpoint: text($('proof-checkpoint')) } });
  if (!result.ok) {
    showProblem(proofView, result);
    return;
  }
  const p = result.data;
  replace(proofView,
    facts([
      ['事象 seq_id', p.seqId],
      ['鎖の位置 Position', p.position],
      ['葉 Leaf', mono(p.leaf)],
      ['葉の番号／木の大きさ Leaf index / tree size', `${p.leafIndex} / ${p.treeSize}`],
      ['チェックポイント Checkpoint', `${p.checkpoint.id}（鎖の長さ ${p.checkpoint.sequence}、マークル根 ${p.checkpoint.merkleRoot}）`],
    ]),
    h('h3', {}, '監査パス ', h('span', { class: 'en' }, 'Audit path (RFC 9162), leaf to root')),
    h('ol', { class: 'mono', id: 'proof-path' }, p.auditPath.map((node) => h('li', {}, node))),
    h('p', {}, '証明は事象の内容を含みません。事象は閲覧が記録される経路で取得し、正規化テキストの SHA-256 から葉を計算して照合してください。',
      h('span', { class: 'en' }, ' The proof carries no event data: read the event through a logged route, hash its canonical text and compare the leaf.')));
});

// ---- reconciliation ------------------------------------------------------------------------------------------------

const reconciliationView = $('reconciliation-view');

$('reconcile-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  showMessage(reconciliationView, '突合しています… (reconciling)');
  // The API checks a range of exchange streams per call; the console calls until the last range and adds them up.
  let result = await api('GET', '/api/v1/parties/reconciliation');
  if (!result.ok) {
    showProblem(reconciliationView, result);
    return;
  }
  const r = result.data;
  while (result.data.nextCursor) {
    showMessage(reconciliationView, `突合しています… ${r.exchangesChecked} 件 (reconciling)`);
    result = await api('GET', '/api/v1/parties/reconciliation', { query: { cursor: result.data.nextCursor } });
    if (!result.ok) {
      showProblem(reconciliationView, result);
      return;
    }
    const part = result.data;
    r.exchangesChecked += part.exchangesChecked;
    r.eventsReplayed += part.eventsReplayed;
    r.divergenceCount += part.divergenceCount;
    r.consistent = r.consistent && part.consistent;
    r.truncated = r.truncated || part.truncated;
    r.divergences = r.divergences.concat(part.divergences);
  }
  replace(reconciliationView,
    r.consistent
      ? h('p', { class: 'consistent', id: 'reconciliation-verdict' }, '三者の記録は一致し、事象からの再構築とも一致しています。(The three copies agree with each other and with their rebuild from the events.)')
      : h('p', { class: 'problem', id: 'reconciliation-verdict' }, `不一致が ${r.divergenceCount} 件あります。(${r.divergenceCount} divergences.)`),
    facts([
      ['確認日時 Checked at', jst(r.checkedAt)],
      ['確認した記録 Exchanges checked', h('span', { id: 'reconciliation-exchanges' }, r.exchangesChecked)],
      ['再生した事象 Events replayed', r.eventsReplayed],
      ['不一致 Divergences', `${r.divergenceCount} 件${r.truncated ? '（一部のみ表示）' : ''}`],
    ]),
    r.divergences.length === 0 ? null : table([
      { label: '処理番号', en: 'Exchange', value: (d) => mono(d.exchangeId) },
      { label: '種類', en: 'Kind', value: (d) => d.kind },
      { label: '写し', en: 'Copy', value: (d) => d.copy },
      { label: '項目', en: 'Field', value: (d) => d.field },
      { label: '期待値', en: 'Expected', value: (d) => mono(d.expected) },
      { label: '実際', en: 'Actual', value: (d) => mono(d.actual) },
    ], r.divergences));
});

// ---- party copies --------------------------------------------------------------------------------------------------

const copiesList = $('copies-list');
let copiesRequest = null;

function corrections(list) {
  return list.length === 0 ? '—' : h('ul', { class: 'plain corrections' }, list.map((c) => h('li', {}, `【${names.correction[c.kind] ?? c.kind}】${c.note}（${c.by}、${jst(c.occurredAt)}）`)));
}

const copiesPages = pager($('copies-next'), $('copies-page'), async (cursor) => {
  const result = await api('GET', copiesRequest.path, { query: { ...copiesRequest.query, cursor } });
  if (!result.ok) {
    showProblem(copiesList, result);
    return undefined;
  }
  const { items, nextCursor } = result.data;
  if (items.length === 0) {
    showMessage(copiesList, 'この条件の記録はありません。(No records.)');
    return null;
  }
  const nws = copiesRequest.party === 'nws';
  replace(copiesList, table([
    { label: '処理番号', en: 'Exchange', value: (r) => h('button', { type: 'button', class: 'link', onclick: () => showExchange(r.exchangeId) }, r.exchangeId) },
    { label: '照会機関', en: 'Inquirer', value: (r) => r.inquirerCode },
    { label: '提供機関', en: 'Provider', value: (r) => r.providerCode },
    { label: '事務手続', en: 'Procedure', value: (r) => r.procedureCode },
    { label: '項目', en: 'Item', value: (r) => r.infoItemCode },
    { label: '照会日時', en: 'Requested', value: (r) => jst(r.requestedAt) },
    { label: '提供日時', en: 'Provided', value: (r) => jst(r.providedAt) },
    { label: '結果', en: 'Result', value: (r) => nameOf(names.result, r.result) },
    nws
      ? { label: '機関別符号（照会者／提供者）', en: 'Subject codes', value: (r) => [mono(r.inquirerSubjectCode), h('br'), mono(r.providerSubjectCode)] }
      : { label: '機関別符号・宛名番号等', en: 'Own subject code, local record', value: (r) => [mono(r.subjectCode), h('br'), r.localRecordId ?? '—'] },
    { label: '追記', en: 'Corrections', value: (r) => corrections(r.corrections) },
    { label: '不開示', en: 'Non-disclosed', value: (r) => yesNo(r.nonDisclosed) },
  ], items, { caption: `${items.length} 件（照会日時の古い順）` }));
  return nextCursor ?? null;
});

$('copies-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const party = $('copies-party').value;
  const query = { from: text($('copies-from')), to: text($('copies-to')), pageSize: text($('copies-page-size')) };
  if (party === 'nws') {
    copiesRequest = { party, path: '/api/v1/parties/nws/records', query };
  } else {
    const code = text($('copies-institution'));
    if (code === null) {
      showMessage(copiesList, '機関コードを入力してください。(Enter an institution code.)');
      return;
    }
    copiesRequest = { party, path: `/api/v1/parties/${encodeURIComponent(code)}/records`, query: { ...query, role: party } };
  }
  await copiesPages.first();
});

// ---- exchange history ----------------------------------------------------------------------------------------------

const exchangeView = $('exchange-view');

const ENTRY_KINDS = {
  'inquiry-made': '情報照会',
  'information-provided': '情報提供',
  'non-disclosure-set': '不開示の設定',
  'non-disclosure-lifted': '不開示の解除',
  'correction-appended': '追記',
  'record-attributed': '本人への帰属',
};

async function showExchange(exchangeId) {
  $('exchange-id').value = exchangeId;
  const result = await api('GET', `/api/v1/exchanges/${encodeURIComponent(exchangeId)}/history`);
  if (!result.ok) {
    showProblem(exchangeView, result);
    return;
  }
  const x = result.data;
  const r = x.record;
  replace(exchangeView,
    facts([
      ['処理番号 Exchange', mono(x.exchangeId)],
      ['照会機関／提供機関 Parties', `${r.inquirerCode} → ${r.providerCode}`],
      ['事務手続／項目 Procedure / item', `${r.procedureCode} / ${r.infoItemCode}`],
      ['照会日時 Requested', jst(r.requestedAt)],
      ['提供日時 Provided', jst(r.providedAt)],
      ['結果 Result', nameOf(names.result, r.result)],
      ['不開示 Non-disclosed', yesNo(r.nonDisclosed)],
      ['追記 Corrections', `${x.corrections.length} 件`],
    ]),
    table([
      { label: '順序', en: 'Seq', value: (e) => e.sequence },
      { label: '版', en: 'Version', value: (e) => e.version },
      { label: '事象', en: 'Entry', value: (e) => nameOf(ENTRY_KINDS, e.kind) },
      { label: '業務日時', en: 'Business time', value: (e) => jst(e.businessTime) },
      { label: '記録日時', en: 'Recorded', value: (e) => jst(e.recordedAt) },
      { label: '記録者', en: 'Recorded by', value: (e) => e.recordedBy ?? '—' },
      {
        label: '内容',
        en: 'Content',
        value: (e) => [
          e.correctionKind ? `【${names.correction[e.correctionKind] ?? e.correctionKind}】` : '',
          e.note ?? '', e.result ? nameOf(names.result, e.result) : '', e.side ? ` 側: ${e.side}` : '', e.reason ? ` 理由: ${e.reason}` : '',
          e.by ? `（${e.by}）` : '',
        ].join('') || '—',
      },
    ], x.entries, { caption: '原記録と以後の全ての記入（順に） (the original entry and every later one, in order)' }));
  exchangeView.scrollIntoView();
}

$('exchange-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = text($('exchange-id'));
  if (id === null) {
    showMessage(exchangeView, '処理番号を入力してください。(Enter an exchange id.)');
    return;
  }
  await showExchange(id);
});

// ---- read-access log -----------------------------------------------------------------------------------------------

const accessList = $('access-list');
const accessMyNumber = $('access-my-number');

/** The search being paged. For a person it holds the My Number, in memory only. */
let accessSearch = null;

const accessPages = pager($('access-next'), $('access-page'), async (cursor) => {
  const result = accessSearch.person
    ? await api('POST', '/api/v1/audit/access/search', { body: { ...accessSearch.body, cursor } })
    : await api('GET', '/api/v1/audit/access', { query: { ...accessSearch.query, cursor } });
  if (!result.ok) {
    showProblem(accessList, result);
    return undefined;
  }
  const { items, nextCursor } = result.data;
  if (items.length === 0) {
    showMessage(accessList, 'この条件の閲覧の記録はありません。(No reads recorded.)');
    return null;
  }
  replace(accessList, table([
    { label: '日時', en: 'At', value: (a) => jst(a.at) },
    { label: '閲覧者', en: 'Principal', value: (a) => mono(a.principal) },
    { label: 'ロール', en: 'Role', value: (a) => a.role },
    { label: '経路', en: 'Route', value: (a) => mono(a.route) },
    { label: '対象', en: 'Resource', value: (a) => mono(a.resource) },
    { label: '機関', en: 'Institution', value: (a) => a.institutionCode ?? '—' },
    { label: '本人の記録', en: "A person's records", value: (a) => yesNo(a.personRead) },
    { label: '件数', en: 'Records', value: (a) => a.recordCount },
  ], items, { caption: `${items.length} 件（新しい順）` }));
  return nextCursor ?? null;
});

$('access-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  accessSearch = {
    person: false,
    query: {
      institutionCode: text($('access-institution')),
      principal: text($('access-principal')),
      from: jstDayBound($('access-from'), false),
      to: jstDayBound($('access-to'), true),
    },
  };
  await accessPages.first();
});

$('access-person-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  accessSearch = {
    person: true,
    body: { myNumber: accessMyNumber.value.trim(), from: text($('access-person-from')), to: text($('access-person-to')) },
  };
  await accessPages.first();
});

window.addEventListener('pagehide', () => {
  accessSearch = null;
  accessList.replaceChildren();
  accessPages.reset();
});
forgetOnLeave(accessMyNumber);
initSignIn(['auditor']);
enableForms();

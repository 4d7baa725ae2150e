// The incident console: mis-linkage incidents, their trace (SPEC §4) with the PPC report draft, the linkage risk view
// and a linkage's history as of a moment.
import {
  api, enableForms, facts, h, initSignIn, jst, jstMoment, nameOf, names, pager, replace, showMessage, showProblem,
  table, text, yesNo,
} from './common.js';

const $ = (id) => document.getElementById(id);
const TO_COMPLETE = '【要記入】';

function flag(value, yes, no) {
  return h('span', { class: value ? 'flag-yes' : 'flag-no' }, value ? yes : no);
}

function number(input) {
  const value = text(input);
  return value === null ? null : value;
}

/** Text with the draft's to-complete marks highlighted; still text nodes only. */
function withMarks(content) {
  return content.split(TO_COMPLETE).flatMap((part, i) => (i === 0 ? [part] : [h('mark', { class: 'todo' }, TO_COMPLETE), part]));
}

// ---- incident list -------------------------------------------------------------------------------------------------

const incidentList = $('incident-list');
let incidentQuery = null;

const incidentPages = pager($('incident-next'), $('incident-page'), async (cursor) => {
  const result = await api('GET', '/api/v1/incidents', { query: { ...incidentQuery, cursor } });
  if (!result.ok) {
    showProblem(incidentList, result);
    return undefined;
  }
  const { items, nextCursor } = result.data;
  if (items.length === 0) {
    showMessage(incidentList, 'この条件のインシデントはありません。(No incidents.)');
    return null;
  }
  replace(incidentList, table([
    { label: 'インシデント番号', en: 'Incident', value: (i) => h('code', {}, i.incidentId) },
    { label: '機関', en: 'Institution', value: (i) => `${i.institutionName} (${i.institutionCode})` },
    { label: '宛名番号等', en: 'Local record', value: (i) => i.localRecordId },
    { label: '発見日時', en: 'Discovered', value: (i) => [jst(i.discoveredAt), h('br'), i.discoveredBy] },
    { label: '原因', en: 'Cause', value: (i) => i.cause },
    { label: '照会／提供', en: 'As inquirer / provider', value: (i) => `${i.inquirerRecords} 件 / ${i.providerRecords} 件` },
    { label: '紐付け直し', en: 'Relinked', value: (i) => yesNo(i.relinked) },
    { label: '速報期限', en: 'Preliminary due', value: (i) => jst(i.preliminaryDueBy) },
    { label: '確報期限', en: 'Final due', value: (i) => jst(i.finalDueBy) },
    {
      label: '',
      value: (i) => h('button', { type: 'button', class: 'open-trace', dataset: { incident: i.incidentId }, onclick: () => openTrace(i.incidentId) }, '追跡 Trace'),
    },
  ], items, { caption: `インシデント ${items.length} 件（新しい順）` }));
  return nextCursor ?? null;
});

$('incident-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  incidentQuery = {
    institutionCode: text($('incident-institution')),
    from: text($('incident-from')),
    to: text($('incident-to')),
    pageSize: number($('incident-page-size')),
  };
  await incidentPages.first();
});

// ---- trace ---------------------------------------------------------------------------------------------------------

/**
 * A paged answer read to its end: the first page's fields, with the list of every page appended (the API pages a
 * trace's affected records and a linkage's events by nextCursor).
 */
async function readAll(path, query, list) {
  const first = await api('GET', path, { query });
  if (!first.ok) return first;
  let next = first.data.nextCursor;
  while (next) {
    const page = await api('GET', path, { query: { ...query, cursor: next } });
    if (!page.ok) return page;
    first.data[list] = first.data[list].concat(page.data[list]);
    next = page.data.nextCursor;
  }
  return first;
}

const traceView = $('trace-view');
const traceId = $('trace-id');
const reportOutcome = $('report-outcome');

async function openTrace(incidentId) {
  traceId.value = incidentId;
  reportOutcome.replaceChildren();
  const result = await readAll(`/api/v1/incidents/${encodeURIComponent(incidentId)}/trace`, {}, 'affectedRecords');
  if (!result.ok) {
    showProblem(traceView, result);
    return;
  }
  renderTrace(result.data);
  $('trace').scrollIntoView();
}

function renderTrace(t) {
  const v = t.viewedByWrongSubject;
  const p = t.affectedPersons;
  const c = t.cause;
  const r = t.ppcReport;
  replace(traceView,
    h('h3', {}, `インシデント ${t.incidentId}`),
    facts([
      ['機関 Institution', `${t.institution.name} (${t.institution.code})`],
      ['紐付けID Linkage', h('button', { type: 'button', class: 'link', onclick: () => showHistory(t.linkageId, null, null) }, t.linkageId)],
      ['宛名番号等 Local record', t.localRecordId],
      ['発見 Discovered', `${jst(t.discoveredAt)}（${t.discoveredBy}）`],
      ['訂正 Corrected', jst(t.correctedAt)],
      ['紐付け直し Relinked', t.relinked ? `はい（${t.correctedLinkageId}）` : 'いいえ'],
    ]),

    h('h3', {}, '影響 ', h('span', { class: 'en' }, 'Impact')),
    facts([
      ['影響を受けた記録 Affected records', h('span', { id: 'affected-record-count' }, `${t.affectedRecordCount} 件`)],
      ['影響を受けた本人の数 Persons affected', h('span', { id: 'affected-person-count' }, `${t.affectedPersonCount} 人`)],
      ['情報を受領した機関 Receiving institutions',
        t.receivingInstitutions.length === 0 ? 'なし' : h('ul', { class: 'plain' }, t.receivingInstitutions.map((i) => h('li', {}, `${i.name} (${i.code})：${i.records} 件`)))],
      ['特定個人情報の項目 Information items',
        t.infoItems.length === 0 ? 'なし' : h('ul', { class: 'plain' }, t.infoItems.map((i) => h('li', {}, `${i.name} (${i.code})：${i.records} 件`)))],
      ['露出期間 Exposure window', `${jst(t.exposureWindow.from)} 〜 ${jst(t.exposureWindow.to)}`],
      ['誤って紐付けられた者の閲覧 Viewed by the wrong person',
        h('span', { id: 'viewed-by-wrong-subject' }, flag(v.viewed, 'あり（閲覧された）', 'なし（閲覧の記録なし）'))],
      v.viewed ? ['閲覧日時 View times', h('ul', { class: 'plain', id: 'view-times' }, v.viewTimes.map((at) => h('li', {}, jst(at))))] : null,
      ['表示された記録 Records seen', `${v.recordsSeen} 件（${jst(v.watchedFrom)} 〜 ${jst(v.watchedUntil)} の閲覧を確認）`],
      ['訂正後の閲覧 Views after correction', `${v.viewsAfterCorrection} 回`],
    ]),

    h('h3', {}, '影響を受けた記録 ', h('span', { class: 'en' }, 'Affected records')),
    table([
      { label: '処理番号', en: 'Exchange', value: (a) => h('code', {}, a.exchangeId) },
      { label: '当機関の立場', en: 'Role', value: (a) => nameOf(names.role, a.role) },
      { label: '相手機関', en: 'Other party', value: (a) => `${a.otherParty.name} (${a.otherParty.code})` },
      { label: '事務手続', en: 'Procedure', value: (a) => a.procedure.name },
      { label: '特定個人情報の項目', en: 'Item', value: (a) => a.infoItem.name },
      { label: '照会日時', en: 'Requested', value: (a) => jst(a.requestedAt) },
      { label: '提供日時', en: 'Provided', value: (a) => jst(a.providedAt) },
      { label: '結果', en: 'Result', value: (a) => nameOf(names.result, a.result) },
      { label: '情報の提供', en: 'Information moved', value: (a) => yesNo(a.informationProvided) },
      { label: '発見後', en: 'After discovery', value: (a) => yesNo(a.afterDiscovery) },
    ], t.affectedRecords, { caption: `${t.affectedRecords.length} 件` }),

    h('h3', {}, '本人への通知先 ', h('span', { class: 'en' }, 'Where each affected person can be reached (never named here)')),
    table([
      { label: '本人', en: 'Person', value: (n) => (n.person === 'true-owner' ? '記録の本人 (true owner)' : '誤って紐付けられた者 (wrongly linked person)') },
      { label: '機関', en: 'Institution', value: (n) => `${n.institutionName} (${n.institutionCode})` },
      { label: '宛名番号等', en: 'Local records', value: (n) => n.localRecordIds.join('、') },
    ], p.notification),

    h('h3', {}, '原因 ', h('span', { class: 'en' }, 'Cause')),
    facts([
      ['申告された原因 Stated', c.stated],
      ['不正の目的のおそれ Improper purpose', yesNo(c.improperPurpose)],
      ['2023年の誤りと同じ態様 Matches the 2023 pattern', flag(c.matches2023Pattern, 'はい', 'いいえ')],
      ['紐付けの方法 Method', nameOf(names.method, c.linkage.method)],
      ['照会項目 Query items', c.linkage.queryItems.map((i) => names.queryItem[i] ?? i).join('・') || '—'],
      ['該当者数 Candidates', `${c.linkage.candidateCount} 人`],
      ['確認者数 Checkers', `${c.linkage.checkerCount} 人`],
      ['上長の承認 Approved', yesNo(c.linkage.approved)],
      ['紐付け日時 Linked', jst(c.linkage.linkedAt)],
    ]),
    c.findings.length === 0 ? null : h('ul', {}, c.findings.map((f) => h('li', {}, f.description, ' ', h('code', {}, f.code)))),

    h('h3', {}, '個人情報保護委員会への報告（案） ', h('span', { class: 'en' }, 'Draft report to the PPC')),
    facts([
      ['報告対象 Reportable', h('span', { id: 'reportable' }, flag(r.reportable, '該当する (reportable)', '該当しない可能性がある（要確認）'))],
      ['速報の目標 Preliminary target', jst(r.preliminaryTargetBy)],
      ['速報の期限 Preliminary due', h('span', { id: 'preliminary-due' }, jst(r.preliminaryDueBy))],
      ['確報の期限 Final due', h('span', { id: 'final-due' }, `${jst(r.finalDueBy)}（発見から ${r.finalDueDays} 日）`)],
    ]),
    h('ul', {}, r.reasons.map((reason) => h('li', {}, reason))),
    table([
      { label: '項目', en: 'Item', value: (i) => `${i.number}. ${i.heading}` },
      { label: '内容', en: 'Content', value: (i) => h('div', { class: 'pre' }, withMarks(i.content)) },
      { label: '状態', en: 'Status', value: (i) => h('span', { class: i.status === '記入済' ? '' : 'todo' }, i.status) },
    ], r.items, { caption: '報告事項（9項目）' }),

    h('h3', {}, '経過 ', h('span', { class: 'en' }, 'Timeline')),
    table([
      { label: '日時', en: 'At', value: (e) => jst(e.at) },
      { label: '事項', en: 'What', value: (e) => e.description },
    ], t.timeline));
}

$('trace-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = text(traceId);
  if (id === null) {
    showMessage(traceView, 'インシデント番号を入力してください。(Enter an incident id.)');
    return;
  }
  await openTrace(id);
});

/**
 * The report needs the bearer token, which a plain link cannot carry: fetch it, then show it as a blob document in a
 * window opened at the click (so that no popup blocker stands in the way). The blob document inherits this page's
 * Content-Security-Policy, which allows the report's own stylesheet by its hash and no script at all.
 */
$('open-report').addEventListener('click', async () => {
  const id = text(traceId);
  if (id === null) {
    showMessage(reportOutcome, 'インシデント番号を入力してください。(Enter an incident id.)');
    return;
  }
  const win = window.open('', '_blank');
  if (win) win.document.title = '読み込み中… (loading)';
  const result = await api('GET', `/api/v1/incidents/${encodeURIComponent(id)}/report`, { accept: 'text/html' });
  if (!result.ok) {
    win?.close();
    showProblem(reportOutcome, result);
    return;
  }
  const url = URL.createObjectURL(new Blob([result.data], { type: 'text/html;charset=utf-8' }));
  if (win) {
    win.location.replace(url);
    showMessage(reportOutcome, '報告書案を別ウィンドウで開きました。印刷はそのウィンドウから行います。(Opened in a new window; print from there.)');
  } else {
    replace(reportOutcome, h('p', {}, 'ポップアップが開けませんでした。', h('a', { href: url, download: `incident-report-${id}.html` }, '報告書案を保存 (save the report)')));
  }
  // The window has loaded the document long before this; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 120_000);
});

// ---- linkage risks -------------------------------------------------------------------------------------------------

const riskList = $('risk-list');
let riskQuery = null;

const riskPages = pager($('risk-next'), $('risk-page'), async (cursor) => {
  const result = await api('GET', '/api/v1/linkages/risks', { query: { ...riskQuery, cursor } });
  if (!result.ok) {
    showProblem(riskList, result);
    return undefined;
  }
  const { items, nextCursor } = result.data;
  if (items.length === 0) {
    showMessage(riskList, 'この条件のリスクのある紐付けはありません。(No linkages at risk.)');
    return null;
  }
  replace(riskList, table([
    { label: '紐付けID', en: 'Linkage', value: (l) => h('button', { type: 'button', class: 'link', onclick: () => showHistory(l.linkageId, null, null) }, l.linkageId) },
    { label: '機関', en: 'Institution', value: (l) => l.institutionCode },
    { label: '宛名番号等', en: 'Local record', value: (l) => l.localRecordId },
    { label: '方法', en: 'Method', value: (l) => nameOf(names.method, l.method) },
    { label: '照会項目', en: 'Query items', value: (l) => l.queryItems.map((i) => names.queryItem[i] ?? i).join('・') || '—' },
    { label: '該当者数', en: 'Candidates', value: (l) => l.candidateCount },
    { label: '確認者数', en: 'Checkers', value: (l) => l.checkerCount },
    { label: '承認', en: 'Approved', value: (l) => yesNo(l.approved) },
    { label: '紐付け日時', en: 'Linked', value: (l) => jst(l.linkedAt) },
    { label: '点検（一致）', en: 'Agreed re-checks', value: (l) => `${l.agreedRechecks} 回` },
    { label: '最終点検', en: 'Last re-check', value: (l) => jst(l.lastRecheckAt) },
    { label: '2023年型', en: '2023 pattern', value: (l) => flag(l.matches2023Pattern, 'はい', 'いいえ') },
    { label: 'リスク要因', en: 'Risk factors', value: (l) => h('ul', { class: 'plain' }, l.riskFactors.map((f) => h('li', {}, f.description))) },
  ], items, { caption: `${items.length} 件（紐付けの古い順）` }));
  return nextCursor ?? null;
});

$('risk-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  riskQuery = {
    institutionCode: text($('risk-institution')),
    from: text($('risk-from')),
    to: text($('risk-to')),
    pattern2023: $('risk-pattern').checked ? 'true' : null,
    pageSize: number($('risk-page-size')),
  };
  await riskPages.first();
});

// ---- linkage history -----------------------------------------------------------------------------------------------

const historyView = $('history-view');

// Bitemporal: asOf is recording time (what the ledger had recorded by then), validAt business time (what was true then).
async function showHistory(linkageId, asOf, validAt) {
  $('history-linkage').value = linkageId;
  const result = await readAll(`/api/v1/linkages/${encodeURIComponent(linkageId)}/history`, { asOf, validAt }, 'events');
  if (!result.ok) {
    showProblem(historyView, result);
    return;
  }
  const history = result.data;
  const s = history.state;
  replace(historyView,
    facts([
      ['紐付けID Linkage', history.linkageId],
      ['機関 Institution', history.institutionCode],
      ['宛名番号等 Local record', history.localRecordId],
      ['記録時点 As of (recorded by)', h('span', { id: 'history-as-of-shown' }, jst(history.asOf))],
      ['有効時点 Valid at (business time)', h('span', { id: 'history-valid-at-shown' }, history.validAt ? jst(history.validAt) : '指定なし (any)')],
      ['その時点の状態 State then', h('span', { id: 'history-state' }, nameOf(names.linkageStatus, s.status))],
      ['方法 Method', nameOf(names.method, s.method)],
      ['紐付け日時 Linked', jst(s.linkedAt)],
      ['点検 Re-checks', `${s.checks} 回（不一致 ${s.discrepancies} 回）`],
    ]),
    table([
      { label: '順序', en: 'Seq', value: (e) => e.sequence },
      { label: '事象', en: 'Event', value: (e) => nameOf(names.linkageEvent, e.kind) },
      { label: '発生日時', en: 'Occurred', value: (e) => jst(e.occurredAt) },
      { label: '記録日時', en: 'Recorded', value: (e) => jst(e.recordedAt) },
      { label: '記録者', en: 'Recorded by', value: (e) => e.recordedBy ?? '—' },
      { label: '方法', en: 'Method', value: (e) => (e.method ? nameOf(names.method, e.method) : '—') },
      {
        label: '担当・確認・承認',
        en: 'Operator / checkers / approver',
        value: (e) => [e.operatorId, (e.checkerIds ?? []).join('、'), e.approverId].map((x) => x || '—').join(' / '),
      },
      { label: '理由・詳細', en: 'Reason / details', value: (e) => [e.reason, e.details].filter(Boolean).join(' / ') || '—' },
      { label: 'インシデント', en: 'Incident', value: (e) => e.incidentId ?? '—' },
    ], history.events, { caption: `${history.events.length} 件の事象 (events recorded by asOf${history.validAt ? ' that happened by validAt' : ''})` }));
  historyView.scrollIntoView();
}

$('history-query').addEventListener('submit', async (event) => {
  event.preventDefault();
  const linkageId = text($('history-linkage'));
  if (linkageId === null) {
    showMessage(historyView, '紐付けIDを入力してください。(Enter a linkage id.)');
    return;
  }
  await showHistory(linkageId, jstMoment($('history-as-of').value), jstMoment($('history-valid-at').value));
});

initSignIn(['incident-responder', 'auditor']);
enableForms();

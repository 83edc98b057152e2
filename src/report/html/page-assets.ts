/** The report page's own CSS and JS, inlined into every page (no external fetch of any kind). */

export const PAGE_CSS = `
:root{--ok:#3a9a5b;--drift:#d6332b;--re:#9ad1a9;--err:#e08a00;--skip:#9aa0a6;--absent:#c9b8e8;--un:repeating-linear-gradient(45deg,#ddd 0 3px,#f4f4f4 3px 6px);font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d1d1f;background:#fafafa}
body{margin:0 auto;max-width:1400px;padding:16px 24px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:24px 0 8px}h3{font-size:14px;margin:0 0 6px;font-family:ui-monospace,Menlo,Consolas,monospace}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}.facts dt{color:#666}.facts dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;background:var(--skip);font-weight:600;font-size:12px}.badge.big{font-size:16px;padding:2px 12px}
.b-consistent,.b-ok{background:var(--ok)}.b-drift{background:var(--drift)}.b-incomplete,.b-error{background:var(--err)}.b-skipped,.b-unfinished{background:var(--skip)}
.stopped{color:#a05a00;font-weight:600}.note{color:#555;margin:2px 0}
.controls{position:sticky;top:0;background:#fafafa;padding:8px 0;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:16px;align-items:center;z-index:1}
.legend .cell{display:inline-block;width:12px;height:12px;margin:0 3px 0 8px;vertical-align:middle}
#detail{font-family:ui-monospace,Menlo,Consolas,monospace;color:#333}
section.table{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 12px;margin:10px 0}
table.pairs{border-collapse:collapse;width:100%;table-layout:fixed}
/* the same column widths in every table, so strips line up across tables too */
table.pairs th:nth-child(1){width:160px}table.pairs th:nth-child(3){width:90px}table.pairs th:nth-child(n+4):nth-child(-n+8){width:66px}table.pairs th:nth-child(9){width:20%}
table.pairs th,table.pairs td{padding:3px 6px;text-align:left;vertical-align:middle;font-size:13px}
table.pairs thead th{color:#666;font-weight:500;border-bottom:1px solid #eee}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.replica{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap;font-weight:500}
td.strip-cell{min-width:240px}.reason{color:#555;overflow-wrap:anywhere}th.replica{overflow-wrap:anywhere}
.strip{display:flex;height:18px;border:1px solid #ccc;border-radius:3px;overflow:hidden;background:#f4f4f4}
.strip .cell{flex:1 1 0;min-width:2px;border-right:1px solid rgba(255,255,255,.6);cursor:pointer}.strip .cell:last-child{border-right:0}
.strip .cell:hover,.strip .cell.sel{outline:2px solid #111;outline-offset:-2px}
.c-ok{background:var(--ok)}.c-drift{background:var(--drift)}.c-rechecked{background:var(--re)}.c-error{background:var(--err)}.c-skipped{background:var(--skip)}.c-absent{background:var(--absent)}.c-unchecked{background:var(--un)}
body.only-problems section.table[data-worst="ok"]{display:none}
table.hist{border-collapse:collapse}table.hist th,table.hist td{padding:2px 4px;font-size:12px}table.hist th.run{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:400;color:#555}
table.hist th.this{color:#000;font-weight:700}table.hist tbody th{text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:400}
td.h{width:16px;height:16px;border:1px solid #fff}.h-ok{background:var(--ok)}.h-drift{background:var(--drift)}.h-unknown{background:var(--err)}.h-none{background:#ddd}
.on{color:#888}footer{color:#888;margin:24px 0 8px;font-size:12px}
`;

export const PAGE_JS = `
(function(){
  var box=document.getElementById('only-problems');
  box.addEventListener('change',function(){document.body.classList.toggle('only-problems',box.checked)});
  var detail=document.getElementById('detail');var sel=null;
  document.getElementById('tables').addEventListener('click',function(ev){
    var c=ev.target.closest('.cell');if(!c)return;
    if(sel)sel.classList.remove('sel');sel=c;c.classList.add('sel');
    var t=c.closest('section.table').getAttribute('data-table');
    var r=c.closest('tr').querySelector('th.replica').textContent;
    detail.textContent=t+' on '+r+': '+c.title;
  });
  var strips=document.querySelectorAll('.strip');
  for(var i=0;i<strips.length;i++){
    var cells=strips[i].querySelectorAll('.cell');var d=0;
    for(var k=0;k<cells.length;k++)if(cells[k].getAttribute('data-verdict')==='drift')d++;
    strips[i].setAttribute('aria-label',cells.length+' chunk(s), '+d+' differing');
  }
  document.documentElement.setAttribute('data-ready','1');
})();
`;
